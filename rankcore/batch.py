"""What a batch answers: a result by position, and the refusals.

The base of :class:`~rankcore.BatchResult` (activities) and
:class:`~rankcore.AwardBatchResult` (awards): their results are what the one-by-one call
would have answered, each with a ``duplicate`` flag, and ``None`` where it was refused.

A batch applied by the engine hands over its results as *rows*: one flat list of plain
values (ints, strings, times) written by the domain that applied it, with the function
that turns them into result objects. The objects are made when :attr:`BatchOutcome.results`
is first read. A batch of thousands of entries so allocates a handful of containers
instead of a few per entry. CPython's cyclic garbage collector runs after every few hundred
containers allocated and still alive, and its full passes walk the whole engine: live
results by the thousand made a batch pay for several of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, Protocol, Self, TypeVar

import attrs

from rankcore.errors import RankcoreError

__all__ = ["BatchOutcome"]


class _Flagged(Protocol):
    @property
    def duplicate(self) -> bool: ...


R = TypeVar("R", bound=_Flagged)
Refusals = tuple[tuple[int, RankcoreError], ...]


class BatchOutcome(Generic[R]):
    """``results`` by position (``None`` where refused) and ``refusals``, the ``(position,
    error)`` of every refused entry, in batch order. Immutable; equal when both are."""

    __slots__ = ("_counted", "_decode", "_duplicates", "_results", "_rows", "refusals")

    _results: tuple[R | None, ...] | None
    _rows: list[Any] | None
    _decode: Callable[[list[Any]], tuple[R | None, ...]] | None
    _counted: int
    _duplicates: int
    refusals: Refusals

    def __init__(
        self, results: Iterable[R | None], refusals: Iterable[tuple[int, RankcoreError]]
    ) -> None:
        """A batch's outcome from its results and refusals. O(batch)."""
        kept = tuple(results)
        duplicates = sum(1 for r in kept if r is not None and r.duplicate)
        counted = sum(1 for r in kept if r is not None) - duplicates
        self._set(kept, None, None, counted, duplicates, tuple(refusals))

    @classmethod
    def from_rows(
        cls,
        rows: list[Any],
        decode: Callable[[list[Any]], tuple[R | None, ...]],
        counted: int,
        duplicates: int,
        refusals: Refusals,
    ) -> Self:
        """The outcome of a batch that ``counted`` entries and found ``duplicates``, whose
        results ``decode(rows)`` makes when first read. O(1)."""
        outcome = cls.__new__(cls)
        outcome._set(None, rows, decode, counted, duplicates, refusals)
        return outcome

    def _set(
        self,
        results: tuple[R | None, ...] | None,
        rows: list[Any] | None,
        decode: Callable[[list[Any]], tuple[R | None, ...]] | None,
        counted: int,
        duplicates: int,
        refusals: Refusals,
    ) -> None:
        put = object.__setattr__
        put(self, "_results", results)
        put(self, "_rows", rows)
        put(self, "_decode", decode)
        put(self, "_counted", counted)
        put(self, "_duplicates", duplicates)
        put(self, "refusals", refusals)

    @property
    def results(self) -> tuple[R | None, ...]:
        """Each entry's result by position, ``None`` where refused. O(batch) when first
        read, then O(1); threads that read it at once all get the same results."""
        results = self._results
        if results is None:
            rows, decode = self._rows, self._decode
            if rows is None or decode is None:  # another thread made them in the meantime
                made = self._results
                assert made is not None
                return made
            results = decode(rows)
            put = object.__setattr__
            put(self, "_results", results)  # before the rows go: a reader finds one or both
            put(self, "_rows", None)
            put(self, "_decode", None)
        return results

    @property
    def counted(self) -> int:
        """Entries counted (neither refused nor duplicates). O(1)."""
        return self._counted

    @property
    def duplicates(self) -> int:
        """Entries that repeated an event already counted. O(1)."""
        return self._duplicates

    @property
    def changed(self) -> bool:
        """Whether the batch changed anything (some entry was counted). O(1)."""
        return self._counted > 0

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, BatchOutcome)
        return self.results == other.results and self.refusals == other.refusals

    def __hash__(self) -> int:
        return hash((type(self), self.results, self.refusals))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(results={self.results!r}, refusals={self.refusals!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.results, self.refusals))
