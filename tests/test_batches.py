"""Batches of activities (``Engine.record_activities``): a batch equals its activities
recorded one by one, refusals and duplicates included; a malformed batch changes nothing; a
batch is one journal record, replayed to the same state."""

from __future__ import annotations

import copy
import pickle
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore import (
    BatchResult,
    Engine,
    EventIdConflict,
    InvalidArgument,
    InvalidArgumentType,
    ManualClock,
    PeriodClosed,
    RankcoreError,
)
from rankcore.campaigns import (
    AwardBatchResult,
    AwardIntervalClosed,
    AwardResult,
    CampaignNotFound,
)
from rankcore.commands import MAX_BATCH
from rankcore.loyalty import ActivityResult, MilestoneReached, StreakAchieved
from rankcore.loyalty.errors import CustomerNotFound
from rankcore.loyalty.views import TargetUpdate

T0 = datetime(2024, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def world(clock: ManualClock, journal: Path | None = None) -> Engine:
    """Org 1 with customers 1 to 4; target group 10 with two daily periods (100, 101), a
    milestone on points (11, 10 points), a streak on visits (12, 2 a day, 2 days), and an
    explicit milestone on points (13) that nobody is enrolled in."""
    engine = Engine(clock=clock, journal=journal, fsync="never")
    engine.add_org(1, "UTC")
    for customer in (1, 2, 3, 4):
        engine.add_customer(1, customer)
    engine.create_target_group(1, 10, "group")
    engine.add_period(1, 10, 100, ref_code="d1", name="D1", start=T0, end=T0 + DAY)
    engine.add_period(1, 10, 101, ref_code="d2", name="D2", start=T0 + DAY, end=T0 + 2 * DAY)
    engine.add_target(1, 10, 11, name="m", type="MILESTONE", metric="points", value=10)
    engine.add_target(1, 10, 12, name="s", type="STREAK", metric="visits", value=2, streak_length=2)
    engine.add_target(
        1, 10, 13, name="x", type="MILESTONE", metric="points", value=5, enrollment="explicit"
    )
    return engine


def one_by_one(engine: Engine, activities: list[tuple[Any, ...]]) -> BatchResult:
    """The model: each activity through ``record_activity``, a refusal kept by position."""
    results: list[ActivityResult | None] = []
    refusals: list[tuple[int, RankcoreError]] = []
    for position, (customer, metric, value, at, event_id) in enumerate(activities):
        try:
            results.append(engine.record_activity(1, customer, metric, value, at, event_id))
        except RankcoreError as exc:
            results.append(None)
            refusals.append((position, exc))
    return BatchResult(tuple(results), tuple(refusals))


def described(result: BatchResult) -> tuple[object, ...]:
    """A batch result with its errors as (type, message): errors compare by identity."""
    return result.results, tuple((p, type(e), str(e)) for p, e in result.refusals)


activity = st.tuples(
    st.integers(1, 5),  # customer 5 does not exist
    st.sampled_from(["points", "visits", "other"]),
    st.one_of(st.integers(-3, 8), st.sampled_from([2.5, 0, 2**53])),
    st.one_of(st.none(), st.integers(0, 50 * 60).map(lambda m: T0 + timedelta(minutes=m))),
    st.one_of(st.none(), st.sampled_from(["a", "b", "c", 1, 2, "1"])),
)


@settings(max_examples=150, deadline=None)
@given(
    before=st.lists(activity, max_size=8),
    batch=st.lists(activity, max_size=25),
    after=st.lists(activity, max_size=8),
    hours=st.integers(1, 47),
)
def test_a_batch_equals_its_activities_one_by_one(
    before: list[tuple[Any, ...]],
    batch: list[tuple[Any, ...]],
    after: list[tuple[Any, ...]],
    hours: int,
) -> None:
    engines, published = [], []
    for _ in range(2):
        clock = ManualClock(T0)
        engine = world(clock)
        clock.set(T0 + timedelta(hours=min(hours, 23)))
        one_by_one(engine, before)  # the same history before the batch, on both
        engine.advance_to(T0 + timedelta(hours=hours))
        events: list[object] = []
        engine.subscribe(object, events.append)
        engines.append(engine)
        published.append(events)
    batched, model = engines
    got = batched.record_activities(1, batch)
    expected = one_by_one(model, batch)
    assert (got.counted, got.duplicates, got.changed) == (
        sum(1 for r in expected.results if r is not None and not r.duplicate),
        sum(1 for r in expected.results if r is not None and r.duplicate),
        any(r is not None and not r.duplicate for r in expected.results),
    )  # counted while the batch ran, before its results are first read
    assert described(got) == described(expected)
    assert published[0] == published[1]
    # what the batch remembered (event ids) answers later retries as the model does
    assert described(one_by_one(batched, after)) == described(one_by_one(model, after))
    assert batched.snapshot() == model.snapshot()


def test_literal_batch() -> None:
    """Values worked out by hand: a milestone of 10 points and a streak of 2 visits a day."""
    clock = ManualClock(T0 + DAY + timedelta(hours=1))
    engine = world(clock)
    reached: list[object] = []
    engine.subscribe(MilestoneReached, reached.append)
    engine.subscribe(StreakAchieved, reached.append)
    result = engine.record_activities(
        1,
        [
            (1, "points", 4, None, "e1"),
            {"customer": 1, "metric": "points", "value": 6, "event_id": "e2"},
            (1, "points", 4, None, "e1"),  # a retry: a duplicate
            (1, "points", 5, None, "e1"),  # the id reused for another payload
            (9, "points", 1),  # no such customer
            (2, "points", 1, T0 + timedelta(hours=2)),  # its period closed at T0 + 1 day
            (2, "visits", 1, T0 + DAY + timedelta(hours=2)),  # a time in the future
            [2, "visits", 1],
            (2, "visits", 1, T0 + DAY),
        ],
    )
    assert result.results[:3] == (
        ActivityResult(False, (TargetUpdate(11, 101, 4),)),
        ActivityResult(False, (TargetUpdate(11, 101, 10),)),
        ActivityResult(True),
    )
    assert result.results[3:7] == (None, None, None, None)
    assert result.results[7:] == (
        ActivityResult(False, (TargetUpdate(12, 101, 1, 0),)),
        ActivityResult(False, (TargetUpdate(12, 101, 2, 1),)),
    )
    assert [(p, type(e)) for p, e in result.refusals] == [
        (3, EventIdConflict),
        (4, CustomerNotFound),
        (5, PeriodClosed),
        (6, InvalidArgument),
    ]
    assert (result.counted, result.duplicates, result.changed) == (4, 1, True)
    assert [type(e) for e in reached] == [MilestoneReached]
    page = engine.target_leaderboard(1, 10, 11)
    assert [(r.customer_id, r.achieved_value) for r in page.rankings] == [(1, 10)]


def test_a_batch_result_is_a_value() -> None:
    """The engine's results are made when first read; they are then the same value as one
    built from its results: equal, with one hash, immutable, and copied or pickled whole."""
    engine = world(ManualClock(T0 + timedelta(hours=1)))
    got = engine.record_activities(
        1, [(1, "points", 4, None, "e"), (9, "points", 1), (1, "points", 4, None, "e")]
    )
    built = BatchResult(
        (ActivityResult(False, (TargetUpdate(11, 100, 4),)), None, ActivityResult(True)),
        got.refusals,
    )
    assert hash(got) == hash(built) and got == built
    assert (got.counted, got.duplicates, got.changed) == (1, 1, True)
    assert repr(got).startswith("BatchResult(results=(ActivityResult(duplicate=False")
    assert copy.copy(got) == got and copy.deepcopy(got).results == got.results
    assert pickle.loads(pickle.dumps(got)).results == got.results
    with pytest.raises(AttributeError):
        got.refusals = ()  # type: ignore[misc]
    assert got != AwardBatchResult(got.results, got.refusals)  # not the same kind of batch


@pytest.mark.parametrize(
    ("activities", "error", "words"),
    [
        ("points", InvalidArgumentType, "activities must be a list"),
        ([(1, "points", 1), 7], InvalidArgumentType, "activities[1]"),
        ([(1, "points")], InvalidArgumentType, "activities[0]"),
        ([(1, "points", True)], InvalidArgumentType, "activities[0].value"),
        ([(1, "points", 1), (-1, "points", 1)], InvalidArgument, "activities[1].customer"),
        ([(1, " ", 1)], InvalidArgument, "activities[0].metric"),
        ([(1, "points", 1, datetime(2024, 6, 1))], InvalidArgument, "activities[0].at"),
        ([(1, "points", 1, "2024-06-01")], InvalidArgumentType, "activities[0].at"),
        ([(1, "points", 1, None, "")], InvalidArgument, "activities[0].event_id"),
        ([(1, "points", 1, None, 2**64)], InvalidArgument, "activities[0].event_id"),
        ([(1, "points", float("nan"))], InvalidArgument, "activities[0].value"),
        ([{"customer": 1, "metric": "points"}], InvalidArgument, "no 'value'"),
        ([{"customer": 1, "metric": "p", "value": 1, "when": 0}], InvalidArgument, "'when'"),
    ],
)
def test_a_malformed_batch_changes_nothing(
    activities: Any, error: type[Exception], words: str
) -> None:
    engine = world(ManualClock(T0 + timedelta(hours=1)))
    before = engine.snapshot()
    with pytest.raises(error) as caught:
        engine.record_activities(1, activities)
    assert words in str(caught.value)
    assert engine.snapshot() == before


def test_threads_reading_a_new_batch_result_all_get_its_results() -> None:
    """The results are made by whichever thread reads first; threads that read at once
    (switched every microsecond) all get the same results."""
    for _ in range(5):
        engine = world(ManualClock(T0 + timedelta(hours=1)))
        got = engine.record_activities(1, [(1 + n % 4, "points", 1) for n in range(3000)])
        barrier = threading.Barrier(4)
        seen: list[object] = []

        def read(
            result: BatchResult = got,
            barrier: threading.Barrier = barrier,
            seen: list[object] = seen,
        ) -> None:
            barrier.wait()
            seen.append(result.results)

        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            threads = [threading.Thread(target=read) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            sys.setswitchinterval(interval)
        assert len(seen) == 4 and all(r == seen[0] for r in seen) and len(seen[0]) == 3000
        assert seen[0][-1] == ActivityResult(False, (TargetUpdate(11, 100, 750),))


def test_too_large_a_batch_is_refused() -> None:
    engine = world(ManualClock(T0 + timedelta(hours=1)))
    with pytest.raises(InvalidArgument, match="at most"):
        engine.record_activities(1, [(1, "points", 1)] * (MAX_BATCH + 1))
    assert engine.record_activities(1, []) == BatchResult((), ())


def test_a_batch_is_one_journal_record_and_replays(tmp_path: Path) -> None:
    journal = tmp_path / "j"
    clock = ManualClock(T0)
    engine = world(clock, journal)
    clock.set(T0 + DAY + timedelta(hours=3))
    lines = journal.read_bytes().count(b"\n")
    result = engine.record_activities(
        1,
        [(c, "points", c, T0 + DAY + timedelta(minutes=c), f"e{c}") for c in (1, 2, 3, 9)]
        + [(1, "visits", 1, None, 5), (1, "points", 1, T0, "late")],
    )
    assert [p for p, _ in result.refusals] == [3, 5]
    assert journal.read_bytes().count(b"\n") == lines + 1
    # nothing counted: nothing appended
    assert not engine.record_activities(1, [(9, "points", 1), (1, "points", 1, None, "e1")]).changed
    assert journal.read_bytes().count(b"\n") == lines + 1
    state = engine.snapshot()
    engine.close()
    again = Engine(journal=journal, clock=ManualClock(T0))
    assert again.snapshot() == state
    recovery = again.recovery
    assert recovery is not None and recovery.mutations == recovery.replayed - 1 + 6
    again.close()


def test_a_batch_counts_its_activities_towards_checkpoints(tmp_path: Path) -> None:
    journal = tmp_path / "j"
    clock = ManualClock(T0)
    engine = Engine(clock=clock, journal=journal, fsync="never", checkpoint_every=20)
    engine.add_org(1, "UTC")
    engine.add_customer(1, 1)
    engine.create_target_group(1, 10, "group")
    engine.add_period(1, 10, 100, ref_code="d1", name="D1", start=T0, end=T0 + DAY)
    engine.add_target(1, 10, 11, name="m", type="MILESTONE", metric="points", value=10)
    assert journal.read_bytes().count(b"\n") == 6  # the header and five records
    engine.record_activities(1, [(1, "points", 1, None, f"e{k}") for k in range(15)])
    assert journal.read_bytes().count(b"\n") == 1  # 20 mutations: a checkpoint, a fresh journal
    engine.record_activities(1, [(1, "points", 1, None, f"f{k}") for k in range(3)])
    state = engine.snapshot()
    engine.close()
    again = Engine(journal=journal, clock=ManualClock(T0))
    assert again.snapshot() == state
    assert again.recovery is not None
    assert (again.recovery.replayed, again.recovery.mutations) == (1, 3)
    again.close()


def test_replicas_apply_a_batch_as_one_log_entry(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    from servers import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    try:
        clock = ManualClock(T0 + timedelta(hours=1))
        first = Engine.connect(server.url, clock=clock)
        second = Engine.connect(server.url, clock=clock)
        first.add_org(1, "UTC")
        first.add_customer(1, 1)
        first.create_target_group(1, 10, "group")
        first.add_period(1, 10, 100, ref_code="d1", name="D1", start=T0, end=T0 + DAY)
        first.add_target(1, 10, 11, name="m", type="MILESTONE", metric="points", value=10)
        result = first.record_activities(1, [(1, "points", 4, None, "a"), (2, "points", 1)])
        assert [type(e) for _, e in result.refusals] == [CustomerNotFound]
        again = second.record_activities(1, [(1, "points", 4, None, "a"), (1, "points", 3)])
        assert again.results[0] == ActivityResult(True)
        first.sync()
        assert first.snapshot() == second.snapshot()
        assert first.milestone_progress(1, 10, 11, 1, 100).value == 7
        first.close()
        second.close()
    finally:
        server.stop()


@pytest.mark.parametrize(
    "at",
    [
        datetime(1969, 12, 31, 23, tzinfo=timezone(timedelta(hours=-2))),  # 1970-01-01T01Z
        datetime(1970, 1, 1, 3, tzinfo=ZoneInfo("Asia/Kolkata")),  # before 1970 in UTC
        datetime(2999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-3))),  # 3000 in UTC
        datetime(2999, 12, 31, 20, tzinfo=ZoneInfo("America/New_York")),
        T0 + timedelta(hours=2),
        (T0 + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Kolkata")),
    ],
)
def test_times_near_the_bounds_are_checked_as_one_by_one(at: datetime) -> None:
    """The batch's fast bound check (wall-clock time in the time's own zone) agrees with the
    exact one at the edges of 1970 and 3000, in zones east and west of UTC."""
    outcomes = []
    for record in ("batch", "one by one"):
        engine = world(ManualClock(T0 + timedelta(hours=3)))
        activities = [(1, "points", 1, at, None), (1, "points", 2, T0 + timedelta(hours=1), "e")]
        try:
            if record == "batch":
                outcome: object = described(engine.record_activities(1, activities))
            else:
                outcome = described(one_by_one(engine, activities))
        except RankcoreError as exc:
            outcome = (type(exc), "refused")  # the batch refuses a malformed time whole
        outcomes.append((outcome, engine.snapshot()))
    (batched, batched_state), (model, model_state) = outcomes
    if isinstance(batched, tuple) and batched[1:] == ("refused",):  # malformed: all refused
        assert batched_state == world(ManualClock(T0 + timedelta(hours=3))).snapshot()
        assert isinstance(model, tuple) and [p for p, _, _ in model[1]] == [0]
    else:
        assert batched == model and batched_state == model_state


# -- batches of campaign awards (Engine.award_many) -------------------------------------------


def campaign_world(clock: ManualClock, journal: Path | None = None) -> Engine:
    """Org 1 (UTC) with daily campaign ``c`` from T0 for three days, paying the top two, and
    org 2 with nothing."""
    engine = Engine(clock=clock, journal=journal, fsync="never")
    engine.add_org(1, "UTC")
    engine.add_org(2, "UTC")
    engine.create_campaign(
        1,
        recurrence="daily",
        start=T0,
        end=T0 + 3 * DAY,
        brackets=[
            {"position": "1", "reward_value": "gold"},
            {"position": "2", "reward_value": "silver"},
        ],
        campaign_id="c",
        activity_ids=["d1", "d2", "d3"],
    )
    return engine


def awards_one_by_one(engine: Engine, awards: list[tuple[Any, ...]]) -> AwardBatchResult:
    """The model: each award through ``award``, a refusal kept by position."""
    results: list[AwardResult | None] = []
    refusals: list[tuple[int, RankcoreError]] = []
    for position, (source_id, points, at, event_id) in enumerate(awards):
        try:
            results.append(engine.award("c", source_id, points, at, event_id=event_id, org=1))
        except RankcoreError as exc:
            results.append(None)
            refusals.append((position, exc))
    return AwardBatchResult(tuple(results), tuple(refusals))


def described_awards(result: AwardBatchResult) -> tuple[object, ...]:
    return result.results, tuple((p, type(e), str(e)) for p, e in result.refusals)


award = st.tuples(
    st.sampled_from(["s1", "s2", "s3", "s4"]),
    st.one_of(st.integers(-3, 8), st.sampled_from([2.5, 0, 2**53, -(2**53)])),
    st.one_of(st.none(), st.integers(-30, 60 * 60).map(lambda m: T0 + timedelta(minutes=m))),
    st.one_of(st.none(), st.sampled_from(["a", "b", "c", 1, 2, "1"])),
)
malformed_award = st.tuples(
    st.sampled_from(["s1", " ", "", 7]),  # blank, empty, not text
    st.sampled_from([1, float("nan"), True]),
    st.sampled_from([None, datetime(2024, 6, 1, 12)]),  # naive
    st.sampled_from([None, "", 2**64]),
)


@settings(max_examples=150, deadline=None)
@given(
    before=st.lists(st.one_of(award, malformed_award), max_size=8),
    batch=st.lists(award, max_size=25),
    after=st.lists(st.one_of(award, malformed_award), max_size=8),
    hours=st.integers(1, 70),
)
def test_an_award_batch_equals_its_awards_one_by_one(
    before: list[tuple[Any, ...]],
    batch: list[tuple[Any, ...]],
    after: list[tuple[Any, ...]],
    hours: int,
) -> None:
    engines = []
    for _ in range(2):
        clock = ManualClock(T0)
        engine = campaign_world(clock)
        clock.set(T0 + timedelta(hours=min(hours, 23)))
        awards_one_by_one(engine, before)  # the same history before the batch, on both
        engine.advance_to(T0 + timedelta(hours=hours))
        engines.append(engine)
    batched, model = engines
    got = batched.award_many("c", batch, org=1)
    expected = awards_one_by_one(model, batch)
    assert described_awards(got) == described_awards(expected)
    assert (got.counted, got.duplicates, got.changed) == (
        sum(1 for r in expected.results if r is not None and not r.duplicate),
        sum(1 for r in expected.results if r is not None and r.duplicate),
        any(r is not None and not r.duplicate for r in expected.results),
    )
    # what the batch remembered (event ids) answers later retries as the model does
    later = (awards_one_by_one(batched, after), awards_one_by_one(model, after))
    assert described_awards(later[0]) == described_awards(later[1])
    assert batched.snapshot() == model.snapshot()


def test_literal_award_batch() -> None:
    """Values worked out by hand on the first day's interval."""
    engine = campaign_world(ManualClock(T0 + DAY + timedelta(hours=1)))
    result = engine.award_many(
        "c",
        [
            ("s1", 4, T0 + DAY, "e1"),
            {"source_id": "s2", "points": 6, "event_id": "e2"},
            ("s1", 4, T0 + DAY, "e1"),  # a retry: a duplicate
            ("s1", 5, None, "e1"),  # the id reused for another payload
            ("s3", 1, T0 + timedelta(hours=2)),  # the first day closed at T0 + 1 day
            ("s3", 1, T0 + DAY + timedelta(hours=2)),  # a time in the future
            ["s1", 3],
        ],
        org=1,
    )
    got = [
        None if r is None else (r.source_id, r.activity_id, r.duplicate, r.standing)
        for r in result.results
    ]
    assert [None if g is None else g[:3] for g in got] == [
        ("s1", "d2", False),
        ("s2", "d2", False),
        ("s1", "d2", True),
        None,
        None,
        None,
        ("s1", "d2", False),
    ]
    standings = [None if g is None else g[3] for g in got]
    assert [(s.score, s.rank) for s in standings if s is not None] == [
        (4, 1),
        (6, 1),
        (4, 2),
        (7, 1),
    ]
    assert [(p, type(e)) for p, e in result.refusals] == [
        (3, EventIdConflict),
        (4, AwardIntervalClosed),
        (5, InvalidArgument),
    ]
    assert (result.counted, result.duplicates, result.changed) == (3, 1, True)
    rows = engine.campaign_page(1, "c", 1)
    assert [(row.source_id, row.points, row.reward) for row in rows] == [
        ("s1", 7, "gold"),
        ("s2", 6, "silver"),
    ]


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda e: e.award_many("c", "s1"), InvalidArgumentType, "awards must be a list"),
        (lambda e: e.award_many("c", [("s1", 1), 7]), InvalidArgumentType, "awards[1]"),
        (lambda e: e.award_many("c", [("s1", 1), (" ", 1)]), InvalidArgument, "awards[1].source"),
        (lambda e: e.award_many("c", [("s1", True)]), InvalidArgumentType, "awards[0].points"),
        (lambda e: e.award_many("c", [("s", float("inf"))]), InvalidArgument, "awards[0].points"),
        (
            lambda e: e.award_many("c", [("s1", 1, datetime(2024, 6, 1, 2))]),
            InvalidArgument,
            "awards[0].at",
        ),
        (lambda e: e.award_many("c", [("s1", 1, None, "")]), InvalidArgument, "awards[0].event"),
        (lambda e: e.award_many("c", [("s1",)]), InvalidArgumentType, "awards[0]"),
        (lambda e: e.award_many("c", [{"source_id": "s1"}]), InvalidArgument, "no 'points'"),
        (lambda e: e.award_many("c", [{"points": 1, "who": 2}]), InvalidArgument, "'who'"),
        (lambda e: e.award_many("c", [("s1", 1)] * 10_001), InvalidArgument, "at most"),
        (lambda e: e.award_many("nope", [("s1", 1)]), CampaignNotFound, "nope"),
        (lambda e: e.award_many("c", [("s1", 1)], org=2), CampaignNotFound, "c"),
    ],
)
def test_a_malformed_award_batch_changes_nothing(
    call: Any, error: type[Exception], words: str
) -> None:
    engine = campaign_world(ManualClock(T0 + timedelta(hours=1)))
    before = engine.snapshot()
    with pytest.raises(error) as caught:
        call(engine)
    assert words in str(caught.value)
    assert engine.snapshot() == before


