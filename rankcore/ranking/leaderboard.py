"""The ranking kernel: one leaderboard, O(log n) updates and ranks under every tie policy.

A board keeps two structures in step:

- ``_keys``: member -> sort key (see :mod:`rankcore.ranking.keys`: one ``int`` packing the
  score, the subscore if the board has one, the reached-at time, the write sequence and the
  types of the numbers),
- ``_sorted``: the keys, best first, each with its member beside it
  (:class:`~rankcore.ranking.sortedkeys.SortedKeys`), so a listing reads its members off
  the same sublist as its keys.

Ranks are counts of better keys, found by bisection. A dense board also keeps the distinct
tie parts (``_distinct``, with their multiplicities in ``_counts``), since counting distinct
better scores is not a bisection of the member keys. Metadata lives in ``_meta`` (member ->
value), a dict made on the first write that gives some: boards without metadata pay nothing.

A cursor (:meth:`Leaderboard.page_after`) is the sort key of the last entry listed, so the
next page is a bisection too, wherever that entry has moved since.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import compress, repeat
from operator import lt, rshift, sub
from typing import Any, Final, Generic

import attrs
from sortedcontainers import SortedList

from rankcore.errors import InvalidArgument, InvalidArgumentType, MemberNotFound
from rankcore.ranking.keys import (
    FLIP,
    LOW_BITS,
    MAX_INT_SCORE,
    NO_TIME,
    SEQ_BITS,
    SUB_BITS,
    SUB_MASK,
    TIE_SPAN,
    bound_part,
    check_score,
    decode_score,
    decode_seq,
    decode_subscore,
    encode_time,
    field_decoders,
    pack_double,
    pack_int64,
    packs_plainly,
    rank_part,
    sub_part,
    unpack_double,
    unpack_int64,
)
from rankcore.ranking.meta import UNSET, check_meta
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.sortedkeys import SortedKeys
from rankcore.ranking.standing import M, Score, Standing, ValueStanding, keyed
from rankcore.validate import check_id

__all__ = ["Leaderboard", "Page"]

_TIME_SHIFT: Final = SEQ_BITS + 1
_SEQ_LIMIT: Final = 1 << SEQ_BITS
_UNTIMED: Final = NO_TIME << _TIME_SHIFT
"""The time field of a key written without a time, in place."""
_SUB_SEQ_LIMIT: Final = 1 << (SEQ_BITS - 1)
_SUB_SHIFT: Final = LOW_BITS + SUB_BITS
_COMPETITION: Final = TiePolicy.COMPETITION
_MODIFIED: Final = TiePolicy.MODIFIED_COMPETITION
_DENSE: Final = TiePolicy.DENSE
_ORDINAL: Final = TiePolicy.ORDINAL
_SPANS: Final = repeat(TIE_SPAN)
"""``TIE_SPAN`` for as many items as a ``map`` takes (an endless ``repeat``: one serves all)."""
# A cursor is the order's letter (and, on a board with a subscore, the subscore order's) and
# the key plus a shift (so never negative: rank parts are signed 64-bit) in a fixed number
# of lowercase hex digits.
_CURSOR_SHIFT: Final = 1 << (63 + LOW_BITS)
_CURSOR_DIGITS: Final = (64 + LOW_BITS + 3) // 4
_CURSOR: Final = re.compile(f"[ad][0-9a-f]{{{_CURSOR_DIGITS}}}")
_SUB_CURSOR_SHIFT: Final = 1 << (63 + SUB_BITS + LOW_BITS)
_SUB_CURSOR_DIGITS: Final = (64 + SUB_BITS + LOW_BITS + 3) // 4
_SUB_CURSOR: Final = re.compile(f"[ad][ad][0-9a-f]{{{_SUB_CURSOR_DIGITS}}}")


_new: Any = tuple.__new__  # builds a standing from its stored form, in C (standing.py)


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
    ``subscore`` (``None``, the default, or an :class:`Order`) gives the board a second sort
    key: members are then ranked by the pair (score, subscore), and tie only when both are
    equal (score high, then time taken low: ``subscore=Order.ASC``).
    Inside a tie, members are always listed by the time they reached their score (earlier
    first; a write without a time counts as later than any timed write), then by the order
    in which the writes arrived.

    ``order``, ``ties`` and ``subscore`` may also be given as their values, in any case
    (``"asc"``). The member type is a type parameter, for type checkers only:
    ``Leaderboard[str]()`` (a bare ``Leaderboard`` means ``Leaderboard[Hashable]``).
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
        "_meta",
        "_seq",
        "_shift",
        "_sorted",
        "_standing_type",
        "_sub",
        "_ties",
        "_version",
    )

    def __init__(
        self,
        order: Order | str = Order.DESC,
        ties: TiePolicy | str = TiePolicy.COMPETITION,
        subscore: Order | str | None = None,
    ) -> None:
        order = Order.parse(order, "order")
        ties = TiePolicy.parse(ties, "ties")
        sub = None if subscore is None else Order.parse(subscore, "subscore")
        self._desc = order is Order.DESC
        self._ties = ties
        # The subscore's order (True: descending), or None on a board without a subscore.
        self._sub: bool | None = None if sub is None else sub is Order.DESC
        # Where a key's score part starts: above the subscore's part if there is one.
        self._shift = LOW_BITS if sub is None else _SUB_SHIFT
        kind = (self._desc, self._sub)
        decoders = field_decoders(self._desc, self._shift, self._sub, 3)  # the key's item
        self._standing_type = keyed(kind, *decoders)
        self._keys: dict[M, int] = {}
        self._meta: dict[M, Any] | None = None
        self._sorted = SortedKeys()
        self._seq = 0
        self._version = 0  # bumped by every change, so that iterators notice them
        # Only dense boards count distinct ties: tie part -> number of members with it.
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

    @property
    def subscore(self) -> Order | None:
        """Which subscores are better, or ``None`` if the board has no second sort key."""
        if self._sub is None:
            return None
        return Order.DESC if self._sub else Order.ASC

    def __repr__(self) -> str:
        sub = "" if self._sub is None else f", subscore={self.subscore}"
        return f"Leaderboard(order={self.order}, ties={self._ties}{sub}, members={len(self._keys)})"

    # -- writes -------------------------------------------------------------------------------

    def set(
        self,
        member: M,
        score: Score,
        at: datetime | None = None,
        *,
        subscore: Score | None = None,
        meta: Any = UNSET,
    ) -> Standing[M]:
        """Set ``member``'s score (and subscore) to ``score``, reached at ``at``; return its new
        standing.

        Setting the score (and subscore) a member already has leaves its place unchanged, its
        reached-at time included. On a board with a subscore, ``subscore`` is required; on one
        without, it must be ``None``. ``meta`` (any JSON value) replaces the entry's metadata,
        ``meta=None`` clears it, and leaving it out keeps it. O(log n).
        """
        score = check_score(score)
        if subscore is None and self._sub is None:
            part: int = rank_part(score, self._desc)
            flags: int = type(score) is int
            sub = None
        else:
            part, flags, sub = self._pair(score, subscore, None)
        if meta is not UNSET:
            meta = check_meta(meta)
        return self._write(member, self._key_of(member), score, part, flags, sub, at, meta)

    def incr(
        self,
        member: M,
        delta: Score,
        at: datetime | None = None,
        *,
        subscore: Score | None = None,
        meta: Any = UNSET,
    ) -> Standing[M]:
        """Add ``delta`` (which may be negative) to ``member``'s score; an absent member starts
        at 0. Returns the new standing. An increment of 0 that leaves the subscore as it is
        changes nothing.

        On a board with a subscore, ``subscore`` replaces the member's subscore; left out, the
        member keeps its own, and a new member without one is refused. ``meta`` as for
        :meth:`set`. O(log n).
        """
        if type(delta) is not int or not -MAX_INT_SCORE <= delta <= MAX_INT_SCORE:
            delta = check_score(delta, "delta")
        try:
            old = self._keys.get(member)
        except TypeError:
            old = self._key_of(member)  # raises the error that names the member
        if self._sub is None:
            # decode_score, check_score and rank_part, inlined: this is the hottest write.
            desc = self._desc
            if old is None:
                score: Score = delta
            else:
                bits = -(old >> LOW_BITS) if desc else old >> LOW_BITS
                if bits < 0:
                    bits ^= FLIP
                value: float = unpack_double(pack_int64(bits))[0]
                score = (int(value) if old & 1 else value) + delta
            if type(score) is int and -MAX_INT_SCORE <= score <= MAX_INT_SCORE:
                flags: int = 1
                packed = pack_double(score)  # exact: at most 2**53
            else:
                score = check_score(score, "the new score")
                flags = type(score) is int
                packed = pack_double(score + 0.0)  # + 0.0 turns -0.0 into 0.0
            if subscore is not None:
                self._pair(score, subscore, None)  # raises: this board has no subscore
            bits = unpack_int64(packed)[0]
            if bits < 0:
                bits ^= FLIP
            part: int = -bits if desc else bits
            sub = None
        else:
            score = delta if old is None else decode_score(old, self._desc, _SUB_SHIFT) + delta
            score = check_score(score, "the new score")
            part, flags, sub = self._pair(score, subscore, old)
        if meta is not UNSET:
            meta = check_meta(meta)
        return self._write(member, old, score, part, flags, sub, at, meta)

    def best(
        self,
        member: M,
        score: Score,
        at: datetime | None = None,
        *,
        subscore: Score | None = None,
        meta: Any = UNSET,
    ) -> Standing[M]:
        """Keep the better of ``member``'s score and ``score`` under the board's order.

        On a board with a subscore, ``subscore`` is required and the pairs (score, subscore)
        are compared: a better score wins, and an equal score with a better subscore.
        A write that is not better changes nothing, reached-at time and metadata included
        (``meta`` is the metadata of the new best, kept only with it). Returns the member's
        standing afterwards. O(log n).
        """
        score = check_score(score)
        if subscore is None and self._sub is None:
            part: int = rank_part(score, self._desc)
            flags: int = type(score) is int
            sub = None
        else:
            part, flags, sub = self._pair(score, subscore, None)
        if meta is not UNSET:
            meta = check_meta(meta)
        old = self._key_of(member)
        if old is not None and part >= old >> LOW_BITS:
            encode_time(at)  # the time is still validated
            return self._standing(member, old, self._ties)
        return self._write(member, old, score, part, flags, sub, at, meta)

    def remove(self, member: M) -> bool:
        """Remove ``member`` (and its metadata); return whether it was on the board. O(log n)."""
        key = self._key_of(member)
        if key is None:
            return False
        del self._keys[member]
        if self._meta:
            self._meta.pop(member, None)
        self._unlink(key)
        self._version += 1
        return True

    def clear(self) -> None:
        """Remove every member. O(n)."""
        self._version += 1
        self._keys.clear()
        self._sorted.clear()
        self._meta = None
        if self._counts is not None and self._distinct is not None:
            self._counts.clear()
            self._distinct.clear()

    def load(self, entries: Iterable[Sequence[Any]]) -> int:
        """Apply many ``(member, score[, at[, subscore[, meta]]])`` entries at once.

        The result equals calling :meth:`set` for each entry in turn (``at`` and ``subscore``
        default to ``None``, and a missing ``meta`` keeps the entry's metadata), but costs one
        sort of the new keys instead of one insertion each, and packs a member's time once,
        for the last of its entries that moves it. Every entry is checked before
        anything changes: on an error the board is unchanged. Returns the number of entries
        read. O(k log k + k log n) for k entries.
        """
        staged: dict[M, int] = {}  # member -> its new key, still without its time
        times: dict[M, datetime | None] = {}  # member -> the time of its last move
        metas: dict[M, Any] = {}
        seq = self._seq
        count = 0
        desc = self._desc
        plain = self._sub is None
        seq_shift = 1 if plain else 2
        for count, entry in enumerate(entries, start=1):
            if not isinstance(entry, (tuple, list)) or not 2 <= len(entry) <= 5:
                raise InvalidArgumentType(
                    f"entry {count} must be a (member, score[, at[, subscore[, meta]]]) tuple"
                )
            member, score = entry[0], entry[1]
            if type(score) is not int or not -MAX_INT_SCORE <= score <= MAX_INT_SCORE:
                score = check_score(score, f"score of entry {count}")
            at = entry[2] if len(entry) > 2 else None
            if not packs_plainly(at):
                encode_time(at, f"at of entry {count}")  # checks it; packed once, at the end
            subscore = entry[3] if len(entry) > 3 else None
            if plain and subscore is None:
                part = rank_part(score, desc)
                flags: int = type(score) is int
            else:
                part, flags, _sub = self._pair(score, subscore, None, f"subscore of entry {count}")
            try:
                old = staged.get(member)
            except TypeError:
                raise InvalidArgumentType(f"member of entry {count} must be hashable") from None
            if len(entry) == 5:
                metas[member] = check_meta(entry[4], f"meta of entry {count}")
            if old is None:
                old = self._keys.get(member)
            if old is not None and old >> LOW_BITS == part:
                continue
            seq += 1
            staged[member] = (part << LOW_BITS) | (seq << seq_shift) | flags
            times[member] = at
        if seq >= (_SEQ_LIMIT if plain else _SUB_SEQ_LIMIT):
            raise InvalidArgument("this board has used up its write sequence numbers")
        self._place(staged, times, metas, seq)
        return count

    def _load_checked(self, writes: Sequence[Any]) -> None:
        """:meth:`load` for checked writes on a board without a subscore, three values each
        in one flat list: member, score (checked) and ``at`` (``None`` or a time that
        :func:`~rankcore.ranking.keys.encode_time` takes). Equal to setting each in turn.
        O(k log k + k log n) for k writes."""
        assert self._sub is None
        desc, keys, seq = self._desc, self._keys, self._seq
        staged: dict[M, int] = {}  # as in load
        times: dict[M, datetime | None] = {}
        values = iter(writes)
        for member, score, at in zip(values, values, values, strict=True):
            part = rank_part(score, desc)
            old = staged.get(member)
            if old is None:
                old = keys.get(member)
            if old is not None and old >> LOW_BITS == part:
                continue
            seq += 1
            staged[member] = (part << LOW_BITS) | (seq << 1) | (type(score) is int)
            times[member] = at
        if seq >= _SEQ_LIMIT:
            raise InvalidArgument("this board has used up its write sequence numbers")
        self._place(staged, times, {}, seq)

    def _place(
        self,
        staged: dict[M, int],
        times: dict[M, datetime | None],
        metas: dict[M, Any],
        seq: int,
    ) -> None:
        """Give each member of ``staged`` its new key, with the time ``times`` holds for it
        packed in (once a member, however many writes moved it), and each of ``metas`` its
        checked metadata; ``seq`` is the last sequence number used. Every time is packed
        before anything changes. O(k log k + k log n)."""
        for member, at in times.items():
            staged[member] |= encode_time(at) << _TIME_SHIFT
        self._seq = seq
        if staged or metas:
            self._version += 1
        keys = self._keys
        replaced = [keys[m] for m in staged if m in keys]
        if self._counts is not None:
            for key in replaced:
                self._count_out(key >> LOW_BITS)
        keys.update(staged)
        self._sorted.replace(replaced, staged)
        if self._counts is not None and self._distinct is not None:
            for key in staged.values():
                self._count_in(key >> LOW_BITS)
        for member, meta in metas.items():
            self._set_meta(member, meta)

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

    def meta(self, member: M) -> Any:
        """``member``'s metadata (``None`` when it has none). Raises
        :class:`~rankcore.MemberNotFound` if it is not on the board. O(1)."""
        if self._key_of(member) is None:
            raise MemberNotFound(member)
        return None if not self._meta else self._meta.get(member)

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
        start, keys, members, previous = self._sorted.window(key, before, after)
        ranks = self._ranks(keys, start, self._policy(ties), previous)
        return self._standings(keys, members, ranks)

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
            # A member's rank is 1 + the index where its tie's run starts.
            run_start, run_stop = self._run(first - 1)
            start = first - 1 if run_start == first - 1 else run_stop
            stop = size if last >= size else self._run(last - 1)[1]
        elif ties is _MODIFIED:
            # A member's rank is the index where its tie's run stops.
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
        """How many members have a score ``s`` with ``low <= s <= high`` (the score alone, on
        a board with a subscore too). O(log n).

        Bounds may be ``float('-inf')`` or ``float('inf')``; ``low > high`` counts nothing.
        """
        start, stop = self._score_range(low, high)
        return max(0, stop - start)

    def percentile(self, member: M) -> float:
        """``member``'s percentile rank: 100 * (worse + equal / 2) / n, in ``(0, 100)``.

        ``worse`` counts members ranked strictly worse and ``equal`` those tied with it (same
        score, and same subscore on a board with one), the member included (the "mean"
        definition): the best of 1,000 distinct scores is at 99.95, a board of one at 50.
        Raises :class:`~rankcore.MemberNotFound`. O(log n).
        """
        key = self._key_of(member)
        if key is None:
            raise MemberNotFound(member)
        start, stop = self._run_of(key >> LOW_BITS)
        size = len(self._sorted)
        return 100.0 * ((size - stop) + (stop - start) / 2) / size

    def rank_of_score(
        self,
        score: Score,
        ties: TiePolicy | str | None = None,
        *,
        subscore: Score | None = None,
    ) -> int:
        """The rank a new member would get now by writing ``score`` (and ``subscore``, which a
        board with a subscore requires) without a time.

        Under the board's tie policy (or ``ties``), with every member on the board counted as
        it stands ("better" and "equal" compare the pair on a board with a subscore):

        - competition: 1 + members with a strictly better score;
        - modified competition: 1 + members with a better-or-equal score (the newcomer joins
          the tie and counts itself);
        - dense: 1 + distinct scores strictly better;
        - ordinal: 1 + members listed before the newcomer, that is, every member with a
          better-or-equal score: an untimed write that arrives last is listed last in its tie.

        ``score`` is checked as a written score (infinities are refused). O(log n).
        """
        score = check_score(score)
        if subscore is None and self._sub is None:
            part: int = rank_part(score, self._desc)
        else:
            part = self._pair(score, subscore, None)[0]
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
        Redis's ``ZREVRANGEBYSCORE`` there and ``ZRANGEBYSCORE`` on an ascending board. On a
        board with a subscore the range is on the score alone, listed in board order.
        Of those entries, ``offset`` are skipped and at most ``limit`` returned (``None``: all).
        Ranks are the members' ranks on the whole board. Bounds may be ``float('-inf')`` or
        ``float('inf')``; ``low > high`` selects nothing. O(log n + k) for k entries returned.
        """
        start, stop = self._score_range(low, high)
        offset = check_id(offset, "offset")
        if limit is not None:
            limit = check_id(limit, "limit")
        ties = self._policy(ties)
        start += offset
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
        members = list(map(self._sorted.member_of, keys))
        return self._standings(keys, members, map(self._rank, keys, repeat(ties)))

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
        that this board (or one of the same orders) did not return raises
        :class:`~rankcore.InvalidArgument`. O(log n + limit).
        """
        limit = check_id(limit, "limit")
        if limit < 1:
            raise InvalidArgument(f"limit must be at least 1, got {limit}")
        start = 0 if cursor is None else int(self._sorted.bisect_right(self._cursor_key(cursor)))
        stop = start + limit
        entries = self._slice(start, stop, self._policy(ties))
        more = stop < len(self._sorted)
        cursor = self._cursor(self._sorted.key_at(stop - 1)) if more else None
        return Page(tuple(entries), cursor)

    # -- state (snapshots) --------------------------------------------------------------------

    def to_state(self) -> dict[str, object]:
        """The board as plain JSON-ready data, for snapshots. O(n); never on a hot path.

        Its order, tie policy, write counter and every entry in listing order as
        ``[member, key]``, or ``[member, key, meta]`` for an entry with metadata (the raw
        sort keys keep scores, subscores, reached-at times and arrival order exactly); a board
        with a subscore also has ``"subscore"`` (its order). Members must be ``str`` or
        ``int``. A board without a subscore and without metadata gives the same state as
        before either existed, and :meth:`from_state` reads such states as they are.
        """
        meta = self._meta or {}
        entries: list[list[object]] = []
        for key, member in self._sorted.items():
            if isinstance(member, bool) or not isinstance(member, (str, int)):
                raise InvalidArgumentType(
                    f"only str and int members can be saved, not {type(member).__name__}"
                )
            if member in meta:
                entries.append([member, key, meta[member]])
            else:
                entries.append([member, key])
        state: dict[str, object] = {
            "order": self.order.value,
            "ties": self._ties.value,
            "seq": self._seq,
            "entries": entries,
        }
        sub = self.subscore
        if sub is not None:
            state["subscore"] = sub.value
        return state

    @classmethod
    def from_state(cls, state: dict[str, object]) -> Leaderboard[M]:
        """The board :meth:`to_state` described. Raises ``ValueError``/``TypeError``/
        ``KeyError`` (as :class:`~rankcore.RankcoreError` subclasses where rankcore checks a
        value) on malformed state. O(n log n)."""
        sub = state.get("subscore")
        board = cls(
            Order(state["order"]), TiePolicy(state["ties"]), None if sub is None else Order(sub)
        )
        seq = state["seq"]
        entries = state["entries"]
        plain = board._sub is None
        limit = _SEQ_LIMIT if plain else _SUB_SEQ_LIMIT
        if type(seq) is not int or not 0 <= seq < limit or not isinstance(entries, list):
            raise ValueError("malformed leaderboard state")
        keys: dict[Any, int] = {}
        metas: dict[Any, Any] = {}
        for entry in entries:
            if not isinstance(entry, list) or len(entry) not in (2, 3):
                raise ValueError("malformed leaderboard entry")
            member, key = entry[0], entry[1]
            if type(key) is not int or isinstance(member, bool) or member in keys:
                raise ValueError("malformed leaderboard entry")
            written = decode_seq(key) if plain else decode_seq(key) >> 1
            if not isinstance(member, (str, int)) or not 0 < written <= seq:
                raise ValueError("malformed leaderboard entry")
            if key >> (board._shift + 63) not in (-1, 0):
                raise ValueError("malformed leaderboard entry")
            keys[member] = key
            if len(entry) == 3 and entry[2] is not None:
                metas[member] = check_meta(entry[2])
        board._seq = seq
        board._keys = keys
        if len(set(keys.values())) != len(keys):
            raise ValueError("duplicate leaderboard keys")
        board._sorted.replace((), keys)
        if board._counts is not None:
            for key in keys.values():
                board._count_in(key >> LOW_BITS)
        board._meta = metas or None
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

    def _pair(
        self, score: Score, subscore: object, old: int | None, name: str = "subscore"
    ) -> tuple[int, int, Score | None]:
        """The tie part, type flags and subscore of a checked ``score`` with ``subscore``.

        ``old`` is the key of a member whose subscore ``None`` keeps (:meth:`incr`); without
        it, a board with a subscore requires one.
        """
        part: int = rank_part(score, self._desc)
        flags = type(score) is int
        sub_desc = self._sub
        if sub_desc is None:
            if subscore is not None:
                raise InvalidArgument(
                    f"{name} given, but this board has no subscore (create it with subscore=...)"
                )
            return part, flags, None
        if subscore is None:
            if old is None:
                raise InvalidArgument(f"{name} is required on a board with a subscore")
            return (
                part << SUB_BITS | (old >> LOW_BITS) & SUB_MASK,
                flags | (old & 2),
                decode_subscore(old, sub_desc),
            )
        checked = check_score(subscore, name)
        return (
            part << SUB_BITS | sub_part(checked, sub_desc),
            flags | (2 if type(checked) is int else 0),
            checked,
        )

    def _score_range(self, low: object, high: object) -> tuple[int, int]:
        """Index range ``[start, stop)`` of the scores in ``[low, high]`` (maybe empty)."""
        a = bound_part(low, "low", self._desc)
        b = bound_part(high, "high", self._desc)
        first, last = (b, a) if self._desc else (a, b)
        if first > last:
            return 0, 0
        bisect = self._sorted.bisect_left
        shift = self._shift
        return int(bisect(first << shift)), int(bisect((last + 1) << shift))

    def _policy(self, ties: TiePolicy | str | None) -> TiePolicy:
        if ties is None:
            return self._ties
        ties = TiePolicy.parse(ties, "ties")
        if ties is _DENSE and self._distinct is None:
            raise InvalidArgument("dense ranks need a board created with ties=TiePolicy.DENSE")
        return ties

    def _cursor_prefix(self) -> str:
        order = "d" if self._desc else "a"
        if self._sub is None:
            return order
        return order + ("d" if self._sub else "a")

    def _cursor(self, key: int) -> str:
        """The cursor naming the place of ``key`` (the inverse of :meth:`_cursor_key`)."""
        if self._sub is None:
            return f"{self._cursor_prefix()}{key + _CURSOR_SHIFT:0{_CURSOR_DIGITS}x}"
        return f"{self._cursor_prefix()}{key + _SUB_CURSOR_SHIFT:0{_SUB_CURSOR_DIGITS}x}"

    def _cursor_key(self, cursor: object) -> int:
        """The sort key a cursor names; refuses anything :meth:`_cursor` cannot have made."""
        if not isinstance(cursor, str):
            raise InvalidArgumentType(f"cursor must be a str or None, not {type(cursor).__name__}")
        plain = self._sub is None
        pattern, shift = (_CURSOR, _CURSOR_SHIFT) if plain else (_SUB_CURSOR, _SUB_CURSOR_SHIFT)
        if pattern.fullmatch(cursor) is None:
            other = _SUB_CURSOR if plain else _CURSOR
            if other.fullmatch(cursor) is not None:
                raise InvalidArgument(
                    "this cursor comes from a board "
                    + ("with a subscore" if plain else "without a subscore")
                )
            raise InvalidArgument("malformed cursor: pass back a cursor a page returned")
        prefix = self._cursor_prefix()
        if not cursor.startswith(prefix):
            raise InvalidArgument("this cursor comes from a board of the other order")
        value = int(cursor[len(prefix) :], 16)
        if value >> shift.bit_length():
            raise InvalidArgument("malformed cursor: pass back a cursor a page returned")
        return value - shift

    def _set_meta(self, member: M, meta: Any) -> None:
        """Give ``member`` the checked ``meta`` (``None``: none)."""
        if meta is None:
            if self._meta:
                self._meta.pop(member, None)
        elif self._meta is None:
            self._meta = {member: meta}
        else:
            self._meta[member] = meta

    def _write(
        self,
        member: M,
        old: int | None,
        score: Score,
        part: int,
        flags: int,
        sub: Score | None,
        at: datetime | None,
        meta: Any,
    ) -> Standing[M]:
        """Move ``member`` from key ``old`` (None: absent) to tie part ``part``; everything but
        ``at`` checked, ``meta`` is ``UNSET`` or checked."""
        time = _UNTIMED if at is None else encode_time(at) << _TIME_SHIFT
        if old is not None and old >> LOW_BITS == part:
            if meta is not UNSET:
                self._set_meta(member, meta)
                self._version += 1
            return self._standing(member, old, self._ties)
        seq = self._seq + 1
        high = part << LOW_BITS
        if self._sub is None:
            if seq >= _SEQ_LIMIT:
                raise InvalidArgument("this board has used up its write sequence numbers")
            key = high | time | (seq << 1) | flags
        else:
            if seq >= _SUB_SEQ_LIMIT:
                raise InvalidArgument("this board has used up its write sequence numbers")
            key = high | time | (seq << 2) | flags
        self._seq = seq
        self._version += 1
        ties = self._ties
        counts = self._counts
        # The rank is the number of keys below a bound: where this tie's run starts
        # (competition), where it stops (modified competition), or the key itself (ordinal).
        if ties is _COMPETITION:
            bound = high
        elif ties is _MODIFIED:
            bound = (part + 1) << LOW_BITS
        else:
            bound = key
        if old is None:
            self._sorted.add(key, member)
            # A dense rank counts distinct ties (below), not keys.
            below = 0 if counts is not None else self._sorted.bisect_left(bound)
        else:
            below = self._sorted.move(old, key, member, bound)
            if counts is not None:
                self._count_out(old >> LOW_BITS)
        self._keys[member] = key
        if counts is not None:
            self._count_in(part)
            rank = self._rank(key, ties)
        else:
            rank = below if ties is _MODIFIED else below + 1
        if meta is not UNSET:
            self._set_meta(member, meta)
        elif self._meta:
            meta = self._meta.get(member)
        else:
            meta = None
        standing: Standing[M] = _new(ValueStanding, (member, rank, meta, score, at, sub))
        return standing

    def _unlink(self, key: int) -> None:
        """Remove ``key`` from the sorted structures (not from ``_keys``)."""
        self._sorted.remove(key)
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
        """Index range ``[start, stop)`` of the members whose tie part is ``part``."""
        bisect = self._sorted.bisect_left
        return bisect(part << LOW_BITS), bisect((part + 1) << LOW_BITS)

    def _run(self, index: int) -> tuple[int, int]:
        """Index range of the members tied with the member at ``index``."""
        return self._run_of(self._sorted.key_at(index) >> LOW_BITS)

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
        meta = self._meta.get(member) if self._meta else None
        standing: Standing[M] = _new(
            self._standing_type, (member, self._rank(key, ties), meta, key)
        )
        return standing

    def _standings(
        self, keys: list[int], members: list[M], ranks: Iterable[int]
    ) -> list[Standing[M]]:
        """The standings of the entries ``keys``, whose members are ``members``, with ranks
        ``ranks``. O(k), in C but for the fields a reader decodes later."""
        if self._meta:
            rows = zip(members, ranks, map(self._meta.get, members), keys, strict=True)
        else:
            rows = zip(members, ranks, repeat(None), keys)
        build: Any = self._standing_type  # tuple's own constructor, in C
        return list(map(build, rows))

    def _slice(self, start: int, stop: int, ties: TiePolicy) -> list[Standing[M]]:
        """Standings of entries ``[start, stop)`` with ranks under ``ties``. O(log n + k)."""
        keys, members = self._sorted.slice(start, stop)
        if not keys:
            return []
        return self._standings(keys, members, self._ranks(keys, start, ties))

    def _ranks(
        self, keys: list[int], start: int, ties: TiePolicy, previous: int | None = None
    ) -> Iterable[int]:
        """The ranks of consecutive entries ``keys`` that begin at index ``start``.

        Only the first run of equal ties (and, for modified competition, the last) needs a
        bisection; every other run's rank follows from where it starts or stops in ``keys``.
        Competition ranks, the default, are the positions ``start + 1, start + 2, ...``
        corrected only where an entry ties with the one before it: finding those is C-level
        work (``map``, ``compress``), so a page pays Python for its ties (and near ties), not
        its rows, and a page without ties answers a ``range``.
        ``previous``, when known, is the key just before ``keys``: if it does not tie with the
        first entry, that entry's competition rank is ``start + 1`` without a bisection.
        """
        count = len(keys)
        if ties is _ORDINAL:
            return range(start + 1, start + 1 + count)
        if ties is _COMPETITION:
            first = start + 1
            if start and (previous is None or previous >> LOW_BITS == keys[0] >> LOW_BITS):
                first = self._rank(keys[0], ties)
            # Keys of one tie part lie less than TIE_SPAN apart, so only an entry that close
            # to the one before can tie with it. Subtracting (negative) keys is cheaper
            # than shifting them out to their tie parts.
            near = list(compress(range(1, count), map(lt, map(sub, keys[1:], keys), _SPANS)))
            if not near and first == start + 1:  # no ties: the positions themselves
                return range(first, first + count)
            ranks = list(range(start + 1, start + count + 1))
            ranks[0] = first
            for i in near:
                if keys[i] >> LOW_BITS == keys[i - 1] >> LOW_BITS:
                    ranks[i] = ranks[i - 1]
            return ranks
        parts = list(map(rshift, keys, repeat(LOW_BITS)))
        ranks = [0] * count
        if ties is _MODIFIED:
            rank = self._run_of(parts[-1])[1]
            for i in range(count - 1, -1, -1):
                if i + 1 < count and parts[i] != parts[i + 1]:
                    rank = start + i + 1
                ranks[i] = rank
            return ranks
        rank = 1 if start == 0 else self._rank(keys[0], ties)
        ranks[0] = rank
        for i in range(1, count):
            if parts[i] != parts[i - 1]:
                rank += 1
            ranks[i] = rank
        return ranks

    def _check(self) -> None:
        """Verify every internal invariant; raise ``AssertionError`` on the first broken one.

        O(n log n): for tests, never for production paths.
        """
        self._sorted._check()
        assert len(self._keys) == len(self._sorted)
        for key, member in self._sorted.items():
            assert self._keys[member] == key
        seqs = set()
        plain = self._sub is None
        for key in self._keys.values():
            seq = decode_seq(key) if plain else decode_seq(key) >> 1
            assert 0 < seq <= self._seq
            seqs.add(seq)
        assert len(seqs) == len(self._keys), "sequence numbers must be unique"
        if self._meta is not None:
            for member, value in self._meta.items():
                assert member in self._keys and value is not None
        if self._counts is not None and self._distinct is not None:
            expected: dict[int, int] = {}
            for key in self._keys.values():
                expected[key >> LOW_BITS] = expected.get(key >> LOW_BITS, 0) + 1
            assert self._counts == expected
            assert list(self._distinct) == sorted(expected)
