"""Property test: the loyalty domain against a plain, brute-force model.

Random period layouts (with gaps), random milestone/streak targets (auto or explicit, any tie
policy) and random streams of activities (duplicates, late events), enrollments,
unenrollments and re-enrollments, interleaved with the clock moving on. After every step the
engine's achieved values, streak counts, events and every leaderboard's standings must equal
the model's. The model keeps plain dicts and ranks whole boards with the brute-force
:func:`rankcore.testing.reference_ranks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore import Engine, ManualClock, RankcoreError
from rankcore.errors import EventIdConflict
from rankcore.loyalty import (
    AlreadyEnrolled,
    MilestoneReached,
    NotEnrolled,
    PeriodClosed,
    StreakAchieved,
    StreakBroken,
    TargetPeriodNotFound,
)
from rankcore.testing import reference_ranks

T0 = datetime(2024, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=30)
ORG, GROUP = 7, 70
CUSTOMERS = (1, 2, 3)
POLICIES = ("competition", "modified_competition", "dense", "ordinal")


@dataclass
class TargetSpec:
    id: int
    streak: bool
    auto: bool
    value: int
    length: int
    ties: str


@dataclass
class Entry:
    """Model state of one customer on one milestone period, or on one streak."""

    value: int = 0
    last: datetime | None = None
    enrolled: bool = True
    reached: bool = False
    count: int = 0
    pid: int | None = None
    on_board: bool = False


@dataclass
class Model:
    periods: list[tuple[int, str, datetime, datetime]]
    targets: list[TargetSpec]
    now: datetime = T0
    closed: set[int] = field(default_factory=set)
    # event id -> (forgotten at, (customer, value, at))
    seen: dict[str, tuple[datetime, tuple[Any, ...]]] = field(default_factory=dict)
    milestones: dict[tuple[int, int, int], Entry] = field(default_factory=dict)
    streaks: dict[tuple[int, int], Entry] = field(default_factory=dict)
    # board (target, period) -> customer -> [score, reached_at, seq]
    # (a board's reached-at time is what a row reports as its last activity time)
    boards: dict[tuple[int, int], dict[int, list[Any]]] = field(default_factory=dict)
    seq: int = 0
    events: list[tuple[Any, ...]] = field(default_factory=list)

    # -- helpers ----------------------------------------------------------------------------

    def period_at(self, t: datetime) -> tuple[int, str, datetime, datetime] | None:
        for period in self.periods:
            if period[2] <= t < period[3]:
                return period
        return None

    def write(self, key: tuple[int, int], customer: int, score: int, at: datetime | None) -> None:
        board = self.boards.setdefault(key, {})
        if customer in board and board[customer][0] == score:
            pass
        else:
            self.seq += 1
            board[customer] = [score, at, self.seq]

    def remove(self, key: tuple[int, int], customer: int) -> None:
        self.boards.get(key, {}).pop(customer, None)

    def standings(self, key: tuple[int, int], ties: str) -> list[tuple[int, int, int, Any]]:
        """The board's rows, ranked by the reference model (entries in arrival order)."""
        board = self.boards.get(key, {})
        entries = [
            (customer, score, reached)
            for customer, (score, reached, _seq) in sorted(board.items(), key=lambda i: i[1][2])
        ]
        return [
            (s.rank, s.member, s.score, s.reached_at)
            for s in reference_ranks(entries, "desc", ties)
        ]

    # -- operations -------------------------------------------------------------------------

    def advance(self, t: datetime) -> None:
        self.now = t
        due = sorted(
            (p for p in self.periods if p[3] <= t and p[0] not in self.closed),
            key=lambda p: p[3],
        )
        for pid, _name, _start, _end in due:
            self.closed.add(pid)
            for spec in self.targets:
                if not spec.streak:
                    continue
                for customer in CUSTOMERS:
                    entry = self.streaks.get((spec.id, customer))
                    if entry is None or not entry.enrolled or entry.count == 0:
                        continue
                    if entry.pid == pid and entry.reached:
                        continue
                    self.events.append(("broken", spec.id, pid, customer, entry.count))
                    entry.count = 0
                    if entry.pid == pid and entry.on_board:
                        self.write((spec.id, pid), customer, 0, entry.last)

    def activity(self, customer: int, value: int, at: datetime, event_id: str | None) -> Any:
        if event_id is not None and event_id in self.seen:
            forget_at, payload = self.seen[event_id]
            if forget_at > self.now:
                return "duplicate" if payload == (customer, value, at) else EventIdConflict
        period = self.period_at(at)
        if period is not None and self.now >= period[3]:
            return PeriodClosed
        if period is None:
            return "counted"  # counted nowhere: not remembered
        if event_id is not None:
            # remembered until one period's length after the period closes
            self.seen[event_id] = (period[3] + (period[3] - period[2]), (customer, value, at))
        pid = period[0]
        for spec in self.targets:
            if not spec.streak:
                entry = self.milestones.get((spec.id, pid, customer))
                if entry is None:
                    if not spec.auto:
                        continue
                    entry = self.milestones[(spec.id, pid, customer)] = Entry()
                elif not entry.enrolled:
                    continue
                entry.value += value
                entry.last = at if entry.last is None else max(entry.last, at)
                self.write((spec.id, pid), customer, entry.value, entry.last)
                if not entry.reached and entry.value >= spec.value:
                    entry.reached = True
                    self.events.append(("milestone", spec.id, pid, customer, entry.value))
            else:
                entry = self.streaks.get((spec.id, customer))
                if entry is None:
                    if not spec.auto:
                        continue
                    entry = self.streaks[(spec.id, customer)] = Entry()
                elif not entry.enrolled:
                    continue
                if entry.pid != pid:
                    entry.pid, entry.value, entry.reached = pid, 0, False
                    entry.last, entry.on_board = None, False
                entry.value += value
                entry.last = at if entry.last is None else max(entry.last, at)
                if not entry.reached and entry.value >= spec.value:
                    entry.reached = True
                    entry.count += 1
                    if entry.count == spec.length:
                        self.events.append(("achieved", spec.id, pid, customer, entry.count))
                self.write((spec.id, pid), customer, entry.count, entry.last)
                entry.on_board = True
        return "counted"

    def find_period(self, index: int) -> tuple[int, str, datetime, datetime] | None:
        return self.periods[index] if 0 <= index < len(self.periods) else None

    def enroll(
        self, customer: int, spec: TargetSpec, index: int, balance: int | None, reset: bool
    ) -> Any:
        if not spec.streak:
            period = self.find_period(index)
            if period is None:
                return TargetPeriodNotFound
            pid = period[0]
            if self.now >= period[3]:
                return PeriodClosed
            entry = self.milestones.get((spec.id, pid, customer))
            if entry is not None and entry.enrolled:
                return AlreadyEnrolled
            if entry is None:
                entry = self.milestones[(spec.id, pid, customer)] = Entry(value=balance or 0)
            else:
                entry.enrolled = True
                if balance is not None:
                    entry.value = balance
            self.write((spec.id, pid), customer, entry.value, entry.last)
            if not entry.reached and entry.value >= spec.value:
                entry.reached = True
                self.events.append(("milestone", spec.id, pid, customer, entry.value))
            return "ok"
        entry = self.streaks.get((spec.id, customer))
        if entry is not None and entry.enrolled:
            return AlreadyEnrolled
        if entry is None:
            self.streaks[(spec.id, customer)] = Entry()
            return "ok"
        entry.enrolled = True
        current = self.period_at(self.now)
        if reset:
            entry.count, entry.pid, entry.value, entry.reached = 0, None, 0, False
            entry.last, entry.on_board = None, False
        elif current is not None and entry.pid == current[0] and entry.last is not None:
            self.write((spec.id, current[0]), customer, entry.count, entry.last)
            entry.on_board = True
        return "ok"

    def unenroll(self, customer: int, spec: TargetSpec, index: int) -> Any:
        if not spec.streak:
            period = self.find_period(index)
            if period is None:
                return TargetPeriodNotFound
            if self.now >= period[3]:
                return PeriodClosed
            entry = self.milestones.get((spec.id, period[0], customer))
            if entry is None or not entry.enrolled:
                return NotEnrolled
            entry.enrolled = False
            self.remove((spec.id, period[0]), customer)
            return "ok"
        entry = self.streaks.get((spec.id, customer))
        if entry is None or not entry.enrolled:
            return NotEnrolled
        entry.enrolled = False
        current = self.period_at(self.now)
        if current is not None and entry.pid == current[0] and entry.on_board:
            self.remove((spec.id, current[0]), customer)
            entry.on_board = False
        return "ok"


