"""The kernel against a brute-force model, driven by random operation sequences.

The model is deliberately naive: a dict of member -> (score, reached_at, write number), fully
sorted on every read, with each tie policy computed from its definition.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from rankcore import Leaderboard, MemberNotFound, Order, Page, RankcoreError, Standing, TiePolicy

MEMBERS = st.sampled_from(["ann", "bob", "cy", "di", "eve", 7, 8, (1, 2), *range(20, 30)])
# Mostly a few small values, so that ties are common; sometimes anything in range.
SCORES = (
    st.integers(-3, 3)
    | st.sampled_from([0.5, -0.5, 1.0, 2.0, -0.0, 0.0, 1e300, -1e300, 2**53, -(2**53)])
    | st.integers(-(2**53), 2**53)
    | st.floats(-100, 100, allow_nan=False)
)
_T0 = datetime(2024, 6, 1, tzinfo=UTC)
_IST = timezone(timedelta(hours=5, minutes=30))
TIMES = st.none() | st.builds(
    lambda minutes, tz: (_T0 + timedelta(minutes=minutes)).astimezone(tz),
    st.integers(0, 5),
    st.sampled_from([UTC, _IST]),
)
BOUNDS = SCORES | st.sampled_from([-math.inf, math.inf])
LIMIT = 2**53
# Scores rank_of_score is asked about after every step, besides those on the board.
PROBES = [-(2**53), -3, -0.5, 0, 0.5, 1, 3, 1e300]
# A friends list: every member the machine uses, out of order, with repeats and strangers.
FRIENDS = ["nobody", 29, (1, 2), "cy", "ann", 7, "cy", 24, "eve", (2, 1), 20, "ann", 8]


class Model:
    """What a leaderboard must answer, computed the slow, obvious way."""

    def __init__(self, order: Order, ties: TiePolicy) -> None:
        self.desc = order is Order.DESC
        self.ties = ties
        self.entries: dict[Any, tuple[float, datetime | None, int]] = {}
        self.writes = 0

    def better(self, a: float, b: float) -> bool:
        return a > b if self.desc else a < b

    def valid(self, score: float) -> bool:
        if isinstance(score, float):
            return math.isfinite(score)
        return -LIMIT <= score <= LIMIT

    def write(self, member: Any, score: float, at: datetime | None) -> None:
        old = self.entries.get(member)
        if old is not None and old[0] == score:
            return
        self.writes += 1
        self.entries[member] = (score, at, self.writes)

    def place(self, score: float, at: datetime | None, seq: int) -> tuple[Any, ...]:
        """Where a write of ``score`` at ``at`` with write number ``seq`` is listed."""
        timed = (0, at) if at is not None else (1, _T0)
        return (-score if self.desc else score, timed, seq)

    def sort_key(self, member: Any) -> tuple[Any, ...]:
        return self.place(*self.entries[member])

    def listing(self) -> list[Any]:
        return sorted(self.entries, key=self.sort_key)

    def rank_of_score(self, score: float, ties: TiePolicy) -> int:
        """The rank of a newcomer writing ``score`` without a time, from each definition."""
        scores = [s for s, _, _ in self.entries.values()]
        if ties is TiePolicy.COMPETITION:
            return 1 + sum(self.better(s, score) for s in scores)
        if ties is TiePolicy.MODIFIED_COMPETITION:
            return 1 + sum(self.better(s, score) or s == score for s in scores)
        if ties is TiePolicy.DENSE:
            return 1 + len({s for s in scores if self.better(s, score)})
        newcomer = self.place(score, None, self.writes + 1)
        return 1 + sum(self.sort_key(m) < newcomer for m in self.entries)

    def rank(self, member: Any, ties: TiePolicy | None = None) -> int:
        ties = ties or self.ties
        score = self.entries[member][0]
        scores = [s for s, _, _ in self.entries.values()]
        if ties is TiePolicy.COMPETITION:
            return 1 + sum(self.better(s, score) for s in scores)
        if ties is TiePolicy.MODIFIED_COMPETITION:
            return sum(self.better(s, score) or s == score for s in scores)
        if ties is TiePolicy.DENSE:
            return 1 + len({s for s in scores if self.better(s, score)})
        return self.listing().index(member) + 1

    def standing(self, member: Any, ties: TiePolicy | None = None) -> Standing:
        score, at, _ = self.entries[member]
        return Standing(member, score, self.rank(member, ties), at)


def same(actual: Standing, expected: Standing) -> None:
    assert actual == expected
    assert type(actual.score) is type(expected.score)


class LeaderboardMachine(RuleBasedStateMachine):
    order: Order
    ties: TiePolicy

    @initialize()
    def start(self) -> None:
        self.board = Leaderboard(self.order, self.ties)
        # Tiny sublists, so that moves across sublist boundaries happen all the time.
        self.board._sorted._reset(4)
        self.model = Model(self.order, self.ties)
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

    @rule(member=MEMBERS, score=SCORES, at=TIMES)
    def set(self, member: Any, score: float, at: datetime | None) -> None:
        self.model.write(member, score, at)
        same(self.board.set(member, score, at), self.model.standing(member))

    @rule(member=MEMBERS, delta=SCORES, at=TIMES)
    def incr(self, member: Any, delta: float, at: datetime | None) -> None:
        old = self.model.entries.get(member)
        new = delta if old is None else old[0] + delta
        if not self.model.valid(new):
            self.expect_refusal(lambda: self.board.incr(member, delta, at))
            return
        self.model.write(member, new, at)
        same(self.board.incr(member, delta, at), self.model.standing(member))

    @rule(member=MEMBERS, score=SCORES, at=TIMES)
    def best(self, member: Any, score: float, at: datetime | None) -> None:
        old = self.model.entries.get(member)
        if old is None or self.model.better(score, old[0]):
            self.model.write(member, score, at)
        same(self.board.best(member, score, at), self.model.standing(member))

    @rule(member=MEMBERS)
    def remove(self, member: Any) -> None:
        assert self.board.remove(member) == (self.model.entries.pop(member, None) is not None)

    @rule(entries=st.lists(st.tuples(MEMBERS, SCORES, TIMES), max_size=6))
    def load(self, entries: list[tuple[Any, float, datetime | None]]) -> None:
        for member, score, at in entries:
            self.model.write(member, score, at)
        assert self.board.load(entries) == len(entries)

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
            ]
        )
    )
    def refused(self, bad: tuple[Any, ...]) -> None:
        method, *args = bad
        self.expect_refusal(lambda: getattr(self.board, method)(*args))

    @rule()
    def clear(self) -> None:
        self.board.clear()
        self.model.entries.clear()

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
        expected = sum(low <= s <= high for s, _, _ in self.model.entries.values())
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
        scores = {score for score, _, _ in model.entries.values()}
        for ties in self.policies():
            for score in [*scores, *PROBES]:
                assert board.rank_of_score(score, ties) == model.rank_of_score(score, ties)
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
            worse = sum(model.better(expected.score, s) for s, _, _ in model.entries.values())
            equal = sum(expected.score == s for s, _, _ in model.entries.values())
            assert self.board.percentile(member) == pytest.approx(
                100 * (worse + equal / 2) / len(listing)
            )


def _machine(order: Order, ties: TiePolicy) -> Any:
    machine = type(
        f"Machine_{order.name}_{ties.name}", (LeaderboardMachine,), {"order": order, "ties": ties}
    )
    test = machine.TestCase
    test.settings = settings(
        max_examples=60,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    return test


for _order in Order:
    for _ties in TiePolicy:
        globals()[f"TestLeaderboard_{_order.name}_{_ties.name}"] = _machine(_order, _ties)
