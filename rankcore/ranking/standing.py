"""The immutable answer to "where does this member stand".

:class:`Standing` is the public value type (an attrs class: build one, subclass it). Boards
return standings of a lighter kind that behaves as one: ``isinstance(s, Standing)`` holds,
it has the same six attributes, compares equal (and hashes alike) to a :class:`Standing`
with the same fields, prints as one, and is immutable. It is a ``tuple`` subclass built in
C, without a Python ``__init__``, holding the entry's sort key: its score, reached-at time
and subscore are decoded only when read. Listings build one per row, so this is most of
what a page costs.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Hashable
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Generic

import attrs

__all__ = ["KeyedStanding", "M", "Score", "Standing", "ValueStanding", "keyed"]

if TYPE_CHECKING:
    # A default (PEP 696) makes a bare ``Standing`` or ``Leaderboard`` mean ``[Hashable]``.
    # ``typing.TypeVar`` takes ``default`` only from Python 3.13, so it is a type-checking
    # matter here: at run time the bound is all there is.
    from typing_extensions import TypeVar

    M = TypeVar("M", bound=Hashable, default=Hashable)
else:
    from typing import TypeVar

    M = TypeVar("M", bound=Hashable)
"""The member type of a board (``Leaderboard[str]``); ``Hashable`` when not given."""

Score = int | float
"""A score: an ``int`` (at most 2**53 in magnitude) or a finite ``float``."""


def _fields(standing: Any) -> tuple[Any, ...]:
    return (
        standing.member,
        standing.score,
        standing.rank,
        standing.reached_at,
        standing.subscore,
        standing.meta,
    )


@attrs.frozen(slots=True, eq=False)
class Standing(Generic[M], metaclass=abc.ABCMeta):
    """A member's place on a leaderboard at the moment it was read.

    ``reached_at`` is when the member reached its current score (``None`` when the write
    that reached it gave no time): as the write gave it, or in UTC when read back.
    ``rank`` follows the board's tie policy. ``subscore`` is the second sort key on a board
    that has one (else ``None``), ``meta`` the entry's metadata (``None`` when it has none).
    Two standings are equal when their six fields are.
    """

    member: M
    score: Score
    rank: int
    reached_at: datetime | None = None
    subscore: Score | None = None
    meta: Any = None

    def __eq__(self, other: object) -> bool:
        if type(self) is Standing and (type(other) is Standing or isinstance(other, _Packed)):
            return _fields(self) == _fields(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(_fields(self))


_MEMBER = itemgetter(0)
_RANK = itemgetter(1)
_META = itemgetter(2)
_FOURTH = itemgetter(3)
_FIFTH = itemgetter(4)
_SIXTH = itemgetter(5)


class _Packed(tuple[Any, ...]):
    """What the two kinds of standing a board returns have in common: a tuple
    ``(member, rank, meta, ...)`` that reads, compares, hashes and prints as a
    :class:`Standing` (see the module text)."""

    __slots__ = ()

    if TYPE_CHECKING:

        @property
        def member(self) -> Any: ...

        @property
        def rank(self) -> int: ...

        @property
        def meta(self) -> Any: ...

        @property
        def score(self) -> Score: ...

        @property
        def reached_at(self) -> datetime | None: ...

        @property
        def subscore(self) -> Score | None: ...
    else:
        member = property(_MEMBER, doc="The member.")
        rank = property(_RANK, doc="The member's rank.")
        meta = property(_META, doc="The entry's metadata (``None`` when it has none).")

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __eq__(self, other: object) -> bool:
        if type(other) is Standing or isinstance(other, _Packed):
            return _fields(self) == _fields(other)
        return False if isinstance(other, tuple) else NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(_fields(self))

    # Not ordered, like a Standing (and not like a tuple of its stored form).
    def __lt__(self, other: object) -> bool:
        return NotImplemented

    __le__ = __gt__ = __ge__ = __lt__

    def __repr__(self) -> str:
        return repr(Standing(*_fields(self)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Standing, _fields(self))

    def __copy__(self) -> _Packed:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        import copy

        return Standing(*copy.deepcopy(_fields(self), memo))


class ValueStanding(_Packed):
    """A standing holding its values: ``(member, rank, meta, score, reached_at, subscore)``
    (what a write returns). Build it with ``tuple.__new__(ValueStanding, values)``."""

    __slots__ = ()

    if not TYPE_CHECKING:
        score = property(_FOURTH, doc="The score, as the int or float it was written as.")
        reached_at = property(_FIFTH, doc="When the member reached its score, or None.")
        subscore = property(_SIXTH, doc="The subscore, or None.")


class KeyedStanding(_Packed):
    """A standing holding its entry's sort key: ``(member, rank, meta, key)``, whose score,
    reached-at time and subscore are decoded when read, by functions specialised to one
    kind of board (one subclass per kind, see :func:`keyed`)."""

    __slots__ = ()


_KEYED: dict[Hashable, type[KeyedStanding]] = {}


def keyed(
    kind: Hashable,
    score: Callable[[Any], Score],
    reached_at: Callable[[Any], datetime | None],
    subscore: Callable[[Any], Score | None],
) -> type[KeyedStanding]:
    """The :class:`KeyedStanding` subclass of one ``kind`` of board, whose ``score``,
    ``reached_at`` and ``subscore`` are the given functions of the standing (they decode
    its key, item 3); made once per kind, then shared. O(1)."""
    cls = _KEYED.get(kind)
    if cls is None:
        namespace = {
            "__slots__": (),
            "score": property(score, doc="The score, as the int or float written."),
            "reached_at": property(reached_at, doc="When the member reached its score."),
            "subscore": property(subscore, doc="The subscore, or None."),
        }
        cls = _KEYED[kind] = type("KeyedStanding", (KeyedStanding,), namespace)
    return cls


Standing.register(_Packed)
