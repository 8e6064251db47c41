"""What a batch answers: a result by position, and the refusals.

The base of :class:`~rankcore.BatchResult` (activities) and
:class:`~rankcore.AwardBatchResult` (awards): their results are what the one-by-one call
would have answered, each with a ``duplicate`` flag, and ``None`` where it was refused.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

import attrs

from rankcore.errors import RankcoreError

__all__ = ["BatchOutcome"]


class _Flagged(Protocol):
    @property
    def duplicate(self) -> bool: ...


R = TypeVar("R", bound=_Flagged)


@attrs.frozen
class BatchOutcome(Generic[R]):
    """``results`` by position (``None`` where refused) and ``refusals``, the ``(position,
    error)`` of every refused entry, in batch order."""

    results: tuple[R | None, ...]
    refusals: tuple[tuple[int, RankcoreError], ...]

    @property
    def counted(self) -> int:
        """Entries counted (neither refused nor duplicates). O(batch)."""
        return sum(1 for r in self.results if r is not None and not r.duplicate)

    @property
    def duplicates(self) -> int:
        """Entries that repeated an event already counted. O(batch)."""
        return sum(1 for r in self.results if r is not None and r.duplicate)

    @property
    def changed(self) -> bool:
        """Whether the batch changed anything (some entry was counted). O(batch)."""
        return any(r is not None and not r.duplicate for r in self.results)
