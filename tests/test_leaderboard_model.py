"""The kernel against a brute-force model, driven by random operation sequences.

The model is deliberately naive: a dict of member -> (score, subscore, reached_at, write
number) and a dict of member -> metadata, fully sorted on every read, with each tie policy
computed from its definition on (score, subscore) pairs. Every order, subscore order (none,
ascending, descending) and tie policy gets its own machine.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from rankcore import (
    InvalidArgumentType,
    Leaderboard,
    MemberNotFound,
    Order,
    Page,
    RankcoreError,
    Standing,
    TiePolicy,
    testing,
)

MEMBERS = st.sampled_from(["ann", "bob", "cy", "di", "eve", 7, 8, (1, 2), *range(20, 30)])
# Mostly a few small values, so that ties are common; sometimes anything the shipped
# strategy (rankcore.testing.scores) draws, which covers the whole range and its edges.
SCORES = (
    st.integers(-3, 3)
    | st.sampled_from([0.5, -0.5, 1.0, 2.0, -0.0, 0.0, 1e300, -1e300, 2**53, -(2**53)])
    | testing.scores()
)
_T0 = datetime(2024, 6, 1, tzinfo=UTC)
_IST = timezone(timedelta(hours=5, minutes=30))
TIMES = st.none() | st.builds(
    lambda minutes, tz: (_T0 + timedelta(minutes=minutes)).astimezone(tz),
    st.integers(0, 5),
    st.sampled_from([UTC, _IST]),
)
BOUNDS = SCORES | st.sampled_from([-math.inf, math.inf])
# Subscores: few values (ties on the pair are common), both types, sometimes none at all.
SUBS = st.none() | st.integers(-2, 2) | st.sampled_from([0.5, -1.5, 1.0, -0.0, 2**53])
# Metadata: left out (the "keep" case), None (clear) or a JSON value (replace).
_OMIT = object()
METAS = st.just(_OMIT) | st.none() | st.text(max_size=3) | st.integers(-3, 3)
METAS |= st.lists(st.integers(0, 3), max_size=2) | st.dictionaries(
    st.sampled_from("xy"), st.integers(0, 2) | st.text(max_size=2), max_size=2
)
SUB_PROBES = [-(2**53), -1, 0, 0.5, 2]
LIMIT = 2**53
# Scores rank_of_score is asked about after every step, besides those on the board.
PROBES = [-(2**53), -3, -0.5, 0, 0.5, 1, 3, 1e300]
# A friends list: every member the machine uses, out of order, with repeats and strangers.
FRIENDS = ["nobody", 29, (1, 2), "cy", "ann", 7, "cy", 24, "eve", (2, 1), 20, "ann", 8]


def better_pair(desc: bool, sub: bool | None, a: tuple[float, Any], b: tuple[float, Any]) -> bool:
    """Whether (score, subscore) ``a`` is better than ``b``: the score decides, then the
    subscore (when the board has one)."""
    if a[0] != b[0]:
        return a[0] > b[0] if desc else a[0] < b[0]
    if sub is None or a[1] == b[1]:
        return False
    return a[1] > b[1] if sub else a[1] < b[1]


class Model:
    """What a leaderboard must answer, computed the slow, obvious way."""

    def __init__(self, order: Order, ties: TiePolicy, sub: Order | None) -> None:
        self.desc = order is Order.DESC
        self.sub = None if sub is None else sub is Order.DESC
        self.ties = ties
        self.entries: dict[Any, tuple[float, Any, datetime | None, int]] = {}
        self.meta: dict[Any, Any] = {}
        self.writes = 0

    def better(self, a: tuple[float, Any], b: tuple[float, Any]) -> bool:
        return better_pair(self.desc, self.sub, a, b)

    def pair(self, member: Any) -> tuple[float, Any]:
        score, sub, _, _ = self.entries[member]
        return score, sub

    def pairs(self) -> list[tuple[float, Any]]:
        return [self.pair(m) for m in self.entries]

    def valid(self, score: float) -> bool:
        if isinstance(score, float):
            return math.isfinite(score)
        return -LIMIT <= score <= LIMIT

    def write(self, member: Any, score: float, sub: Any, at: datetime | None, meta: Any) -> None:
        old = self.entries.get(member)
        if meta is not _OMIT:
            if meta is None:
                self.meta.pop(member, None)
            else:
                self.meta[member] = meta
        if old is not None and old[0] == score and (self.sub is None or old[1] == sub):
            return
        self.writes += 1
        self.entries[member] = (score, sub, at, self.writes)

    def place(self, score: float, sub: Any, at: datetime | None, seq: int) -> tuple[Any, ...]:
        """Where a write of ``score``/``sub`` at ``at`` with write number ``seq`` is listed."""
        timed = (0, at) if at is not None else (1, _T0)
        first = -score if self.desc else score
        second = 0 if self.sub is None else -sub if self.sub else sub
        return (first, second, timed, seq)

    def sort_key(self, member: Any) -> tuple[Any, ...]:
        return self.place(*self.entries[member])

    def listing(self) -> list[Any]:
        return sorted(self.entries, key=self.sort_key)

    def rank_of_score(self, pair: tuple[float, Any], ties: TiePolicy) -> int:
        """The rank of a newcomer writing ``pair`` without a time, from each definition."""
        pairs = self.pairs()
        if ties is TiePolicy.COMPETITION:
            return 1 + sum(self.better(p, pair) for p in pairs)
        if ties is TiePolicy.MODIFIED_COMPETITION:
            return 1 + sum(not self.better(pair, p) for p in pairs)
        if ties is TiePolicy.DENSE:
            return 1 + len({p for p in pairs if self.better(p, pair)})
        newcomer = self.place(*pair, None, self.writes + 1)
        return 1 + sum(self.sort_key(m) < newcomer for m in self.entries)

    def rank(self, member: Any, ties: TiePolicy | None = None) -> int:
        ties = ties or self.ties
        pair = self.pair(member)
        pairs = self.pairs()
        if ties is TiePolicy.COMPETITION:
            return 1 + sum(self.better(p, pair) for p in pairs)
        if ties is TiePolicy.MODIFIED_COMPETITION:
            return sum(not self.better(pair, p) for p in pairs)
        if ties is TiePolicy.DENSE:
            return 1 + len({p for p in pairs if self.better(p, pair)})
        return self.listing().index(member) + 1

    def standing(self, member: Any, ties: TiePolicy | None = None) -> Standing:
        score, sub, at, _ = self.entries[member]
        shown = None if self.sub is None else sub
        return Standing(member, score, self.rank(member, ties), at, shown, self.meta.get(member))


def same(actual: Standing, expected: Standing) -> None:
    assert actual == expected
    assert (actual.member, actual.score, actual.rank) == (
        expected.member,
        expected.score,
        expected.rank,
    )
    assert (actual.reached_at, actual.subscore, actual.meta) == (
        expected.reached_at,
        expected.subscore,
        expected.meta,
    )
    assert type(actual.score) is type(expected.score)
    assert type(actual.subscore) is type(expected.subscore)


def kwargs(sub: Any, meta: Any) -> dict[str, Any]:
    """The keyword arguments of a write: ``subscore`` if given, ``meta`` unless omitted."""
    given: dict[str, Any] = {} if sub is None else {"subscore": sub}
    if meta is not _OMIT:
        given["meta"] = meta
    return given


class LeaderboardMachine(RuleBasedStateMachine):
    order: Order
    ties: TiePolicy
    sub: Order | None

    @initialize()
    def start(self) -> None:
        self.board = Leaderboard(self.order, self.ties, subscore=self.sub)
        # Tiny sublists, so that moves across sublist boundaries happen all the time.
        self.board._sorted._reset(4)
        self.model = Model(self.order, self.ties, self.sub)
        # A client paging with page_after while the board changes: its cursor, and the model
        # place of the last entry it was shown.
        self.cursor: str | None = None
        self.after: tuple[Any, ...] | None = None

    def policies(self) -> list[TiePolicy]:
        """The policies a read may ask for: dense only on a dense board."""
        return [t for t in TiePolicy if t is not TiePolicy.DENSE or self.ties is TiePolicy.DENSE]

    def snapshot(self) -> list[Standing]:
        return list(self.board)

    def expect_refusal(self, call: Any) -> None:
        before = self.snapshot()
        with pytest.raises(RankcoreError):
            call()
        assert self.snapshot() == before

    def sub_refused(self, sub: Any) -> bool:
        """Whether a write giving ``sub`` (None: none) must be refused on this board."""
        return (sub is None) != (self.sub is None)

    @rule(member=MEMBERS, score=SCORES, at=TIMES, sub=SUBS, meta=METAS)
    def set(self, member: Any, score: float, at: datetime | None, sub: Any, meta: Any) -> None:
        if self.sub_refused(sub):
            self.expect_refusal(lambda: self.board.set(member, score, at, **kwargs(sub, meta)))
            return
        self.model.write(member, score, sub, at, meta)
        same(self.board.set(member, score, at, **kwargs(sub, meta)), self.model.standing(member))

    @rule(member=MEMBERS, delta=SCORES, at=TIMES, sub=SUBS, meta=METAS)
    def incr(self, member: Any, delta: float, at: datetime | None, sub: Any, meta: Any) -> None:
        old = self.model.entries.get(member)
        new = delta if old is None else old[0] + delta
        # Without a subscore, a member keeps its own; a newcomer needs one.
        refused = sub is not None if self.sub is None else sub is None and old is None
        if refused or not self.model.valid(new):
            self.expect_refusal(lambda: self.board.incr(member, delta, at, **kwargs(sub, meta)))
            return
        kept = sub if sub is not None or old is None else old[1]
        self.model.write(member, new, kept, at, meta)
        same(self.board.incr(member, delta, at, **kwargs(sub, meta)), self.model.standing(member))

    @rule(member=MEMBERS, score=SCORES, at=TIMES, sub=SUBS, meta=METAS)
    def best(self, member: Any, score: float, at: datetime | None, sub: Any, meta: Any) -> None:
        if self.sub_refused(sub):
            self.expect_refusal(lambda: self.board.best(member, score, at, **kwargs(sub, meta)))
            return
        old = self.model.entries.get(member)
        if old is None or self.model.better((score, sub), (old[0], old[1])):
            self.model.write(member, score, sub, at, meta)
        same(self.board.best(member, score, at, **kwargs(sub, meta)), self.model.standing(member))

    @precondition(lambda self: len(self.model.entries) > 0)
    @rule(data=st.data(), meta=METAS, at=TIMES)
    def rewrite_meta(self, data: st.DataObject, meta: Any, at: datetime | None) -> None:
        """A member's own score (and subscore) written again: only its metadata may change."""
        member = data.draw(st.sampled_from(sorted(self.model.entries, key=repr)))
        score, sub, _, _ = self.model.entries[member]
        self.model.write(member, score, sub, at, meta)
        given = kwargs(None if self.sub is None else sub, meta)
        same(self.board.set(member, score, at, **given), self.model.standing(member))

    @rule(member=MEMBERS)
    def remove(self, member: Any) -> None:
        self.model.meta.pop(member, None)
        assert self.board.remove(member) == (self.model.entries.pop(member, None) is not None)

    @rule(
        entries=st.lists(
            st.tuples(MEMBERS, SCORES, TIMES, SUBS, METAS).map(
                lambda e: e[:4] if e[4] is _OMIT else e
            ),
            max_size=6,
        )
    )
    def load(self, entries: list[tuple[Any, ...]]) -> None:
        if any(self.sub_refused(entry[3]) for entry in entries):
            self.expect_refusal(lambda: self.board.load(entries))
            return
        for member, score, at, sub, *meta in entries:
            self.model.write(member, score, sub, at, meta[0] if meta else _OMIT)
        assert self.board.load(entries) == len(entries)

    @precondition(lambda self: self.sub is None)
    @rule(entries=st.lists(st.tuples(MEMBERS, SCORES, TIMES), max_size=8))
    def load_checked(self, entries: list[tuple[Any, Any, datetime | None]]) -> None:
        """The engine's path for a batch's board writes (values already checked, a member
        often written several times, sometimes back to a score it had): equal to setting
        each in turn."""
        for member, score, at in entries:
            self.model.write(member, score, None, at, _OMIT)
        self.board._load_checked([value for entry in entries for value in entry])

    @rule(
        bad=st.sampled_from(
            [
                ("set", "ann", True),
                ("set", "ann", None),
                ("set", "ann", "3"),
                ("set", "ann", math.nan),
                ("set", "ann", math.inf),
                ("set", "ann", 2**53 + 1),
                ("incr", "ann", -math.inf),
                ("best", [1], 3),
                ("set", "ann", 3, datetime(2024, 1, 1)),
                ("set", "ann", 3, "2024-01-01"),
                ("load", [("a", 1), ("b", math.nan)]),
                ("load", [("a", 1), ("b",)]),
                ("load", [("a", 1, None, 1, 2, 3)]),
                ("load", [("a", 1, None, 1, math.nan)]),
                ("set", "ann", 3, None, {"subscore": math.nan}),
                ("set", "ann", 3, None, {"subscore": True}),
                ("incr", "ann", 1, None, {"subscore": "1"}),
                ("best", "ann", 3, None, {"subscore": 2**53 + 1}),
                ("set", "ann", 3, None, {"subscore": 1, "meta": math.inf}),
                ("set", "ann", 3, None, {"subscore": 1, "meta": (1, 2)}),
                ("incr", "ann", 3, None, {"subscore": 1, "meta": {1: "x"}}),
                ("best", "ann", 3, None, {"subscore": 1, "meta": [object()]}),
                ("set", "ann", 3, None, {"subscore": 1, "meta": "\ud800"}),
            ]
        )
    )
    def refused(self, bad: tuple[Any, ...]) -> None:
        method, *args = bad
        given = dict(args.pop()) if isinstance(args[-1], dict) else {}
        if self.sub is None and "meta" in given:
            given.pop("subscore")  # a subscore alone is refused here: let the meta be judged
        self.expect_refusal(lambda: getattr(self.board, method)(*args, **given))

    @rule()
    def clear(self) -> None:
        self.board.clear()
        self.model.entries.clear()
        self.model.meta.clear()

    @precondition(lambda self: len(self.model.entries) > 0)
    @rule(data=st.data())
    def around(self, data: st.DataObject) -> None:
        member = data.draw(st.sampled_from(sorted(self.model.entries, key=repr)))
        before, after = data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4))
        listing = self.model.listing()
        i = listing.index(member)
        expected = [self.model.standing(m) for m in listing[max(0, i - before) : i + after + 1]]
        assert self.board.around(member, before, after) == expected

    @rule(offset=st.integers(0, 9), limit=st.integers(0, 9))
    def page(self, offset: int, limit: int) -> None:
        listing = self.model.listing()[offset : offset + limit]
        assert self.board.page(offset, limit) == [self.model.standing(m) for m in listing]

    @rule(low=SCORES | st.sampled_from([-math.inf, math.inf]), high=SCORES)
    def count_between(self, low: float, high: float) -> None:
        expected = sum(low <= s <= high for s, _, _, _ in self.model.entries.values())
        assert self.board.count_between(low, high) == expected

    @rule(low=BOUNDS, high=BOUNDS, offset=st.integers(0, 4), limit=st.none() | st.integers(0, 4))
    def range_by_score(self, low: float, high: float, offset: int, limit: int | None) -> None:
        listing = [m for m in self.model.listing() if low <= self.model.entries[m][0] <= high]
        listing = listing[offset:] if limit is None else listing[offset : offset + limit]
        expected = [self.model.standing(m) for m in listing]
        assert self.board.range_by_score(low, high, offset=offset, limit=limit) == expected

    @rule(members=st.lists(MEMBERS | st.just("nobody"), max_size=8))
    def among(self, members: list[Any]) -> None:
        wanted = set(members)
        expected = [self.model.standing(m) for m in self.model.listing() if m in wanted]
        assert self.board.among(iter(members)) == expected

    @rule(limit=st.integers(1, 4), restart=st.booleans())
    def page_after(self, limit: int, restart: bool) -> None:
        """Continue the client's paging (or start over) after whatever changed meanwhile."""
        if restart:
            self.cursor = self.after = None
        listing = self.model.listing()
        after = self.after
        rest = listing if after is None else [m for m in listing if self.model.sort_key(m) > after]
        page = self.board.page_after(self.cursor, limit)
        assert list(page.entries) == [self.model.standing(m) for m in rest[:limit]]
        if len(rest) > limit:
            assert page.cursor is not None
            self.cursor, self.after = page.cursor, self.model.sort_key(rest[limit - 1])
        else:
            assert page.cursor is None
            self.cursor = self.after = None

    @rule(member=MEMBERS, ties=st.sampled_from(list(TiePolicy)))
    def rank_under(self, member: Any, ties: TiePolicy) -> None:
        if ties is TiePolicy.DENSE and self.ties is not TiePolicy.DENSE:
            with pytest.raises(RankcoreError):
                self.board.rank(member, ties)
        elif member not in self.model.entries:
            with pytest.raises(MemberNotFound):
                self.board.rank(member, ties)
        else:
            assert self.board.rank(member, ties) == self.model.rank(member, ties)

    @invariant()
    def by_rank(self) -> None:
        standings = [self.model.standing(m) for m in self.model.listing()]
        for first in range(1, len(standings) + 2):
            for last in range(first - 1, len(standings) + 2):
                expected = [s for s in standings if first <= s.rank <= last]
                assert self.board.by_rank(first, last) == expected

    @invariant()
    def new_reads(self) -> None:
        """rank_of_score, range_by_score, among and page_after, against the model."""
        model, board = self.model, self.board
        listing = model.listing()
        standings = [model.standing(m) for m in listing]
        scores = {score for score, _, _, _ in model.entries.values()}
        if self.sub is None:
            probes = [(score, None) for score in [*scores, *PROBES]]
        else:
            probes = [*model.pairs(), *((p, s) for p in PROBES for s in SUB_PROBES)]
        for ties in self.policies():
            for pair in probes:
                given = {} if self.sub is None else {"subscore": pair[1]}
                expected_rank = model.rank_of_score(pair, ties)
                assert board.rank_of_score(pair[0], ties, **given) == expected_rank
            wanted = set(FRIENDS)
            expected = [model.standing(m, ties) for m in listing if m in wanted]
            assert board.among(FRIENDS, ties) == expected
        bounds = [*sorted(scores), -math.inf, math.inf]
        for low in bounds:
            for high in bounds:
                expected = [s for s in standings if low <= s.score <= high]
                assert board.range_by_score(low, high) == expected
        for limit in (1, 2, 5):
            pages = [board.page_after(None, limit)]
            while pages[-1].cursor is not None and len(pages) <= len(standings):
                pages.append(board.page_after(pages[-1].cursor, limit))
            assert [s for page in pages for s in page.entries] == standings
            assert all(len(page.entries) == limit for page in pages[:-1])
            assert 0 < len(pages[-1].entries) <= limit or pages == [Page((), None)]

    @invariant()
    def agrees(self) -> None:
        self.board._check()
        model = self.model
        listing = model.listing()
        assert len(self.board) == len(listing)
        assert [s.member for s in self.board] == listing
        for member in listing:
            expected = model.standing(member)
            same(self.board.get(member), expected)  # type: ignore[arg-type]
            assert self.board.rank(member) == expected.rank
            assert member in self.board
            pair = model.pair(member)
            worse = sum(model.better(pair, p) for p in model.pairs())
            equal = sum(
                not model.better(pair, p) and not model.better(p, pair) for p in model.pairs()
            )
            assert board_meta(self.board, member) == model.meta.get(member)
            assert self.board.percentile(member) == pytest.approx(
                100 * (worse + equal / 2) / len(listing)
            )

    @invariant()
    def state_round_trip(self) -> None:
        """to_state, through JSON, and from_state give the same board, or refuse members
        that cannot be saved."""
        members = self.model.entries
        if not all(isinstance(m, (str, int)) for m in members):
            with pytest.raises(InvalidArgumentType):
                self.board.to_state()
            return
        state = json.loads(json.dumps(self.board.to_state()))
        copy = Leaderboard.from_state(state)
        copy._check()
        assert list(copy) == list(self.board)
        assert copy.subscore is self.board.subscore
        if self.sub is None and not self.model.meta:
            assert set(state) == {"order", "ties", "seq", "entries"}


def board_meta(board: Leaderboard, member: Any) -> Any:
    return board.meta(member)


def _machine(order: Order, ties: TiePolicy, sub: Order | None) -> Any:
    name = f"{order.name}_{ties.name}" + ("" if sub is None else f"_SUB_{sub.name}")
    machine = type(
        f"Machine_{name}", (LeaderboardMachine,), {"order": order, "ties": ties, "sub": sub}
    )
    test = machine.TestCase
    test.settings = settings(
        # Sixteen machines have a subscore: fewer examples each keeps the file's run short.
        max_examples=60 if sub is None else 25,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    return test


for _order in Order:
    for _ties in TiePolicy:
        for _sub in (None, *Order):
            _suffix = "" if _sub is None else f"_SUB_{_sub.name}"
            globals()[f"TestLeaderboard_{_order.name}_{_ties.name}{_suffix}"] = _machine(
                _order, _ties, _sub
            )