# -- strategies -------------------------------------------------------------------------------

layouts = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 5)), min_size=1, max_size=4
)  # (gap before, length) in steps of 30 minutes
target_specs = st.lists(
    st.tuples(
        st.booleans(),
        st.booleans(),
        st.integers(1, 5),
        st.integers(1, 3),
        st.sampled_from(POLICIES),
    ),
    min_size=1,
    max_size=3,
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.integers(0, 3)),
        st.tuples(
            st.just("activity"),
            st.sampled_from(CUSTOMERS),
            st.integers(0, 4),
            st.integers(0, 3),  # lateness, in steps
            st.one_of(st.none(), st.sampled_from(["e0", "e1", "e2", "e3"])),
        ),
        st.tuples(
            st.just("enroll"),
            st.sampled_from(CUSTOMERS),
            st.integers(0, 2),  # target index (modulo)
            st.integers(-1, 4),  # period index (out of range: unknown name)
            st.one_of(st.none(), st.integers(0, 8)),
            st.booleans(),
        ),
        st.tuples(
            st.just("unenroll"),
            st.sampled_from(CUSTOMERS),
            st.integers(0, 2),
            st.integers(-1, 4),
        ),
    ),
    min_size=20,
    max_size=60,
)


def _engine_events(published: list[object]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for event in published:
        if isinstance(event, MilestoneReached):
            out.append(
                ("milestone", event.target_id, event.period_id, event.customer_id, event.value)
            )
        elif isinstance(event, StreakAchieved):
            out.append(
                ("achieved", event.target_id, event.period_id, event.customer_id, event.count)
            )
        elif isinstance(event, StreakBroken):
            out.append(("broken", event.target_id, event.period_id, event.customer_id, event.count))
    return out


def _compare(engine: Engine, model: Model) -> None:
    for spec in model.targets:
        for pid, *_ in model.periods:
            board = engine.target_leaderboard(ORG, GROUP, spec.id, period_id=pid, limit=50)
            got = [
                (row.rank, row.customer_id, row.achieved_value, row.last_activity_at)
                for row in board.rankings
            ]
            assert got == model.standings((spec.id, pid), spec.ties), (spec, pid)
            assert board.total == len(got)
        for customer in CUSTOMERS:
            if spec.streak:
                progress = engine.streak_progress(ORG, GROUP, spec.id, customer)
                entry = model.streaks.get((spec.id, customer))
                expected = (False, 0) if entry is None else (entry.enrolled, entry.count)
                assert (progress.enrolled, progress.count) == expected
                continue
            for pid, *_ in model.periods:
                milestone = engine.milestone_progress(ORG, GROUP, spec.id, customer, pid)
                entry = model.milestones.get((spec.id, pid, customer))
                want = (
                    (False, 0, False)
                    if entry is None
                    else (entry.enrolled, entry.value, entry.reached)
                )
                assert (milestone.enrolled, milestone.value, milestone.reached) == want


@settings(max_examples=200, deadline=None)
@given(layout=layouts, specs=target_specs, ops=operations)
def test_loyalty_matches_the_model(
    layout: list[tuple[int, int]],
    specs: list[tuple[bool, bool, int, int, str]],
    ops: list[tuple[Any, ...]],
) -> None:
    engine = Engine(clock=ManualClock(T0))
    engine.add_org(ORG, "Asia/Kolkata")
    for customer in CUSTOMERS:
        engine.add_customer(ORG, customer)
    engine.create_target_group(ORG, GROUP, "g")
    periods = []
    cursor = T0
    for index, (gap, length) in enumerate(layout):
        start = cursor + gap * STEP
        end = start + length * STEP
        cursor = end
        engine.add_period(ORG, GROUP, 100 + index, ref_code=f"r{index}", name=f"P{index}",
                          start=start, end=end)  # fmt: skip
        periods.append((100 + index, f"P{index}", start, end))
    targets = []
    for index, (streak, auto, value, length, ties) in enumerate(specs):
        spec = TargetSpec(500 + index, streak, auto, value, length, ties)
        engine.add_target(
            ORG, GROUP, spec.id, name=f"t{index}", type="STREAK" if streak else "MILESTONE",
            metric="m", value=value, streak_length=length if streak else None, ties=ties,
            enrollment="auto" if auto else "explicit",
        )  # fmt: skip
        targets.append(spec)
    model = Model(periods, targets)
    published: list[object] = []
    engine.subscribe(object, published.append)

    for op in ops:
        if op[0] == "advance":
            t = model.now + op[1] * STEP
            engine.advance_to(t)
            model.advance(t)
        elif op[0] == "activity":
            _, customer, value, late, event_id = op
            at = model.now - late * STEP
            expected = model.activity(customer, value, at, event_id)
            try:
                result = engine.record_activity(ORG, customer, "m", value, at=at, event_id=event_id)
            except RankcoreError as error:
                assert type(error) is expected, (error, expected)
            else:
                assert result.duplicate == (expected == "duplicate"), expected
        else:
            customer, spec = op[1], targets[op[2] % len(targets)]
            period = model.find_period(op[3])
            name = period[1] if period is not None else "unknown"
            try:
                if op[0] == "enroll":
                    expected = model.enroll(customer, spec, op[3], op[4], op[5])
                    engine.enroll(ORG, GROUP, spec.id, customer, period_name=name,
                                  initial_balance=op[4], reset_streak=op[5])  # fmt: skip
                else:
                    expected = model.unenroll(customer, spec, op[3])
                    engine.unenroll(ORG, GROUP, spec.id, customer, period_name=name)
            except RankcoreError as error:
                assert type(error) is expected, (error, expected)
            else:
                assert expected == "ok", expected
        assert sorted(_engine_events(published)) == sorted(model.events)
        _compare(engine, model)