def test_an_award_batch_is_one_journal_record_and_replays(tmp_path: Path) -> None:
    journal = tmp_path / "j"
    clock = ManualClock(T0)
    engine = campaign_world(clock, journal)
    clock.set(T0 + DAY + timedelta(hours=3))
    engine.tick()  # the first day closes (a record of its own)
    lines = journal.read_bytes().count(b"\n")
    result = engine.award_many(
        "c",
        [(f"s{k}", k, T0 + DAY + timedelta(minutes=k), f"e{k}") for k in (1, 2, 3)]
        + [("s1", 1, T0, "late"), ("s2", 2, None, 5)],
        org=1,
    )
    assert [p for p, _ in result.refusals] == [3]
    assert journal.read_bytes().count(b"\n") == lines + 1
    # nothing counted: nothing appended
    assert not engine.award_many("c", [("s1", 1, T0 + DAY + timedelta(minutes=1), "e1")]).changed
    assert journal.read_bytes().count(b"\n") == lines + 1
    state = engine.snapshot()
    engine.close()
    again = Engine(journal=journal, clock=ManualClock(T0))
    assert again.snapshot() == state
    recovery = again.recovery
    assert recovery is not None and recovery.mutations == recovery.replayed - 1 + 5
    # the replayed ids still answer retries
    retry = again.award("c", "s2", 2, T0 + DAY + timedelta(minutes=2), event_id="e2")
    assert retry.duplicate
    again.close()


@settings(max_examples=40, deadline=None)
@given(batches=st.lists(st.lists(award, max_size=12), max_size=4), hours=st.integers(1, 70))
def test_award_batches_replay_to_the_same_state(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[tuple[Any, ...]]], hours: int
) -> None:
    journal = tmp_path_factory.mktemp("awards") / "j"
    clock = ManualClock(T0)
    engine = campaign_world(clock, journal)
    for step, batch in enumerate(batches):
        clock.set(T0 + timedelta(hours=min(hours, 23) + step))
        engine.award_many("c", batch, org=1)
    engine.advance_to(T0 + 4 * DAY)  # a recorded time: the snapshot holds the engine's time
    state = engine.snapshot()
    engine.close()
    again = Engine(journal=journal, clock=ManualClock(T0))
    assert again.snapshot() == state
    again.close()
