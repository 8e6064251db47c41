"""Boards against a brute-force model, comparing every read after every step.

Random boards (every operator, tie policy and subscore setting; resets daily, weekly,
monthly, every-N and cron in four zones across a DST change; grace, joining, capacity,
submission limits, retention) take random submissions, joins, removals, batches and an
occasional end, while the clock moves. The model is written plainly here: a reset instant
is found by walking UTC time in 15-minute steps until the local wall clock reaches the
reset's wall time (so a time in a DST gap resets when the gap ends, and a repeated time at
its first occurrence); ranks and payouts come from counting; intervals open, close and
forget their event ids by walking the moments in time order. A second test checks that a
batch equals its entries submitted one by one.
"""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from rankcore import (
    AwardIntervalClosed,
    AwardOutsideCampaign,
    AwardTooLate,
    BoardFull,
    Engine,
    EventIdConflict,
    IntervalClosed,
    ManualClock,
    NotJoined,
    RankcoreError,
    SubmissionLimit,
)
from rankcore.timeline.clock import LATEST

STEP = timedelta(minutes=15)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
HORIZON = timedelta(days=75)
MEMBERS = ["ann", "bob", "cy", "di", "ed"]
# (zone, a UTC instant a little after which the zone changes its clocks)
TRANSITIONS = [
    ("Europe/London", datetime(2024, 3, 28, tzinfo=UTC)),
    ("Europe/London", datetime(2024, 10, 24, tzinfo=UTC)),
    ("America/New_York", datetime(2024, 3, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2024, 10, 31, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2024, 4, 4, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2024, 10, 3, tzinfo=UTC)),
    ("Asia/Kolkata", datetime(2024, 3, 28, tzinfo=UTC)),
]
WALLS = ["00:00", "01:00", "01:30", "02:00", "02:15", "02:30", "09:00", "23:45"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
BRACKETS = [
    [],
    [(1, 1, "50", None)],
    [(1, 2, "30", None), (3, 3, "10", 2)],
    [(2, 4, "5", 0)],
    [(1, 1, "9", None), (2, 2, "3", None)],
]
ORDER_SIGN = {"desc": -1, "asc": 1}


# -- the model: reset instants ---------------------------------------------------------------------


def local(t: datetime, zone: ZoneInfo) -> datetime:
    return t.astimezone(zone).replace(tzinfo=None)


def reached(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first 15-minute instant at which the local wall clock shows ``wall`` or later."""
    t = wall.replace(tzinfo=UTC) - timedelta(hours=15)
    while local(t, zone) < wall:
        t += STEP
    return t


def walls(reset: tuple[Any, ...], first: date, last: date) -> list[datetime]:
    """The reset's local wall times on the days from ``first`` to ``last``."""
    kind = reset[0]
    out: list[datetime] = []
    day = first
    while day <= last:
        hh, mm = (int(x) for x in reset[-1].split(":"))
        if kind == "daily" or (kind == "weekly" and day.weekday() == reset[1]):
            out.append(datetime(day.year, day.month, day.day, hh, mm))
        if kind == "monthly":
            length = calendar.monthrange(day.year, day.month)[1]
            if day.day == min(reset[1], length):
                out.append(datetime(day.year, day.month, day.day, hh, mm))
        day += timedelta(days=1)
    return out


def model_spans(
    reset: tuple[Any, ...] | None, start: datetime, end: datetime | None, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    stop = start + HORIZON if end is None else end
    if reset is not None and reset[0] == "cron":  # a daily or weekly time, read locally
        reset = ("daily", reset[2]) if reset[1] is None else ("weekly", reset[1], reset[2])
    if reset is None:
        cuts = []
    elif reset[0] == "every":
        cuts = [start + k * reset[1] for k in range(1, 10_000) if start + k * reset[1] < stop]
    else:
        days = (local(start, zone).date() - timedelta(days=2), local(stop, zone).date())
        cuts = sorted({reached(w, zone) for w in walls(reset, *days)})
        cuts = [c for c in cuts if start < c < stop]
    edges = [start, *cuts, LATEST if end is None else end]
    return list(itertools.pairwise(edges))


def reset_text(reset: tuple[Any, ...] | None) -> object:
    if reset is None:
        return None
    kind = reset[0]
    if kind == "daily":
        return f"daily {reset[1]}"
    if kind == "weekly":
        return f"weekly {WEEKDAYS[reset[1]]} {reset[2]}"
    if kind == "monthly":
        return f"monthly {reset[1]} {reset[2]}"
    if kind == "every":
        return reset[1]
    hh, mm = reset[-1].split(":")
    dow = "*" if reset[1] is None else str((reset[1] + 1) % 7)  # cron counts from Sunday
    return f"cron {int(mm)} {int(hh)} * * {dow}"


def model_window(reset: tuple[Any, ...] | None, grace: timedelta) -> timedelta:
    if reset is None:
        base = timedelta(days=1)
    elif reset[0] == "every":
        base = reset[1] + timedelta(days=1)
    else:
        base = {"daily": 2, "weekly": 8, "monthly": 32, "cron": 32}[reset[0]] * timedelta(days=1)
    return base + grace


# -- the model: boards -----------------------------------------------------------------------------


@dataclass
class MInterval:
    start: datetime
    end: datetime
    # member -> [score, subscore, reached_at, arrival]
    scores: dict[str, list[Any]] = field(default_factory=dict)
    submissions: dict[str, int] = field(default_factory=dict)
    joined: set[str] = field(default_factory=set)
    closed: bool = False
    payouts: list[tuple[str, int, Any, str]] = field(default_factory=list)
    event_ids: set[str] = field(default_factory=set)


@dataclass
class Plan:
    zone: str
    start: datetime
    end: datetime | None
    reset: tuple[Any, ...] | None
    operator: str
    order: str
    ties: str
    subscore: str | None
    brackets: list[tuple[int, int, str, int | None]]
    join_required: bool
    capacity: int | None
    max_submissions: int | None
    grace: timedelta
    retention: int | None


class Model:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.zone = ZoneInfo(plan.zone)
        self.spans = model_spans(plan.reset, plan.start, plan.end, self.zone)
        self.next = 0  # the next span to open
        self.retained: list[MInterval] = []
        self.open: MInterval | None = None
        self.late: list[MInterval] = []
        self.previous: MInterval | None = None
        self.ended = False
        self.closings: list[tuple[Any, ...]] = []
        self.arrival = 0
        self.window = model_window(plan.reset, plan.grace)
        # event id -> (interval, member, payload, at, explicit at)
        self.seen: dict[str, tuple[MInterval, str, tuple[Any, ...], datetime]] = {}

    # -- time
    def sync(self, now: datetime) -> None:
        for key in [k for k, v in self.seen.items() if v[3] + self.window < now]:
            self.forget(key)
        while True:
            moments: list[tuple[datetime, int]] = []
            if self.late:
                moments.append((self.late[0].end + self.plan.grace, 0))
            if self.open is not None:
                moments.append((self.open.end, 1))
            elif self.next == 0 and not self.ended:
                moments.append((self.spans[0][0], 1))
            if not moments:
                return
            moment, kind = min(moments)
            if moment > now:
                return
            if kind == 0:
                self.close(self.late.pop(0))
                continue
            if self.open is not None:
                state, self.open = self.open, None
                if self.plan.grace:
                    self.late.append(state)
                else:
                    self.close(state)
            if self.next < len(self.spans) and not self.ended:
                a, b = self.spans[self.next]
                self.next += 1
                self.open = MInterval(a, b)
                self.retained.append(self.open)

    def close(self, state: MInterval) -> None:
        state.closed = True
        state.payouts = self.payouts(state)
        self.closings.append((state.start, state.end, len(state.scores), tuple(state.payouts)))
        if self.previous is not None:
            for key in list(self.previous.event_ids):
                self.forget(key)
        self.previous = state
        retention = self.plan.retention
        while retention is not None and len(self.retained) > retention:
            if not self.retained[0].closed:
                break
            for key in list(self.retained.pop(0).event_ids):
                self.forget(key)

    def forget(self, key: str) -> None:
        state = self.seen.pop(key)[0]
        state.event_ids.discard(key)

    def end(self, now: datetime) -> None:
        self.ended = True
        while self.late:
            self.close(self.late.pop(0))
        state, self.open = self.open, None
        if state is not None:
            state.end = min(state.end, max(now, state.start))
            self.close(state)

    # -- ranking
    def pair(self, entry: list[Any]) -> tuple[Any, ...]:
        """A sort key where smaller is better: the score, then the subscore."""
        sign = ORDER_SIGN[self.plan.order]
        sub = 0 if self.plan.subscore is None else ORDER_SIGN[self.plan.subscore] * entry[1]
        return (sign * entry[0], sub)

    def listing(self, state: MInterval, ties: str | None = None) -> list[tuple[str, int]]:
        ties = ties or self.plan.ties
        scores = state.scores
        listed = sorted(scores, key=lambda m: (self.pair(scores[m]), scores[m][2], scores[m][3]))
        pairs = [self.pair(scores[m]) for m in listed]
        out = []
        for position, member in enumerate(listed, start=1):
            mine = self.pair(scores[member])
            if ties == "competition":
                rank = 1 + sum(p < mine for p in pairs)
            elif ties == "modified_competition":
                rank = sum(p <= mine for p in pairs)
            elif ties == "dense":
                rank = 1 + len({p for p in pairs if p < mine})
            else:
                rank = position
            out.append((member, rank))
        return out

    def payouts(self, state: MInterval) -> list[tuple[str, int, Any, str]]:
        out = []
        for member, rank in self.listing(state, "competition"):
            score = state.scores[member][0]
            for first, last, value, minimum in self.plan.brackets:
                if first <= rank <= last:
                    meets = minimum is None or (
                        score >= minimum if self.plan.order == "desc" else score <= minimum
                    )
                    if meets:
                        out.append((member, rank, score, value))
        return out

    def standing(self, state: MInterval, member: str) -> tuple[Any, ...] | None:
        if member not in state.scores:
            return None
        rank = dict(self.listing(state))[member]
        entry = state.scores[member]
        sub = None if self.plan.subscore is None else entry[1]
        return (member, entry[0], sub, rank, state.submissions.get(member, 0))

    # -- writes
    def taking(self, at: datetime) -> MInterval | None:
        for state in [*([self.open] if self.open else []), *self.late]:
            if state.start <= at < state.end:
                return state
        return None

    def refusal(self, at: datetime, now: datetime) -> type[Exception] | None:
        plan = self.plan
        if at < plan.start or (plan.end is not None and at >= plan.end):
            return AwardOutsideCampaign
        if self.taking(at) is None:
            return AwardIntervalClosed
        if at < now - self.window:
            return AwardTooLate
        return None

    def submit(
        self,
        member: str,
        score: int,
        sub: int | None,
        at: datetime | None,
        event_id: str | None,
        now: datetime,
    ) -> tuple[str, Any]:
        stamp = now if at is None else at
        payload = (member, score, sub)
        if event_id is not None and event_id in self.seen:
            state, original, saved, saved_at = self.seen[event_id]
            if saved != payload or (at is not None and at != saved_at):
                return "error", EventIdConflict
            found = self.standing(state, original)
            return "ok", found or (original, 0, None, 0, state.submissions.get(original, 0))
        error = self.refusal(stamp, now)
        if error is not None:
            return "error", error
        state = self.taking(stamp)
        assert state is not None
        plan = self.plan
        if plan.join_required and member not in state.joined:
            return "error", NotJoined
        count = state.submissions.get(member, 0)
        if (
            plan.capacity is not None
            and not plan.join_required
            and count == 0
            and len(state.submissions) >= plan.capacity
        ):
            return "error", BoardFull
        if plan.max_submissions is not None and count >= plan.max_submissions:
            return "error", SubmissionLimit
        old = state.scores.get(member)
        new = [score, sub if sub is not None else 0, stamp, 0]
        if plan.operator == "incr" and old is not None:
            new[0] = old[0] + score
        if old is None:
            write = True
        elif plan.operator == "best":
            write = self.pair(new) < self.pair(old)
        elif plan.operator == "set":
            write = self.pair(new) != self.pair(old)
        else:
            write = score != 0 or new[1] != old[1]
        if write:
            self.arrival += 1
            new[3] = self.arrival
            state.scores[member] = new
        state.submissions[member] = count + 1
        if event_id is not None:
            self.seen[event_id] = (state, member, payload, stamp)
            state.event_ids.add(event_id)
        return "ok", self.standing(state, member)

    def join(self, member: str, now: datetime) -> tuple[str, Any]:
        state = self.taking(now)
        if state is None:
            return "error", self.refusal(now, now) or AwardIntervalClosed
        if member in state.joined:
            return "ok", False
        if self.plan.capacity is not None and len(state.joined) >= self.plan.capacity:
            return "error", BoardFull
        state.joined.add(member)
        return "ok", True

    def remove(self, member: str) -> bool:
        found = False
        for state in [*self.late, *([self.open] if self.open else [])]:
            if member in state.scores or member in state.submissions or member in state.joined:
                found = True
            state.scores.pop(member, None)
            state.submissions.pop(member, None)
            state.joined.discard(member)
        return found


# -- strategies ------------------------------------------------------------------------------------


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    zone, near = draw(st.sampled_from(TRANSITIONS))
    start = near + draw(st.integers(-3 * 96, 3 * 96)) * STEP
    kind = draw(st.sampled_from(["none", "daily", "weekly", "monthly", "every", "cron"]))
    wall = draw(st.sampled_from(WALLS))
    reset: tuple[Any, ...] | None
    if kind == "none":
        reset = None
    elif kind == "daily":
        reset = ("daily", wall)
    elif kind == "weekly":
        reset = ("weekly", draw(st.integers(0, 6)), wall)
    elif kind == "monthly":
        reset = ("monthly", draw(st.sampled_from([1, 15, 29, 31])), wall)
    elif kind == "every":
        reset = ("every", draw(st.sampled_from([90, 360, 1440, 2160])) * timedelta(minutes=1))
    else:
        reset = ("cron", draw(st.none() | st.integers(0, 6)), wall)
    end = draw(st.none() | st.integers(1, 60).map(lambda d: start + d * timedelta(hours=13)))
    subscore = draw(st.sampled_from([None, "asc", "desc"]))
    join_required = draw(st.sampled_from([False, False, False, True]))
    return Plan(
        zone=zone,
        start=start,
        end=end,
        reset=reset,
        operator=draw(st.sampled_from(["best", "set", "incr"])),
        order=draw(st.sampled_from(["desc", "asc"])),
        ties=draw(st.sampled_from(["competition", "modified_competition", "dense", "ordinal"])),
        subscore=subscore,
        brackets=draw(st.sampled_from(BRACKETS)),
        join_required=join_required,
        capacity=draw(st.none() | st.integers(1, 4)),
        max_submissions=draw(st.none() | st.integers(1, 4)),
        grace=draw(st.sampled_from([0, 0, 10, 120, 3000])) * timedelta(minutes=1),
        retention=draw(st.none() | st.integers(1, 3)),
    )


def submission() -> st.SearchStrategy[tuple[Any, ...]]:
    return st.tuples(
        st.sampled_from(MEMBERS),
        st.integers(-1, 3),
        st.integers(0, 2),
        st.sampled_from([None, None, None, 0, 1, 30, 200, 3000]),  # minutes back, or no time
        st.none() | st.sampled_from(["e1", "e2", "e3"]),
    )


SUBMIT = st.tuples(st.just("submit"), submission())
STEPS = st.one_of(
    st.tuples(st.just("advance"), st.sampled_from([0, 10, 45, 180, 600, 1440, 3000])),
    st.tuples(st.just("advance"), st.sampled_from([1, 20, 90])),
    SUBMIT,
    SUBMIT,
    SUBMIT,
    st.tuples(st.just("join"), st.sampled_from(MEMBERS)),
    st.tuples(st.just("join"), st.sampled_from(MEMBERS)),
    st.tuples(st.just("remove"), st.sampled_from(MEMBERS)),
    st.tuples(st.just("batch"), st.lists(submission(), max_size=4)),
    st.tuples(st.just("end"), st.integers(0, 9)),
)


# -- running both ----------------------------------------------------------------------------------


def create(engine: Engine, plan: Plan) -> None:
    engine.create_board(
        1,
        "b",
        order=plan.order,
        ties=plan.ties,
        subscore=plan.subscore,
        operator=plan.operator,
        reset=reset_text(plan.reset),
        brackets=[
            {"position": f"{a}-{b}", "reward_value": v, "min_value": m}
            for a, b, v, m in plan.brackets
        ],
        join_required=plan.join_required,
        capacity=plan.capacity,
        max_submissions=plan.max_submissions,
        grace=plan.grace,
        start=plan.start,
        end=plan.end,
        retention=plan.retention,
    )


def shown(standing: Any) -> tuple[Any, ...] | None:
    if standing is None:
        return None
    return (standing.member, standing.score, standing.subscore, standing.rank, standing.submissions)


def engine_submit(engine: Engine, plan: Plan, item: tuple[Any, ...]) -> tuple[str, Any]:
    member, score, sub, back, event_id = item
    at = None if back is None else engine.now() - back * timedelta(minutes=1)
    try:
        standing = engine.submit(
            1,
            "b",
            member,
            score,
            subscore=None if plan.subscore is None else sub,
            at=at,
            event_id=event_id,
        )
    except RankcoreError as exc:
        return "error", type(exc)
    return "ok", shown(standing)


def model_submit(model: Model, item: tuple[Any, ...], now: datetime) -> tuple[str, Any]:
    member, score, sub, back, event_id = item
    at = None if back is None else now - back * timedelta(minutes=1)
    return model.submit(
        member, score, None if model.plan.subscore is None else sub, at, event_id, now
    )


def compare(engine: Engine, model: Model, closed: list[IntervalClosed]) -> None:
    now = engine.now()
    model.sync(now)
    intervals = engine.board_intervals(1, "b")
    assert [(i.start, i.end, i.reward_given, i.participants, i.joined) for i in intervals] == [
        (m.start, m.end, m.closed, len(m.scores), len(m.joined)) for m in model.retained
    ]
    got = [
        (
            e.start,
            e.end,
            e.participants,
            tuple((p.source_id, p.rank, p.points, p.reward_value) for p in e.payouts),
        )
        for e in closed
    ]
    assert got == [(a, b, n, tuple(p)) for a, b, n, p in model.closings]
    for info, state in zip(intervals, model.retained, strict=True):
        page = engine.board_page(1, "b", 0, 10, interval=info.activity_id)
        expected = [model.standing(state, m) for m, _ in model.listing(state)]
        assert [shown(s) for s in page] == expected
        for member in MEMBERS:
            found = engine.board_rank(1, "b", member, interval=info.activity_id)
            assert shown(found) == model.standing(state, member)
        friends = engine.board_among(1, "b", ["cy", "ann", "zz"], interval=info.activity_id)
        assert [shown(s) for s in friends] == [s for s in expected if s[0] in ("ann", "cy")]
        listed = [s[0] for s in expected]
        if "bob" in listed:
            i = listed.index("bob")
            around = engine.board_around(1, "b", "bob", 1, 2, interval=info.activity_id)
            assert [shown(s) for s in around] == expected[max(0, i - 1) : i + 3]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plans(), st.lists(STEPS, min_size=10, max_size=40))
def test_boards_match_the_model(plan: Plan, steps: list[tuple[Any, ...]]) -> None:
    note(repr(plan))
    clock = ManualClock(plan.start - timedelta(hours=1))
    engine = Engine(clock=clock)
    engine.add_org(1, plan.zone)
    closed: list[IntervalClosed] = []
    engine.subscribe(IntervalClosed, closed.append)
    create(engine, plan)
    model = Model(plan)
    compare(engine, model, closed)
    clock.set(plan.start)
    for step in steps:
        now = engine.now()
        model.sync(now)
        kind, arg = step
        if kind == "advance":
            clock.advance(arg * timedelta(minutes=1))
        elif kind == "submit":
            assert engine_submit(engine, plan, arg) == model_submit(model, arg, now)
        elif kind == "join":
            try:
                outcome: tuple[str, Any] = ("ok", engine.join(1, "b", arg))
            except RankcoreError as exc:
                outcome = ("error", type(exc))
            if plan.join_required:
                assert outcome == model.join(arg, now)
            else:
                assert outcome[0] == "error"
        elif kind == "remove":
            assert engine.remove(1, "b", arg) == model.remove(arg)
        elif kind == "batch":
            entries = [
                {
                    "member": m,
                    "score": s,
                    "subscore": None if plan.subscore is None else sub,
                    "at": None if back is None else now - back * timedelta(minutes=1),
                    "event_id": e,
                }
                for m, s, sub, back, e in arg
            ]
            result = engine.submit_many(1, "b", entries)
            expected = [model_submit(model, item, now) for item in arg]
            assert [p for p, _ in result.refusals] == [
                i for i, (status, _) in enumerate(expected) if status == "error"
            ]
            assert [type(e) for _, e in result.refusals] == [
                v for status, v in expected if status == "error"
            ]
            assert [shown(s) for s in result.standings] == [
                v if status == "ok" else None for status, v in expected
            ]
        elif kind == "end" and arg == 0:
            engine.end_board(1, "b")
            model.end(now)
        compare(engine, model, closed)


@settings(max_examples=60, deadline=None)
@given(plans(), st.lists(submission(), max_size=12), st.sampled_from([0, 30, 600]))
def test_a_batch_equals_its_entries_one_by_one(
    plan: Plan, items: list[tuple[Any, ...]], later: int
) -> None:
    engines = []
    for _ in range(2):
        clock = ManualClock(plan.start)
        engine = Engine(clock=clock, seed=1)
        engine.add_org(1, plan.zone)
        create(engine, plan)
        if plan.join_required:
            for member in MEMBERS[: min(3, plan.capacity or 3)]:
                engine.join(1, "b", member)
        clock.advance(later * timedelta(minutes=1))
        engines.append(engine)
    batched, single = engines
    now = batched.now()
    entries = [
        (m, s, None if back is None else now - back * timedelta(minutes=1))
        if plan.subscore is None and e is None
        else {
            "member": m,
            "score": s,
            "subscore": None if plan.subscore is None else sub,
            "at": None if back is None else now - back * timedelta(minutes=1),
            "event_id": e,
        }
        for m, s, sub, back, e in items
    ]
    result = batched.submit_many(1, "b", entries)
    one_by_one = [engine_submit(single, plan, item) for item in items]
    assert [shown(s) for s in result.standings] == [v if k == "ok" else None for k, v in one_by_one]
    assert [type(e) for _, e in result.refusals] == [v for k, v in one_by_one if k == "error"]
    single.tick()  # closes what is due, as the batch did even when empty
    assert batched.snapshot() == single.snapshot()
