"""The ranking kernel: one leaderboard, O(log n) updates and ranks under every tie policy.

A board keeps three structures in step:

- ``_keys``: member -> sort key (see :mod:`rankcore.ranking.keys`: one ``int`` packing the
  score, the reached-at time, the write sequence and the score's type),
- ``_members``: sort key -> member,
- ``_sorted``: a :class:`~sortedcontainers.SortedList` of the keys, best first.

Ranks are counts of better keys, found by bisection. A dense board also keeps the distinct
scores (``_distinct``, with their multiplicities in ``_counts``), since counting distinct
better scores is not a bisection of the member keys.

A cursor (:meth:`Leaderboard.page_after`) is the sort key of the last entry listed, so the
next page is a bisection too, wherever that entry has moved since.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Final, Generic

import attrs
from sortedcontainers import SortedList

from rankcore.errors import InvalidArgument, InvalidArgumentType, MemberNotFound
from rankcore.ranking.keys import (
    LOW_BITS,
    SEQ_BITS,
    bound_part,
    check_score,
    decode_entries,
    decode_score,
    decode_seq,
    decode_time,
    encode_time,
    rank_part,
)
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.sortedkeys import SortedKeys
from rankcore.ranking.standing import M, Score, Standing
from rankcore.validate import check_id

__all__ = ["Leaderboard", "Page"]

_TIME_SHIFT: Final = SEQ_BITS + 1
_SEQ_LIMIT: Final = 1 << SEQ_BITS
_COMPETITION: Final = TiePolicy.COMPETITION
_MODIFIED: Final = TiePolicy.MODIFIED_COMPETITION
_DENSE: Final = TiePolicy.DENSE
_ORDINAL: Final = TiePolicy.ORDINAL
# A cursor is the order's letter and the key plus _CURSOR_SHIFT (so never negative: rank
# parts are signed 64-bit) in _CURSOR_DIGITS lowercase hex digits.
_CURSOR_SHIFT: Final = 1 << (63 + LOW_BITS)
_CURSOR_DIGITS: Final = (64 + LOW_BITS + 3) // 4
_CURSOR: Final = re.compile(f"[ad][0-9a-f]{{{_CURSOR_DIGITS}}}")


@attrs.frozen(slots=True)
class Page(Generic[M]):
    """One page of a cursor listing (:meth:`Leaderboard.page_after`).

    ``entries`` are the standings in board order. ``cursor`` is the opaque string that asks
    for the next page, or ``None`` when nothing was listed after the last entry.
    """

    entries: tuple[Standing[M], ...]
    cursor: str | None


class Leaderboard(Generic[M]):
    """A leaderboard: members (hashable ids) ranked by a numeric score.

    >>> board = Leaderboard()
    >>> for member, points in [("ann", 4), ("bob", 3), ("cy", 1), ("di", 1)]:
    ...     _ = board.set(member, points)
    >>> [(s.member, s.rank) for s in board.page(0, 10)]
    [('ann', 1), ('bob', 2), ('cy', 3), ('di', 3)]

    ``order`` says which scores are better (:attr:`Order.DESC`: higher, the default).
    ``ties`` says how equal scores are ranked (:class:`TiePolicy`, default competition).
    Inside a tie, members are always listed by the time they reached their score (earlier
    first; a write without a time counts as later than any timed write), then by the order
    in which the writes arrived.

    ``order`` and ``ties`` may also be given as their values, in any case (``"asc"``).
    The member type is a type parameter, for type checkers only: ``Leaderboard[str]()``
    (a bare ``Leaderboard`` means ``Leaderboard[Hashable]``).
    Scores are ints (at most 2**53 in magnitude) or finite floats. Not thread-safe: share a
    board between threads only behind a lock (the :class:`~rankcore.Engine` does this).
    Changing a board while iterating over it raises ``RuntimeError`` at the next step, as a
    ``dict`` does.
    """

    __slots__ = (
        "_counts",
        "_desc",
        "_distinct",
        "_keys",
        "_members",
        "_seq",
        "_sorted",
        "_ties",
        "_version",
    )

    def __init__(
        self, order: Order | str = Order.DESC, ties: TiePolicy | str = TiePolicy.COMPETITION
    ) -> None:
        order = Order.parse(order, "order")
        ties = TiePolicy.parse(ties, "ties")
        self._desc = order is Order.DESC
        self._ties = ties
        self._keys: dict[M, int] = {}
        self._members: dict[int, M] = {}
        self._sorted = SortedKeys()
        self._seq = 0
        self._version = 0  # bumped by every change, so that iterators notice them
        # Only dense boards count distinct scores: rank part -> number of members with it.
        self._counts: dict[int, int] | None = {} if ties is _DENSE else None
        self._distinct: SortedList | None = SortedList() if ties is _DENSE else None

    # -- properties ---------------------------------------------------------------------------

    @property
    def order(self) -> Order:
        """Which scores are better."""
        return Order.DESC if self._desc else Order.ASC

    @property
    def ties(self) -> TiePolicy:
        """How equal scores are ranked."""
        return self._ties

    def __repr__(self) -> str:
        return f"Leaderboard(order={self.order}, ties={self._ties}, members={len(self._keys)})"

    # -- writes -------------------------------------------------------------------------------

    def set(self, member: M, score: Score, at: datetime | None = None) -> Standing[M]:
        """Set ``member``'s score to ``score``, reached at ``at``; return its new standing.

        Setting the score a member already has changes nothing (its reached-at time included).
        O(log n).
        """
        score = check_score(score)
        return self._write(member, self._key_of(member), score, at)

    def incr(self, member: M, delta: Score, at: datetime | None = None) -> Standing[M]:
        """Add ``delta`` (which may be negative) to ``member``'s score; an absent member starts
        at 0. Returns the new standing. An increment of 0 changes nothing. O(log n).
        """
        delta = check_score(delta, "delta")
        old = self._key_of(member)
        score = delta if old is None else decode_score(old, self._desc) + delta
        return self._write(member, old, check_score(score, "the new score"), at)

    def best(self, member: M, score: Score, at: datetime | None = None) -> Standing[M]:
        """Keep the better of ``member``'s score and ``score`` under the board's order.

        A score that is not better changes nothing, reached-at time included. Returns the
        member's standing afterwards. O(log n).
        """
        score = check_score(score)
        old = self._key_of(member)
        if old is not None and rank_part(score, self._desc) >= old >> LOW_BITS:
            encode_time(at)  # the time is still validated
            return self._standing(member, old, self._ties)
        return self._write(member, old, score, at)

    def remove(self, member: M) -> bool:
        """Remove ``member``; return whether it was on the board. O(log n)."""
        key = self._key_of(member)
        if key is None:
            return False
        del self._keys[member]
        self._unlink(key)
        self._version += 1
        return True

    def clear(self) -> None:
        """Remove every member. O(n)."""
        self._version += 1
        self._keys.clear()
        self._members.clear()
        self._sorted.clear()
        if self._counts is not None and self._distinct is not None:
            self._counts.clear()
            self._distinct.clear()

    def load(self, entries: Iterable[Sequence[Any]]) -> int:
        """Apply many ``(member, score)`` or ``(member, score, at)`` entries at once.

        The result equals calling :meth:`set` for each entry in turn, but costs one sort of
        the new keys instead of one insertion each. Every entry is checked before anything
        changes: on an error the board is unchanged. Returns the number of entries read.
        O(k log k + k log n) for k entries.
        """
        staged: dict[M, int] = {}
        seq = self._seq
        count = 0
        desc = self._desc
        for count, entry in enumerate(entries, start=1):
            if not isinstance(entry, (tuple, list)) or len(entry) not in (2, 3):
                raise InvalidArgumentType(
                    f"entry {count} must be a (member, score) or (member, score, at) tuple"
                )
            member, score = entry[0], check_score(entry[1], f"score of entry {count}")
            time = encode_time(entry[2] if len(entry) == 3 else None, f"at of entry {count}")
            try:
                old = staged.get(member)
            except TypeError:
                raise InvalidArgumentType(f"member of entry {count} must be hashable") from None
            if old is None:
                old = self._keys.get(member)
            part = rank_part(score, desc)
            if old is not None and old >> LOW_BITS == part:
                continue
            seq += 1
            staged[member] = self._pack(part, time, seq, score)
        if seq >= _SEQ_LIMIT:
            raise InvalidArgument("this board has used up its write sequence numbers")
        self._seq = seq
        if staged:
            self._version += 1
        replaced = [self._keys[m] for m in staged if m in self._keys]
        for key in replaced:
            self._unlink(key)
        self._keys.update(staged)
        self._members.update((key, member) for member, key in staged.items())
        self._sorted.update(staged.values())
        if self._counts is not None and self._distinct is not None:
            for key in staged.values():
                self._count_in(key >> LOW_BITS)
        return count

    # -- reads --------------------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of members. O(1)."""
        return len(self._keys)

    def __contains__(self, member: object) -> bool:
        """Whether ``member`` is on the board. O(1)."""
        return self._key_of(member) is not None

    def __iter__(self) -> Iterator[Standing[M]]:
        """Every standing, in rank order. O(log n) to start, O(1) amortised per entry.

        Raises ``RuntimeError`` at the next step if the board changed meanwhile.
        """
        version = self._version
        for start in range(0, len(self._sorted), 1024):
            for standing in self._slice(start, start + 1024, self._ties):
                if self._version != version:
                    break
                yield standing
            if self._version != version:
                raise RuntimeError("Leaderboard changed during iteration")

    def rank(self, member: M, ties: TiePolicy | str | None = None) -> int:
        """``member``'s rank under the board's tie policy (or ``ties``). O(log n).

        Raises :class:`~rankcore.MemberNotFound` (a ``KeyError``) if it is not on the board.
        """
        key = self._key_of(member)
        if key is None:
            raise MemberNotFound(member)
        return self._rank(key, self._policy(ties))

    def get(self, member: M, ties: TiePolicy | str | None = None) -> Standing[M] | None:
        """``member``'s standing, or ``None`` if it is not on the board. O(log n)."""
        key = self._key_of(member)
        return None if key is None else self._standing(member, key, self._policy(ties))

    def page(
        self, offset: int, limit: int, ties: TiePolicy | str | None = None
    ) -> list[Standing[M]]:
        """Up to ``limit`` standings in rank order, starting at entry ``offset`` (from 0).

        O(log n + limit).
        """
        offset = check_id(offset, "offset")
        limit = check_id(limit, "limit")
        return self._slice(offset, offset + limit, self._policy(ties))

    def around(
        self, member: M, before: int, after: int, ties: TiePolicy | str | None = None
    ) -> list[Standing[M]]:
        """``member``'s standing with up to ``before`` entries above it and ``after`` below.

        Raises :class:`~rankcore.MemberNotFound` if it is not on the board.
        O(log n + before + after).
        """
        before = check_id(before, "before")
        after = check_id(after, "after")
        key = self._key_of(member)
        if key is None:
            raise MemberNotFound(member)
        index = self._sorted.bisect_left(key)
        return self._slice(max(0, index - before), index + after + 1, self._policy(ties))

    def by_rank(self, first: int, last: int) -> list[Standing[M]]:
        """Every member whose rank lies in ``[first, last]``, in rank order.

        ``by_rank(1, 1)`` returns everyone tied for first (under modified competition ranking
        a tie for first has rank 2, so it returns nobody). O(log n + k) for k members returned.
        """
        if check_id(first, "first") < 1:
            raise InvalidArgument(f"first must be at least 1, got {first}")
        check_id(last, "last")
        size = len(self._sorted)
        if last < first or first > size:
            return []
        ties = self._ties
        if ties is _ORDINAL:
            start, stop = first - 1, min(last, size)
        elif ties is _COMPETITION:
            # A member's rank is 1 + the index where its score's run starts.
            run_start, run_stop = self._run(first - 1)
            start = first - 1 if run_start == first - 1 else run_stop
            stop = size if last >= size else self._run(last - 1)[1]
        elif ties is _MODIFIED:
            # A member's rank is the index where its score's run stops.
            start = self._run(first - 1)[0]
            if last >= size:
                stop = size
            else:
                run_start, run_stop = self._run(last - 1)
                stop = last if run_stop == last else run_start
        else:
            assert self._distinct is not None
            distinct = self._distinct
            if first > len(distinct):
                return []
            bisect = self._sorted.bisect_left
            start = bisect(distinct[first - 1] << LOW_BITS)
            stop = size if last >= len(distinct) else bisect(distinct[last] << LOW_BITS)
        return self._slice(start, stop, ties) if start < stop else []

    def count_between(self, low: Score, high: Score) -> int:
        """How many members have a score ``s`` with ``low <= s <= high``. O(log n).

        Bounds may be ``float('-inf')`` or ``float('inf')``; ``low > high`` counts nothing.
        """
        a = bound_part(low, "low", self._desc)
        b = bound_part(high, "high", self._desc)
        first, last = (b, a) if self._desc else (a, b)
        if first > last:
            return 0
        bisect = self._sorted.bisect_left
        return int(bisect((last + 1) << LOW_BITS) - bisect(first << LOW_BITS))

    def percentile(self, member: M) -> float:
        """``member``'s percentile rank: 100 * (worse + equal / 2) / n, in ``(0, 100)``.

        ``worse`` counts members with a strictly worse score and ``equal`` those with the same
        score, the member included (the "mean" definition): the best of 1,000 distinct scores
        is at 99.95, a board of one at 50. Raises :class:`~rankcore.MemberNotFound`. O(log n).
        """
        key = self._key_of(member)
        if key is None:
            raise MemberNotFound(member)
        start, stop = self._run_of(key >> LOW_BITS)
        size = len(self._sorted)
        return 100.0 * ((size - stop) + (stop - start) / 2) / size

    def rank_of_score(self, score: Score, ties: TiePolicy | str | None = None) -> int:
        """The rank a new member would get now by writing ``score`` without a time.

        Under the board's tie policy (or ``ties``), with every member on the board counted as
        it stands:

        - competition: 1 + members with a strictly better score;
        - modified competition: 1 + members with a better-or-equal score (the newcomer joins
          the tie and counts itself);
        - dense: 1 + distinct scores strictly better;
        - ordinal: 1 + members listed before the newcomer, that is, every member with a
          better-or-equal score: an untimed write that arrives last is listed last in its tie.

        ``score`` is checked as a written score (infinities are refused). O(log n).
        """
        part = rank_part(check_score(score), self._desc)
        ties = self._policy(ties)
        if ties is _COMPETITION:
            return int(self._sorted.bisect_left(part << LOW_BITS)) + 1
        if ties is _DENSE:
            assert self._distinct is not None
            return int(self._distinct.bisect_left(part)) + 1
        return int(self._sorted.bisect_left((part + 1) << LOW_BITS)) + 1

    def range_by_score(
        self,
        low: Score,
        high: Score,
        *,
        offset: int = 0,
        limit: int | None = None,
        ties: TiePolicy | str | None = None,
    ) -> list[Standing[M]]:
        """The standings with a score ``s`` such that ``low <= s <= high``, in board order.

        Board order lists better scores first (the highest on a descending board), like
        Redis's ``ZREVRANGEBYSCORE`` there and ``ZRANGEBYSCORE`` on an ascending board. Of
        those entries, ``offset`` are skipped and at most ``limit`` returned (``None``: all).
        Ranks are the members' ranks on the whole board. Bounds may be ``float('-inf')`` or
        ``float('inf')``; ``low > high`` selects nothing. O(log n + k) for k entries returned.
        """
        a = bound_part(low, "low", self._desc)
        b = bound_part(high, "high", self._desc)
        offset = check_id(offset, "offset")
        if limit is not None:
            limit = check_id(limit, "limit")
        ties = self._policy(ties)
        first, last = (b, a) if self._desc else (a, b)
        if first > last:
            return []
        bisect = self._sorted.bisect_left
        start = bisect(first << LOW_BITS) + offset
        stop = bisect((last + 1) << LOW_BITS)
        if limit is not None:
            stop = min(stop, start + limit)
        return self._slice(start, stop, ties) if start < stop else []

    def among(self, members: Iterable[M], ties: TiePolicy | str | None = None) -> list[Standing[M]]:
        """The standings of those of ``members`` that are on the board, in board order.

        For a friends list: each standing carries the member's rank on the whole board.
        Members not on the board are skipped, and one given more than once is listed once.
        ``members`` is any iterable of members except a ``str`` or ``bytes`` (refused: it would
        be read as its characters). O(m + k log n) for m members given, k of them found.
        """
        if isinstance(members, (str, bytes)):
            raise InvalidArgumentType(
                f"members must be an iterable of members, not a {type(members).__name__}"
            )
        ties = self._policy(ties)
        try:
            given = iter(members)
        except TypeError:
            raise InvalidArgumentType(
                f"members must be iterable, not {type(members).__name__}"
            ) from None
        key_of = self._key_of
        found = {key for key in map(key_of, given) if key is not None}
        keys = sorted(found)
        members_of = self._members
        rank = self._rank
        return [
            Standing(members_of[key], score, rank(key, ties), at)
            for key, (score, at) in zip(keys, decode_entries(keys, self._desc), strict=True)
        ]

    def page_after(
        self, cursor: str | None, limit: int, ties: TiePolicy | str | None = None
    ) -> Page[M]:
        """Up to ``limit`` standings in board order after ``cursor`` (``None``: from the top).

        The returned :class:`Page` carries the cursor of its next page, or ``None`` when no
        entry was listed after its last one. A cursor is an opaque string that records where
        the last entry listed stood (its score, reached-at time and write), not its position:
        the next page starts strictly after that place even if entries before it moved, left
        or joined, or the entry itself changed or was removed. So a member whose place does
        not change while a client pages is listed exactly once; one that moves across the
        cursor may be listed twice or not at all. ``limit`` must be at least 1. A cursor
        that this board (or one of the same order) did not return raises
        :class:`~rankcore.InvalidArgument`. O(log n + limit).
        """
        limit = check_id(limit, "limit")
        if limit < 1:
            raise InvalidArgument(f"limit must be at least 1, got {limit}")
        start = 0 if cursor is None else int(self._sorted.bisect_right(self._cursor_key(cursor)))
        stop = start + limit
        entries = self._slice(start, stop, self._policy(ties))
        more = stop < len(self._sorted)
        return Page(tuple(entries), self._cursor(self._sorted[stop - 1]) if more else None)

    # -- state (snapshots) --------------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        """The board as plain JSON-ready data, for snapshots: its order, tie policy, write
        counter and every ``[member, key]`` pair in listing order (the raw sort keys keep
        reached-at times and arrival order exactly). Members must be ``str`` or ``int``.
        O(n); never called on a hot path.
        """
        members = self._members
        entries: list[list[object]] = []
        for key in self._sorted:
            member = members[key]
            if isinstance(member, bool) or not isinstance(member, (str, int)):
                raise InvalidArgumentType(
                    f"only str and int members can be saved, not {type(member).__name__}"
                )
            entries.append([member, key])
        return {
            "order": self.order.value,
            "ties": self._ties.value,
            "seq": self._seq,
            "entries": entries,
        }

    @classmethod
    def from_state(cls, state: dict[str, object]) -> Leaderboard[M]:
        """The board :meth:`to_state` described. Raises ``ValueError``/``TypeError``/
        ``KeyError`` on malformed state. O(n log n)."""
        board = cls(Order(state["order"]), TiePolicy(state["ties"]))
        seq = state["seq"]
        entries = state["entries"]
        if type(seq) is not int or not 0 <= seq < _SEQ_LIMIT or not isinstance(entries, list):
            raise ValueError("malformed leaderboard state")
        keys: dict[Any, int] = {}
        for member, key in entries:
            if type(key) is not int or isinstance(member, bool) or member in keys:
                raise ValueError("malformed leaderboard entry")
            if not isinstance(member, (str, int)) or not 0 < decode_seq(key) <= seq:
                raise ValueError("malformed leaderboard entry")
            keys[member] = key
        board._seq = seq
        board._keys = keys
        board._members = {key: member for member, key in keys.items()}
        if len(board._members) != len(keys):
            raise ValueError("duplicate leaderboard keys")
        board._sorted.update(keys.values())
        if board._counts is not None:
            for key in keys.values():
                board._count_in(key >> LOW_BITS)
        return board

    # -- internals ----------------------------------------------------------------------------

    def _key_of(self, member: object) -> int | None:
        try:
            # Any object may be asked about; an unhashable one is refused just below.
            return self._keys.get(member)  # type: ignore[arg-type]
        except TypeError:
            raise InvalidArgumentType(
                f"member must be hashable, not {type(member).__name__}"
            ) from None

    def _policy(self, ties: TiePolicy | str | None) -> TiePolicy:
        if ties is None:
            return self._ties
        ties = TiePolicy.parse(ties, "ties")
        if ties is _DENSE and self._distinct is None:
            raise InvalidArgument("dense ranks need a board created with ties=TiePolicy.DENSE")
        return ties

    def _cursor(self, key: int) -> str:
        """The cursor naming the place of ``key`` (the inverse of :meth:`_cursor_key`)."""
        return f"{'d' if self._desc else 'a'}{key + _CURSOR_SHIFT:0{_CURSOR_DIGITS}x}"

    def _cursor_key(self, cursor: object) -> int:
        """The sort key a cursor names; refuses anything :meth:`_cursor` cannot have made."""
        if not isinstance(cursor, str):
            raise InvalidArgumentType(f"cursor must be a str or None, not {type(cursor).__name__}")
        if _CURSOR.fullmatch(cursor) is None:
            raise InvalidArgument("malformed cursor: pass back a cursor a page returned")
        if cursor[0] != ("d" if self._desc else "a"):
            raise InvalidArgument("this cursor comes from a board of the other order")
        value = int(cursor[1:], 16)
        if value >> (64 + LOW_BITS):
            raise InvalidArgument("malformed cursor: pass back a cursor a page returned")
        return value - _CURSOR_SHIFT

    @staticmethod
    def _pack(part: int, time: int, seq: int, score: Score) -> int:
        """The sort key of a write (layout in :mod:`rankcore.ranking.keys`)."""
        return (part << LOW_BITS) | (time << _TIME_SHIFT) | (seq << 1) | (type(score) is int)

    def _write(self, member: M, old: int | None, score: Score, at: datetime | None) -> Standing[M]:
        """Move ``member`` from key ``old`` (None: absent) to ``score``; everything checked."""
        part = rank_part(score, self._desc)
        time = encode_time(at)
        if old is not None and old >> LOW_BITS == part:
            return self._standing(member, old, self._ties)
        seq = self._seq + 1
        if seq >= _SEQ_LIMIT:
            raise InvalidArgument("this board has used up its write sequence numbers")
        self._seq = seq
        self._version += 1
        key = self._pack(part, time, seq, score)
        ties = self._ties
        # The rank is the number of keys below a bound: where this score's run starts
        # (competition), where it stops (modified competition), or the key itself (ordinal).
        if ties is _COMPETITION:
            bound = part << LOW_BITS
        elif ties is _MODIFIED:
            bound = (part + 1) << LOW_BITS
        else:
            bound = key
        if old is None:
            self._sorted.add(key)
            # A dense rank counts distinct scores (below), not keys.
            below = 0 if self._counts is not None else self._sorted.bisect_left(bound)
        else:
            del self._members[old]
            below = self._sorted.move(old, key, bound)
            if self._counts is not None:
                self._count_out(old >> LOW_BITS)
        self._keys[member] = key
        self._members[key] = member
        if self._counts is not None:
            self._count_in(part)
            rank = self._rank(key, ties)
        else:
            rank = below if ties is _MODIFIED else below + 1
        return Standing(member, score, rank, at)

    def _unlink(self, key: int) -> None:
        """Remove ``key`` from the sorted structures (not from ``_keys``)."""
        self._sorted.remove(key)
        del self._members[key]
        if self._counts is not None:
            self._count_out(key >> LOW_BITS)

    def _count_out(self, part: int) -> None:
        assert self._counts is not None and self._distinct is not None
        left = self._counts[part] - 1
        if left:
            self._counts[part] = left
        else:
            del self._counts[part]
            self._distinct.remove(part)

    def _count_in(self, part: int) -> None:
        assert self._counts is not None and self._distinct is not None
        if part in self._counts:
            self._counts[part] += 1
        else:
            self._counts[part] = 1
            self._distinct.add(part)

    def _run_of(self, part: int) -> tuple[int, int]:
        """Index range ``[start, stop)`` of the members whose score has rank part ``part``."""
        bisect = self._sorted.bisect_left
        return bisect(part << LOW_BITS), bisect((part + 1) << LOW_BITS)

    def _run(self, index: int) -> tuple[int, int]:
        """Index range of the members tied with the member at ``index``."""
        return self._run_of(self._sorted[index] >> LOW_BITS)

    def _rank(self, key: int, ties: TiePolicy) -> int:
        part = key >> LOW_BITS
        if ties is _COMPETITION:
            return int(self._sorted.bisect_left(part << LOW_BITS)) + 1
        if ties is _ORDINAL:
            return int(self._sorted.bisect_left(key)) + 1
        if ties is _MODIFIED:
            return int(self._sorted.bisect_left((part + 1) << LOW_BITS))
        assert self._distinct is not None
        return int(self._distinct.bisect_left(part)) + 1

    def _standing(self, member: M, key: int, ties: TiePolicy) -> Standing[M]:
        return Standing(
            member, decode_score(key, self._desc), self._rank(key, ties), decode_time(key)
        )

    def _slice(self, start: int, stop: int, ties: TiePolicy) -> list[Standing[M]]:
        """Standings of entries ``[start, stop)`` with ranks under ``ties``. O(log n + k)."""
        keys = list(self._sorted.islice(start, stop))
        if not keys:
            return []
        ranks = self._ranks(keys, start, ties)
        members = self._members
        return [
            Standing(members[key], score, rank, at)
            for key, rank, (score, at) in zip(
                keys, ranks, decode_entries(keys, self._desc), strict=True
            )
        ]

    def _ranks(self, keys: list[int], start: int, ties: TiePolicy) -> list[int]:
        """The ranks of consecutive entries ``keys`` that begin at index ``start``.

        Only the first run of equal scores (and, for modified competition, the last) needs a
        bisection; every other run's rank follows from where it starts or stops in ``keys``.
        """
        if ties is _ORDINAL:
            return list(range(start + 1, start + 1 + len(keys)))
        parts = [key >> LOW_BITS for key in keys]
        ranks = [0] * len(keys)
        if ties is _MODIFIED:
            stop = self._run_of(parts[-1])[1]
            rank = stop
            for i in range(len(keys) - 1, -1, -1):
                if i + 1 < len(keys) and parts[i] != parts[i + 1]:
                    rank = start + i + 1
                ranks[i] = rank
            return ranks
        rank = self._rank(keys[0], ties)
        ranks[0] = rank
        for i in range(1, len(keys)):
            if parts[i] != parts[i - 1]:
                rank = start + i + 1 if ties is _COMPETITION else rank + 1
            ranks[i] = rank
        return ranks

    def _check(self) -> None:
        """Verify every internal invariant; raise ``AssertionError`` on the first broken one.

        O(n log n): for tests, never for production paths.
        """
        self._sorted._check()
        assert len(self._keys) == len(self._members) == len(self._sorted)
        seqs = set()
        for member, key in self._keys.items():
            assert self._members[key] is member or self._members[key] == member
            assert key in self._sorted
            seq = decode_seq(key)
            assert 0 < seq <= self._seq
            seqs.add(seq)
        assert len(seqs) == len(self._keys), "sequence numbers must be unique"
        if self._counts is not None and self._distinct is not None:
            expected: dict[int, int] = {}
            for key in self._keys.values():
                expected[key >> LOW_BITS] = expected.get(key >> LOW_BITS, 0) + 1
            assert self._counts == expected
            assert list(self._distinct) == sorted(expected)
