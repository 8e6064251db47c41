"""Loyalty domain: the seed samples, enrollment rules, milestones, streaks and refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rankcore import Engine, InvalidArgument, InvalidArgumentType, ManualClock
from rankcore.loyalty import (
    NOT_CAPTURED,
    AlreadyEnrolled,
    ConnectedOrgsNotSet,
    CustomerNotFound,
    InvalidInput,
    LeaderboardNotEnabled,
    LeaderboardsNotEnabled,
    MilestoneReached,
    NotEnrolled,
    PeriodClosed,
    Scope,
    ScopeAllNotSupported,
    StreakAchieved,
    StreakBroken,
    TargetGroupNotFound,
    TargetNotFound,
    TargetNotInGroup,
    TargetPeriodNotFound,
    TargetPeriodNotFoundForTarget,
    TargetType,
)

IST = ZoneInfo("Asia/Kolkata")
T0 = datetime(2024, 6, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _world(*, ties: str = "competition") -> tuple[Engine, list[object]]:
    """Org 1 with customers 1..4; group 10 with three 10-hour periods; milestone target 100
    (points >= 5, auto) and streak target 200 (visits >= 2 per period, length 2, auto)."""
    engine = Engine(clock=ManualClock(T0))
    engine.add_org(1, "UTC")
    for customer in (1, 2, 3, 4):
        engine.add_customer(1, customer, first_name=f"c{customer}")
    engine.create_target_group(1, 10, "Group")
    for index in range(3):
        engine.add_period(
            1,
            10,
            1000 + index,
            ref_code=f"ref{index}",
            name=f"P{index}",
            start=T0 + index * 10 * HOUR,
            end=T0 + (index + 1) * 10 * HOUR,
        )
    engine.add_target(1, 10, 100, name="m", type="MILESTONE", metric="points", value=5, ties=ties)
    engine.add_target(
        1, 10, 200, name="s", type=TargetType.STREAK, metric="visits", value=2, streak_length=2
    )
    events: list[object] = []
    engine.subscribe(object, events.append)
    return engine, events


def _rows(engine: Engine, target: int, period: int) -> list[tuple[int, int, object]]:
    board = engine.target_leaderboard(1, 10, target, period_id=period, limit=100)
    return [(row.rank, row.customer_id, row.achieved_value) for row in board.rankings]


# -- seed 000: the leaderboard sample ---------------------------------------------------------


def test_seed_leaderboard_sample_is_reproduced() -> None:
    clock = ManualClock(datetime(2024, 6, 24, 17, 37, tzinfo=IST))
    engine = Engine(clock=clock)
    engine.add_org(50156, "Asia/Kolkata")
    people = [
        (381329844, "918828069049", datetime(2022, 11, 25, 21, 44, 40, tzinfo=IST)),
        (381332324, "918969294257", datetime(2022, 11, 29, 0, 14, 48, tzinfo=IST)),
        (381333386, "918424528743", datetime(2022, 11, 29, 13, 48, 28, tzinfo=IST)),
    ]
    for customer, mobile, _ in people:
        engine.add_customer(
            50156,
            customer,
            first_name=f"Emf_fname_{mobile}",
            last_name=f"Emf_lname_{mobile}",
            mobile=mobile,
            email="someone@example.com",
            gender="Male",
        )
    engine.create_target_group(50156, 232, "Target")
    engine.add_period(
        50156,
        232,
        243,
        ref_code="target_period",
        name="PERIOD_G_29463_1",
        start=datetime(2022, 11, 1, tzinfo=IST),
        end=datetime(2025, 1, 1, tzinfo=IST),
    )
    engine.add_target(
        50156, 232, 366, name="target1", type="MILESTONE", metric="points", value=21000,
        ties="ordinal",
    )  # fmt: skip
    # Late events, in the reverse of their times: ranks must follow the activity times.
    for customer, _, at in reversed(people):
        engine.record_activity(50156, customer, "points", 20000, at=at - HOUR)
        engine.record_activity(50156, customer, "points", 1000, at=at, event_id=f"e{customer}")
    board = engine.target_leaderboard(50156, 232, 366, period_id=243, offset=0, limit=3)
    assert (board.target_group_id, board.target_group_name) == (232, "Target")
    assert (board.period.id, board.period.ref_code) == (243, "target_period")
    assert (board.target_id, board.target_name, board.total) == (366, "target1", 3)
    assert board.last_sync_time == datetime(2024, 6, 24, 17, 37, tzinfo=IST)
    assert board.last_sync_time.utcoffset() == timedelta(hours=5, minutes=30)
    got = [
        (row.rank, row.customer_id, row.achieved_value, row.last_activity_at)
        for row in board.rankings
    ]
    assert got == [(rank, c, 21000, at) for rank, (c, _, at) in enumerate(people, start=1)]
    first = board.rankings[0].profile
    assert first.reported("birthday") == NOT_CAPTURED
    assert first.reported("anniversary") == NOT_CAPTURED
    assert first.reported("mobile") == "918828069049"
    assert first.reported("first_name") == "Emf_fname_918828069049"
    # Without periodId, the current period is used.
    assert engine.target_leaderboard(50156, 232, 366, limit=1).period.id == 243


def test_leaderboard_refusals_in_seed_order() -> None:
    engine, _ = _world()
    engine.add_org(2, "UTC", leaderboards=False)
    engine.create_target_group(2, 20, "Other org")
    engine.create_target_group(1, 11, "No board", leaderboard=False)
    engine.create_target_group(1, 12, "Inactive", active=False)
    with pytest.raises(LeaderboardsNotEnabled) as caught:
        engine.target_leaderboard(2, 20, 100)
    assert caught.value.code == 310133 and caught.value.orgs == (2,)
    assert caught.value.message == "Leaderboards are not enabled for the following orgs"
    for group in (99, 12, 20):  # unknown, inactive, other org's: all "not found"
        with pytest.raises(TargetGroupNotFound) as not_found:
            engine.target_leaderboard(1, group, 100)
        assert not_found.value.code == 310017
    with pytest.raises(LeaderboardNotEnabled):
        engine.target_leaderboard(1, 11, 100)
    with pytest.raises(TargetNotInGroup):
        engine.target_leaderboard(1, 10, 999)
    with pytest.raises(TargetPeriodNotFoundForTarget):
        engine.target_leaderboard(1, 10, 100, period_id=9999)
    engine.advance_to(T0 + 40 * HOUR)  # after the last period: no current period
    with pytest.raises(TargetPeriodNotFoundForTarget):
        engine.target_leaderboard(1, 10, 100)
    with pytest.raises(InvalidArgument):
        engine.target_leaderboard(1, 10, 100, period_id=1000, offset=-1)


def test_leaderboard_paging_and_tie_policies() -> None:
    engine, _ = _world(ties="competition")
    for customer, points in [(1, 4), (2, 3), (3, 4), (4, 1)]:
        engine.advance_to(T0 + customer * HOUR)
        engine.record_activity(1, customer, "points", points)
    assert _rows(engine, 100, 1000) == [(1, 1, 4), (1, 3, 4), (3, 2, 3), (4, 4, 1)]
    page = engine.target_leaderboard(1, 10, 100, period_id=1000, offset=1, limit=2)
    assert [(r.rank, r.customer_id) for r in page.rankings] == [(1, 3), (3, 2)]
    assert page.total == 4 and (page.offset, page.limit) == (1, 2)


# -- activities -------------------------------------------------------------------------------


def test_milestone_accumulates_per_period_and_fires_once() -> None:
    engine, events = _world()
    engine.advance_to(T0 + HOUR)
    engine.record_activity(1, 1, "points", 3)
    result = engine.record_activity(1, 1, "points", 3, event_id="x")
    assert result.updates[0].achieved_value == 6 and not result.duplicate
    assert engine.record_activity(1, 1, "points", 3, event_id="x").duplicate
    engine.record_activity(1, 1, "points", 3)
    reached = [e for e in events if isinstance(e, MilestoneReached)]
    assert [(e.customer_id, e.period_id, e.value) for e in reached] == [(1, 1000, 6)]
    engine.advance_to(T0 + 11 * HOUR)
    engine.record_activity(1, 1, "points", 1)  # a new period starts from 0
    assert engine.milestone_progress(1, 10, 100, 1, 1001).value == 1
    assert engine.milestone_progress(1, 10, 100, 1, 1000).value == 9


def test_activity_in_closed_period_is_refused_and_changes_nothing() -> None:
    engine, events = _world()
    engine.advance_to(T0 + 12 * HOUR)
    with pytest.raises(PeriodClosed):
        engine.record_activity(1, 1, "points", 5, at=T0 + 9 * HOUR, event_id="late")
    # Not recorded as seen: a valid retry in the open period counts.
    assert not engine.record_activity(
        1, 1, "points", 5, at=T0 + 11 * HOUR, event_id="late"
    ).duplicate
    assert engine.milestone_progress(1, 10, 100, 1, 1000).known is False
    with pytest.raises(InvalidArgument):
        engine.record_activity(1, 1, "points", 1, at=T0 + 13 * HOUR)  # the future
    with pytest.raises(CustomerNotFound):
        engine.record_activity(1, 77, "points", 1)
    with pytest.raises(InvalidArgumentType):
        engine.record_activity(1, 1, "points", True)
    with pytest.raises(InvalidArgument):
        engine.record_activity(1, 1, "points", float("nan"))
    assert [type(e) for e in events] == [MilestoneReached]


def test_activity_outside_every_period_counts_nowhere() -> None:
    engine, _ = _world()
    engine.advance_to(T0 + 31 * HOUR)
    result = engine.record_activity(1, 1, "points", 5)
    assert result.updates == () and not result.duplicate


def test_streak_counts_breaks_and_achieves() -> None:
    engine, events = _world()
    engine.advance_to(T0 + HOUR)
    engine.record_activity(1, 1, "visits", 1)
    engine.record_activity(1, 2, "visits", 2)
    assert engine.streak_progress(1, 10, 200, 1).count == 0
    engine.record_activity(1, 1, "visits", 1)
    assert engine.streak_progress(1, 10, 200, 1).count == 1
    # Equal counts: customer 2 reached its count first (same activity time, earlier write);
    # target ties default to ordinal, as Capillary ranks them.
    assert _rows(engine, 200, 1000) == [(1, 2, 1), (2, 1, 1)]
    engine.advance_to(T0 + 11 * HOUR)  # P0 closed: both reached, nobody breaks
    assert not [e for e in events if isinstance(e, StreakBroken)]
    engine.record_activity(1, 1, "visits", 2)
    achieved = [e for e in events if isinstance(e, StreakAchieved)]
    assert [(e.customer_id, e.count, e.period_id) for e in achieved] == [(1, 2, 1001)]
    engine.record_activity(1, 2, "visits", 1)  # customer 2 falls short in P1
    engine.advance_to(T0 + 20 * HOUR)
    broken = [e for e in events if isinstance(e, StreakBroken)]
    assert [(e.customer_id, e.count, e.period_id, e.at) for e in broken] == [
        (2, 1, 1001, T0 + 20 * HOUR)
    ]
    assert engine.streak_progress(1, 10, 200, 2).count == 0
    assert _rows(engine, 200, 1001) == [(1, 1, 2), (2, 2, 0)]
    engine.advance_to(T0 + 30 * HOUR)  # P2 without activity: customer 1 breaks too
    assert engine.streak_progress(1, 10, 200, 1).count == 0


# -- enrollment (seed 002) --------------------------------------------------------------------


def _explicit_world() -> tuple[Engine, list[object]]:
    engine, events = _world()
    engine.add_target(
        1, 10, 300, name="em", type="MILESTONE", metric="spend", value=10, enrollment="explicit"
    )
    engine.add_target(
        1, 10, 400, name="es", type="STREAK", metric="spend", value=3, streak_length=2,
        enrollment="explicit",
    )  # fmt: skip
    return engine, events


def test_enrollment_errors_carry_the_seed_codes() -> None:
    engine, _ = _explicit_world()
    engine.add_org(2, "UTC", connected=[1])
    engine.add_org(3, "UTC")
    engine.create_target_group(1, 13, "Inactive", active=False)
    cases: list[tuple[type[Exception], int, dict[str, object]]] = [
        (TargetGroupNotFound, 310017, {"group_id": 99}),
        (TargetGroupNotFound, 310017, {"group_id": 13}),
        (TargetNotFound, 310018, {"target_id": 999}),
        (CustomerNotFound, 310011, {"customer_id": 42}),
        (TargetPeriodNotFound, 310019, {"period_name": "nope"}),
        (InvalidInput, 300004, {"period_name": None}),
        (ScopeAllNotSupported, 310141, {"org": Scope.all_connected(1)}),
        (ConnectedOrgsNotSet, 310144, {"org": Scope.other(1, [3])}),
        (ConnectedOrgsNotSet, 310144, {"org": Scope(1, "OTHER")}),
    ]
    for error, code, override in cases:
        call: dict[str, object] = {
            "org": 1,
            "group_id": 10,
            "target_id": 300,
            "customer_id": 1,
            "period_name": "P0",
        } | override
        with pytest.raises(error) as caught:
            engine.enroll(
                call["org"],  # type: ignore[arg-type]
                call["group_id"],  # type: ignore[arg-type]
                call["target_id"],  # type: ignore[arg-type]
                call["customer_id"],  # type: ignore[arg-type]
                period_name=call["period_name"],  # type: ignore[arg-type]
            )
        assert caught.value.code == code  # type: ignore[attr-defined]
    engine.enroll(1, 10, 300, 1, period_name="P0")
    with pytest.raises(AlreadyEnrolled) as again:
        engine.enroll(1, 10, 300, 1, period_name="P0")
    assert again.value.code == 310119
    assert again.value.message == "User already enrolled for the target"
    assert ScopeAllNotSupported.message == "Datascope 'ALL' is not supported for this 'API"


def test_explicit_targets_count_only_enrolled_customers() -> None:
    engine, _ = _explicit_world()
    engine.advance_to(T0 + HOUR)
    assert engine.record_activity(1, 1, "spend", 4).updates == ()
    engine.enroll(1, 10, 300, 1, period_name="P0")
    assert _rows(engine, 300, 1000) == [(1, 1, 0)]
    engine.record_activity(1, 1, "spend", 4)
    assert engine.milestone_progress(1, 10, 300, 1, 1000).value == 4


def test_milestone_reenroll_resumes_or_takes_initial_balance() -> None:
    engine, events = _explicit_world()
    engine.advance_to(T0 + HOUR)
    engine.enroll(1, 10, 300, 1, period_name="P0", initial_balance=3)
    engine.record_activity(1, 1, "spend", 4)
    status = engine.unenroll(1, 10, 300, 1, period_name="P0")
    assert not status.enrolled and status.value == 7
    assert _rows(engine, 300, 1000) == []
    engine.record_activity(1, 1, "spend", 100)  # unenrolled: accrues nothing
    with pytest.raises(NotEnrolled):
        engine.unenroll(1, 10, 300, 1, period_name="P0")
    status = engine.enroll(1, 10, 300, 1, period_name="P0")
    assert status.reenrolled and status.value == 7
    engine.unenroll(1, 10, 300, 1, period_name="P0")
    status = engine.enroll(1, 10, 300, 1, period_name="P0", initial_balance=12)
    assert status.value == 12 and _rows(engine, 300, 1000) == [(1, 1, 12)]
    reached = [e for e in events if isinstance(e, MilestoneReached)]
    assert [(e.target_id, e.value) for e in reached] == [(300, 12)]
    # Enrolling into a future period works; into a closed one does not.
    engine.enroll(1, 10, 300, 2, period_name="P2", initial_balance=1)
    engine.advance_to(T0 + 11 * HOUR)
    with pytest.raises(PeriodClosed):
        engine.enroll(1, 10, 300, 2, period_name="P0")


def test_streak_reenroll_continues_or_resets() -> None:
    engine, events = _explicit_world()
    engine.advance_to(T0 + HOUR)
    engine.enroll(1, 10, 400, 1)
    engine.enroll(1, 10, 400, 2, period_name="ignored for streaks")
    for customer in (1, 2):
        engine.record_activity(1, customer, "spend", 3)
    engine.unenroll(1, 10, 400, 1)
    engine.unenroll(1, 10, 400, 2)
    assert _rows(engine, 400, 1000) == []
    engine.advance_to(T0 + 21 * HOUR)  # two closes while unenrolled: streaks are frozen
    assert not [e for e in events if isinstance(e, StreakBroken)]
    assert engine.enroll(1, 10, 400, 1, reset_streak=False).value == 1
    assert engine.enroll(1, 10, 400, 2, reset_streak=True).value == 0
    for customer in (1, 2):
        engine.record_activity(1, customer, "spend", 3)
    assert _rows(engine, 400, 1002) == [(1, 1, 2), (2, 2, 1)]
    achieved = [e for e in events if isinstance(e, StreakAchieved)]
    assert [(e.customer_id, e.count) for e in achieved] == [(1, 2)]
    with pytest.raises(AlreadyEnrolled):
        engine.enroll(1, 10, 400, 1)


# -- customers, periods, targets ------------------------------------------------------------


def test_profile_fields_and_not_captured() -> None:
    engine, _ = _world()
    customer = engine.add_customer(1, 9, gender="Female", birthday=date(1990, 2, 3))
    assert customer.profile.reported("birthday") == "1990-02-03"
    assert customer.profile.reported("email") == NOT_CAPTURED
    assert dict(customer.profile.items())["gender"] == "Female"
    with pytest.raises(InvalidArgument):
        engine.add_customer(1, 9)
    with pytest.raises(InvalidArgumentType):
        engine.add_customer(1, 10, mobile=918828069049)  # type: ignore[arg-type]


def test_period_and_target_definitions_are_checked() -> None:
    engine, _ = _world()
    with pytest.raises(InvalidArgument, match="overlaps"):
        engine.add_period(
            1, 10, 1009, ref_code="r", name="X", start=T0 + 5 * HOUR, end=T0 + 15 * HOUR
        )
    with pytest.raises(InvalidArgument, match="already"):
        engine.add_period(
            1, 10, 1000, ref_code="r", name="X", start=T0 + 50 * HOUR, end=T0 + 51 * HOUR
        )
    with pytest.raises(InvalidArgument, match="before end"):
        engine.add_period(1, 10, 1009, ref_code="r", name="X", start=T0, end=T0)
    with pytest.raises(InvalidArgument, match="naive"):
        engine.add_period(
            1, 10, 1009, ref_code="r", name="X",
            start=datetime(2030, 1, 1), end=datetime(2030, 1, 2),
        )  # fmt: skip
    with pytest.raises(InvalidArgument, match="streak_length"):
        engine.add_target(1, 10, 500, name="s", type="STREAK", metric="m", value=1)
    with pytest.raises(InvalidArgument, match="ties"):
        engine.add_target(1, 10, 500, name="s", type="MILESTONE", metric="m", value=1, ties="x")
    with pytest.raises(InvalidArgument, match="already"):
        engine.add_target(1, 10, 100, name="s", type="MILESTONE", metric="m", value=1)
    assert [p.id for p in engine.periods(1, 10)] == [1000, 1001, 1002]
    assert [t.id for t in engine.targets(1, 10)] == [100, 200]
    current = engine.current_period(1, 10)
    assert current is not None and current.id == 1000


def test_period_added_after_its_end_is_born_closed() -> None:
    engine, events = _world()
    engine.advance_to(T0 + 5 * HOUR)
    engine.record_activity(1, 1, "visits", 2)
    engine.create_target_group(1, 14, "Late")
    engine.add_period(1, 14, 1400, ref_code="r", name="old", start=T0, end=T0 + 2 * HOUR)
    engine.add_target(1, 14, 1401, name="m", type="MILESTONE", metric="visits", value=1)
    with pytest.raises(PeriodClosed):
        engine.record_activity(1, 1, "visits", 1, at=T0 + HOUR)
    engine.tick()
    assert not [e for e in events if isinstance(e, StreakBroken)]


def test_deactivated_group_counts_nothing_and_is_frozen() -> None:
    engine, events = _world()
    engine.advance_to(T0 + HOUR)
    engine.record_activity(1, 1, "visits", 2)
    engine.set_target_group_active(1, 10, False)
    assert engine.record_activity(1, 1, "points", 9).updates == ()
    engine.advance_to(T0 + 25 * HOUR)
    assert not [e for e in events if isinstance(e, StreakBroken)]
    engine.set_target_group_active(1, 10, True)
    assert engine.streak_progress(1, 10, 200, 1).count == 1
