"""Bad input is a clear RankcoreError in the caller's terms and changes nothing; whatever is
accepted can be persisted (the snapshot is UTF-8 JSON) — ids, text, time zones, enums, event
ids and their memory, clocks, iteration, and the Capillary fidelity of target leaderboards."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore import (
    AwardRefused,
    Engine,
    InvalidArgument,
    InvalidArgumentType,
    Leaderboard,
    ManualClock,
    Order,
    Recurrence,
    Scope,
    ScopeKind,
    TiePolicy,
)
from rankcore.campaigns import AwardTooLate
from rankcore.errors import ClockError, EventIdConflict, RankcoreError
from rankcore.loyalty import EnrollmentMode, TargetType
from rankcore.timeline.clock import check_clock, is_clock, read_clock
from rankcore.timeline.recurrence import Schedule
from rankcore.validate import check_id, check_text, check_zone, parse_enum

T0 = datetime(2024, 6, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
LONE = json.loads('"\\ud800"')  # a lone surrogate, as JSON can deliver it
HUGE = 10**5000  # past the interpreter's 4,300-digit str() limit


def world() -> Engine:
    """Org 1 (customer 1, group 10 with period 100 over the day, milestone 11 on points,
    ordinal by default) and a daily and a campaign_duration campaign."""
    engine = Engine(clock=ManualClock(T0 + HOUR))
    engine.add_org(1, "Asia/Kolkata")
    engine.add_customer(1, 1, first_name="Ann")
    engine.add_customer(1, 2, first_name="Bob")
    engine.create_target_group(1, 10, "group")
    engine.add_period(1, 10, 100, ref_code="d0", name="D0", start=T0, end=T0 + 24 * HOUR)
    engine.add_target(1, 10, 11, name="m", type="MILESTONE", metric="points", value=10)
    engine.create_campaign(1, recurrence="daily", start=T0, end=T0 + 72 * HOUR, campaign_id="day")
    engine.create_campaign(
        1, recurrence="campaign_duration", start=T0, end=T0 + 30 * 24 * HOUR, campaign_id="run"
    )
    return engine


def refused(
    engine: Engine, call: Callable[[Engine], object], error: type[Exception], words: str
) -> None:
    """``call`` raises ``error`` mentioning ``words``, and the engine's state is unchanged
    and still savable."""
    before = engine.snapshot()
    with pytest.raises(error, match=words):
        call(engine)
    assert engine.snapshot() == before


# -- 1. text ------------------------------------------------------------------------------------

TEXT_FIELDS: list[tuple[str, Callable[[Engine], object]]] = [
    ("name", lambda e: e.create_badge_group(1, LONE, 1, user=1)),
    ("source_id", lambda e: e.register(1, LONE)),
    ("source_id", lambda e: e.award("day", f"a{LONE}", 1)),
    ("campaign_id", lambda e: e.create_campaign(1, recurrence="daily", start=T0,
                                                end=T0 + HOUR, campaign_id=LONE)),
    ("activity", lambda e: e.create_campaign(1, recurrence="daily", start=T0, end=T0 + HOUR,
                                             activity_ids=[LONE])),
    ("event_id", lambda e: e.award("day", "a", 1, event_id=LONE)),
    ("event_id", lambda e: e.record_activity(1, 1, "points", 1, event_id=LONE)),
    ("name", lambda e: e.create_target_group(1, 20, LONE)),
    ("ref_code", lambda e: e.add_period(1, 10, 101, ref_code=LONE, name="D1",
                                        start=T0 + 24 * HOUR, end=T0 + 48 * HOUR)),
    ("name", lambda e: e.add_period(1, 10, 101, ref_code="d1", name=LONE,
                                    start=T0 + 24 * HOUR, end=T0 + 48 * HOUR)),
    ("name", lambda e: e.add_target(1, 10, 12, name=LONE, type="MILESTONE", metric="p",
                                    value=1)),
    ("metric", lambda e: e.add_target(1, 10, 12, name="t", type="MILESTONE", metric=LONE,
                                      value=1)),
    ("metric", lambda e: e.record_activity(1, 1, LONE, 1)),
    ("reward_value", lambda e: e.create_campaign(1, recurrence="daily", start=T0,
        end=T0 + HOUR, brackets=[{"position": "1", "reward_value": LONE}])),
    *[
        (field, lambda e, field=field: e.add_customer(1, 3, **{field: f"x{LONE}y"}))
        for field in ("first_name", "last_name", "mobile", "email", "gender", "birthday")
    ],
]  # fmt: skip


@pytest.mark.parametrize(("field", "call"), TEXT_FIELDS)
def test_a_lone_surrogate_in_any_text_field_is_refused_naming_it(
    field: str, call: Callable[[Engine], object]
) -> None:
    refused(world(), call, InvalidArgument, field)


def test_text_is_bounded_and_the_seeds_values_fit() -> None:
    engine = world()
    refused(engine, lambda e: e.award("day", "s" * 257, 1), InvalidArgument, "at most 256")
    refused(engine, lambda e: e.create_target_group(1, 20, "n" * 1025), InvalidArgument, "1024")
    refused(engine, lambda e: e.add_customer(1, 3, email="e" * 1025), InvalidArgument, "email")
    refused(engine, lambda e: e.award("day", "   ", 1), InvalidArgument, "blank")
    engine.award("day", "KMN@123", 4, event_id="s" * 256)
    engine.add_customer(1, 381329844, first_name="Emf_fname_918828069049", mobile="918828069049",
                        email="\u00e9l\u00e8ve@example.com", gender="Male")  # fmt: skip
    json.loads(engine.snapshot().split(b"\n")[1].decode("utf-8"))
    with pytest.raises(InvalidArgumentType, match="flag"):
        check_text(5, "flag")


# -- 2. ids -------------------------------------------------------------------------------------

ID_FIELDS: list[tuple[str, Callable[[Engine, Any], object]]] = [
    ("org_id", lambda e, v: e.add_org(v)),
    ("connected", lambda e, v: e.add_org(5, connected=[v])),
    ("customer_id", lambda e, v: e.add_customer(1, v)),
    ("group_id", lambda e, v: e.create_target_group(1, v, "g")),
    ("period_id", lambda e, v: e.add_period(1, 10, v, ref_code="d1", name="D1",
                                            start=T0 + 24 * HOUR, end=T0 + 48 * HOUR)),
    ("target_id", lambda e, v: e.add_target(1, 10, v, name="t", type="MILESTONE", metric="p",
                                            value=1)),
    ("streak_length", lambda e, v: e.add_target(1, 10, 12, name="t", type="STREAK",
                                                metric="p", value=1, streak_length=v)),
    ("rank", lambda e, v: e.create_badge_group(1, "G", v, user=1)),
    ("user", lambda e, v: e.create_badge_group(1, "G", 1, user=v)),
    ("retention", lambda e, v: e.create_campaign(1, recurrence="daily", start=T0,
                                                 end=T0 + HOUR, retention=v)),
    ("actor", lambda e, v: e.record_activity(Scope(v), 1, "points", 1)),
]  # fmt: skip


@pytest.mark.parametrize(("field", "call"), ID_FIELDS)
@pytest.mark.parametrize(
    ("value", "error"),
    [
        (True, InvalidArgumentType),
        (1.0, InvalidArgumentType),
        ("7", InvalidArgumentType),
        (-1, InvalidArgument),
        (2**63, InvalidArgument),
        (HUGE, InvalidArgument),
        (-HUGE, InvalidArgument),
    ],
    ids=["bool", "float", "str", "negative", "2**63", "huge", "-huge"],
)
def test_every_id_is_a_non_negative_64_bit_int(
    field: str, call: Callable[[Engine, Any], object], value: object, error: type[Exception]
) -> None:
    refused(world(), lambda e: call(e, value), error, field)


def test_scores_that_are_stored_go_through_the_score_check() -> None:
    engine = world()
    refused(
        engine,
        lambda e: e.add_target(1, 10, 12, name="t", type="MILESTONE", metric="p", value=2**60),
        InvalidArgument,
        "value",
    )
    refused(
        engine,
        lambda e: e.add_target(1, 10, 12, name="t", type="MILESTONE", metric="p", value=HUGE),
        InvalidArgument,
        "value",
    )
    engine.add_target(1, 10, 12, name="t", type="MILESTONE", metric="p", value=5,
                      enrollment="explicit")  # fmt: skip
    refused(
        engine,
        lambda e: e.enroll(1, 10, 12, 1, period_name="D0", initial_balance=HUGE),
        InvalidArgument,
        "initial_balance",
    )
    assert check_id(2**63 - 1, "x") == 2**63 - 1


# -- 3. connected orgs ----------------------------------------------------------------------------


def test_connected_orgs_must_be_registered_first() -> None:
    engine = world()
    refused(engine, lambda e: e.add_org(2, connected=[3]), InvalidArgument, "not registered")
    assert engine.org(2) is None
    engine.add_org(3)
    org = engine.add_org(2, connected=[3, 1, 2])
    assert org.connected == {1, 3}
    assert engine.org(1).connected == {2}  # type: ignore[union-attr]


# -- 4. time zones ------------------------------------------------------------------------------


def _keyless_zone() -> ZoneInfo:
    with resources.files("tzdata.zoneinfo").joinpath("Asia/Kolkata").open("rb") as f:
        return ZoneInfo.from_file(f)


@pytest.mark.parametrize(
    "zone",
    ["localtime", "America", "", "/etc/localtime", "../x", "Asia/../UTC", "posixrules",
     "right/UTC", "Asia/Kolkata\x00", f"Asia/{LONE}", " UTC", "utc", _keyless_zone()],
)  # fmt: skip
def test_only_iana_zone_names_are_accepted(zone: object) -> None:
    refused(world(), lambda e: e.add_org(2, zone), InvalidArgument, "timezone")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="zone"):
        Schedule.of("daily", T0, T0 + HOUR, zone)  # type: ignore[arg-type]


def test_iana_zones_are_kept_by_name() -> None:
    engine = world()
    assert engine.add_org(2, "Etc/GMT+5").zone.key == "Etc/GMT+5"
    assert engine.add_org(3, ZoneInfo.no_cache("Europe/London")).zone is ZoneInfo("Europe/London")
    assert check_zone("US/Eastern").key == "US/Eastern"
    with pytest.raises(InvalidArgumentType):
        check_zone(5.5)


# -- 5. string enums ----------------------------------------------------------------------------


def test_string_enums_are_accepted_in_any_case_everywhere() -> None:
    engine = world()
    info = engine.create_campaign(
        1, recurrence="DAILY", start=T0, end=T0 + HOUR, order="ASC", ties="Dense"
    )
    assert (info.recurrence, info.order, info.ties) == (
        Recurrence.DAILY,
        Order.ASC,
        TiePolicy.DENSE,
    )
    target = engine.add_target(1, 10, 12, name="t", type="streak", metric="p", value=1,
                               streak_length=2, ties="MODIFIED_COMPETITION",
                               enrollment="Explicit", order="Desc")  # fmt: skip
    assert (target.type, target.ties, target.enrollment) == (
        TargetType.STREAK,
        TiePolicy.MODIFIED_COMPETITION,
        EnrollmentMode.EXPLICIT,
    )
    assert Scope(1, "all").kind is ScopeKind.ALL
    board = Leaderboard(order="asc", ties="DENSE")
    board.set("a", 2)
    board.set("b", 1)
    assert board.order is Order.ASC and [s.member for s in board.page(0, 9, ties="Dense")] == [
        "b",
        "a",
    ]


@pytest.mark.parametrize(
    ("kind", "name"),
    [(Order, "order"), (TiePolicy, "ties"), (TargetType, "type"), (Recurrence, "recurrence"),
     (EnrollmentMode, "enrollment"), (ScopeKind, "kind")],
)  # fmt: skip
def test_bad_enum_values_list_the_accepted_ones(kind: Any, name: str) -> None:
    listed = ", ".join(str(m.value) for m in kind)
    with pytest.raises(InvalidArgument, match=f"{name} must be one of {listed}"):
        kind.parse("nope", name)
    with pytest.raises(InvalidArgumentType, match=name):
        kind.parse(3, name)
    with pytest.raises(InvalidArgument):
        parse_enum(kind, "\u212a", name)  # non-ASCII look-alikes are not accepted
    for member in kind:
        assert kind.parse(f" {str(member.value).upper()} ", name) is member


# -- 6. event ids -------------------------------------------------------------------------------


def test_an_int_event_id_is_its_decimal_string() -> None:
    engine = world()
    assert not engine.record_activity(1, 1, "points", 3, event_id=42).duplicate
    assert engine.record_activity(1, 1, "points", 3, event_id="42").duplicate
    assert not engine.award("day", "a", 2, event_id="7").duplicate
    assert engine.award("day", "a", 2, event_id=7).duplicate
    assert engine.milestone_progress(1, 10, 11, 1, 100).value == 3
    refused(engine, lambda e: e.award("day", "a", 1, event_id=True), InvalidArgumentType, "event")
    refused(
        engine,
        lambda e: e.record_activity(1, 1, "points", 1, event_id=False),
        InvalidArgumentType,
        "event_id",
    )
    refused(
        engine,
        lambda e: e.record_activity(1, 1, "points", 1, event_id=2.0),
        InvalidArgumentType,
        "event_id",
    )
    refused(engine, lambda e: e.award("day", "a", 1, event_id=HUGE), InvalidArgument, "64 bits")


def test_an_event_id_reused_for_another_payload_is_a_conflict() -> None:
    engine = world()
    t = T0 + HOUR / 2
    engine.record_activity(1, 1, "points", 3, at=t, event_id="e")
    engine.award("day", "a", 2, at=t, event_id="p")
    for call in [
        lambda e: e.record_activity(1, 2, "points", 3, at=t, event_id="e"),  # customer
        lambda e: e.record_activity(1, 1, "visits", 3, at=t, event_id="e"),  # metric
        lambda e: e.record_activity(1, 1, "points", 4, at=t, event_id="e"),  # value
        lambda e: e.record_activity(1, 1, "points", 3, at=T0, event_id="e"),  # time
        lambda e: e.award("day", "b", 2, at=t, event_id="p"),  # source
        lambda e: e.award("day", "a", 3, at=t, event_id="p"),  # points
        lambda e: e.award("day", "a", 2, at=T0, event_id="p"),  # time
    ]:
        refused(engine, call, EventIdConflict, "event_id")
    # the same event again is a duplicate: with its time, in another zone, or without one
    ist = t.astimezone(ZoneInfo("Asia/Kolkata"))
    assert engine.record_activity(1, 1, "points", 3.0, at=ist, event_id="e").duplicate
    assert engine.record_activity(1, 1, "points", 3, event_id="e").duplicate
    assert engine.award("day", "a", 2, at=ist, event_id="p").duplicate
    assert engine.award("day", "a", 2, event_id="p").duplicate
    assert issubclass(EventIdConflict, InvalidArgument)
    restored = Engine(clock=ManualClock(T0 + HOUR))
    restored._restore(json.loads(engine.snapshot().split(b"\n")[1]), None, "test")
    with pytest.raises(EventIdConflict):  # the fingerprints are saved
        restored.award("day", "a", 9, event_id="p")
    assert restored.award("day", "a", 2, event_id="p").duplicate


# -- 7. bounded event-id memory for campaigns -----------------------------------------------------


def points(engine: Engine, campaign_id: str) -> int:
    total, page = 0, 1
    while entries := engine.campaign_page(1, campaign_id, page):
        total += sum(int(e.points) for e in entries)
        page += 1
    return total


@settings(max_examples=60, deadline=None)
@given(
    backs=st.lists(st.integers(0, 3600), min_size=1, max_size=40),
    steps=st.lists(st.integers(0, 7200), max_size=6),
)
def test_campaign_event_ids_are_forgotten_in_time_order_whatever_order_they_came_in(
    backs: list[int], steps: list[int]
) -> None:
    """Awards stamped forwards, backwards and equal (the forget queue's in-order run and
    its heap both): an id is remembered exactly while its time is within the window."""
    engine = world()
    campaign = engine._state.campaigns._campaigns["run"]
    start, window = engine.now(), campaign.window
    times = {}
    for n, back in enumerate(backs):
        at = start - timedelta(seconds=back)
        engine.award("run", f"s{n % 7}", 1, at, event_id=f"e{n}")
        times[f"e{n}"] = at
    for step in sorted(steps):
        now = start + window - timedelta(seconds=3600) + timedelta(seconds=step)
        engine.advance_to(now)
        kept = [at + window for e, at in times.items() if at + window >= now]
        assert set(campaign.seen) == {e for e, at in times.items() if at + window >= now}
        assert len(engine._state.campaigns._forget) == len(campaign.seen)
        assert engine._state.campaigns._forget.head() == (min(kept) if kept else None)


def test_campaign_duration_event_ids_are_forgotten_past_the_window(tmp_path: Any) -> None:
    engine = world()
    campaign = engine._state.campaigns._campaigns["run"]
    start = engine.now()
    for n in range(3000):
        engine.award("run", f"s{n % 50}", 1, start - timedelta(seconds=n), event_id=f"e{n}")
    assert len(campaign.seen) == 3000
    engine.save(tmp_path / "kept.snapshot")
    engine.advance_to(start + timedelta(days=1) - timedelta(seconds=1000))
    assert engine.award("run", "s0", 1, start, event_id="e0").duplicate  # inside the window
    assert len(campaign.seen) == 1001  # the older ones are forgotten already
    engine.advance_to(start + timedelta(days=1, seconds=1))
    assert len(campaign.seen) == 0 and len(engine._state.campaigns._forget) == 0
    total = points(engine, "run")
    before = engine.snapshot()
    with pytest.raises(AwardTooLate, match="behind"):  # a retry with its own time: refused
        engine.award("run", "s0", 1, start, event_id="e0")
    assert engine.snapshot() == before
    assert points(engine, "run") == total == 3000
    assert issubclass(AwardTooLate, AwardRefused)
    # the snapshot taken earlier restores the same memory, and it is forgotten the same way
    restored = Engine.load(tmp_path / "kept.snapshot", clock=ManualClock(start))
    assert restored.award("run", "s1", 1, start - timedelta(seconds=1), event_id="e1").duplicate
    restored.advance_to(start + timedelta(days=1, seconds=1))
    assert len(restored._state.campaigns._campaigns["run"].seen) == 0


def test_awards_stamped_in_the_future_are_refused() -> None:
    engine = world()
    refused(
        engine, lambda e: e.award("run", "a", 1, e.now() + timedelta(seconds=1)),
        InvalidArgument, "later than the engine's time",
    )  # fmt: skip
    refused(
        engine, lambda e: e.record_activity(1, 1, "points", 1, e.now() + timedelta(seconds=1)),
        InvalidArgument, "later than the engine's time",
    )  # fmt: skip


# -- 9. clocks ----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self, *times: object) -> None:
        self.times = list(times)

    def now(self) -> Any:
        value = self.times.pop(0)
        if isinstance(value, Exception):
            raise value
        return value


def test_clock_readings_are_checked() -> None:
    assert read_clock(FakeClock(T0)) == T0  # type: ignore[arg-type]
    assert read_clock(FakeClock(T0), T0) == T0  # type: ignore[arg-type]
    for bad, words in [
        (datetime(2024, 6, 1), "timezone-aware"),
        ("2024-06-01T00:00:00Z", "must return a datetime, not str"),
        (None, "not NoneType"),
        (T0 - timedelta(microseconds=1), "went backwards"),
        (OSError("no time"), "failed"),
    ]:
        with pytest.raises(ClockError, match=words):
            read_clock(FakeClock(bad), T0)  # type: ignore[arg-type]
    assert issubclass(ClockError, RankcoreError)
    assert is_clock(ManualClock(T0)) and is_clock(FakeClock()) and not is_clock(object())
    with pytest.raises(InvalidArgumentType, match="clock"):
        check_clock(5)


# -- 10. iteration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b.set("new", 5),
        lambda b: b.set("m0", -1),
        lambda b: b.incr("m1", 1),
        lambda b: b.best("m2", 10**6),
        lambda b: b.remove("m3"),
        lambda b: b.clear(),
        lambda b: b.load([("x", 1)]),
    ],
)
def test_changing_a_board_while_iterating_raises(change: Callable[[Leaderboard], object]) -> None:
    def board() -> Leaderboard:
        fresh = Leaderboard()
        fresh.load((f"m{n}", n) for n in range(3000))
        return fresh

    for stop in (0, 1022, 1023, 1024, 2999):  # inside a chunk, at its edges, at the end
        changing = board()
        with pytest.raises(RuntimeError, match="changed during iteration"):
            for position, _ in enumerate(changing):
                if position == stop:
                    change(changing)
    changing = board()
    iterator = iter(changing)
    next(iterator)
    change(changing)
    with pytest.raises(RuntimeError, match="changed during iteration"):
        next(iterator)


def test_writes_that_change_nothing_do_not_break_iteration() -> None:
    board = Leaderboard()
    board.load((f"m{n}", n) for n in range(5))
    seen = []
    for standing in board:
        board.set(standing.member, standing.score)  # same score: no change
        board.remove("absent")
        seen.append(standing.member)
    assert seen == ["m4", "m3", "m2", "m1", "m0"]


# -- 11. Capillary fidelity -------------------------------------------------------------------


def test_targets_default_to_ordinal_ties() -> None:
    engine = world()
    assert engine.targets(1, 10)[0].ties is TiePolicy.ORDINAL
    service_target = engine._state.loyalty.add_target(
        1, 10, 12, name="t", type="MILESTONE", metric="p", value=1
    )
    assert service_target.ties is TiePolicy.ORDINAL


def test_last_activity_time_is_when_the_row_reached_its_value() -> None:
    engine = world()
    t1, t2, t3 = T0 + HOUR / 4, T0 + HOUR / 2, T0 + HOUR
    engine.record_activity(1, 1, "points", 10, at=t1)
    engine.record_activity(1, 2, "points", 10, at=t2)
    engine.record_activity(1, 1, "points", 0, at=t3)  # counted, but changes nothing
    board = engine.target_leaderboard(1, 10, 11)
    rows = [(r.rank, r.customer_id, r.last_activity_at) for r in board.rankings]
    assert rows == [(1, 1, t1), (2, 2, t2)]  # the times that order the tie
    assert engine.milestone_progress(1, 10, 11, 1, 100).last_activity_at == t3
