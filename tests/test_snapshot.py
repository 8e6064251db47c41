"""Snapshots: save/load gives an engine that answers every query exactly as before, keeps
doing so as both engines go on, and bad snapshot files are refused whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rankcore import Engine, ManualClock, PersistenceError, RankcoreError, SystemClock
from rankcore.api import Request, handle
from rankcore.persistence.errors import SnapshotCorrupted, SnapshotError, SnapshotVersionError
from rankcore.persistence.snapshot import decode_snapshot, encode_snapshot

IST = ZoneInfo("Asia/Kolkata")
T0 = datetime(2024, 6, 1, tzinfo=IST)
HOUR = timedelta(hours=1)
BOARD = "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/"
CUSTOMERS = range(1, 7)
SOURCES = ["ann", "bob", "cy", "di"]


def small_world(**engine_args: Any) -> Engine:
    """Org 1 (India, connected to 2), org 2 (London). Group 10 of org 1 with three daily
    periods, a milestone (ordinal ties), a streak (explicit enrollment, dense) and a campaign
    of org 1 with daily intervals and reward brackets; customers 1-6."""
    engine = Engine(clock=ManualClock(T0), seed=3, **engine_args)
    engine.add_org(2, "Europe/London")  # an org names only orgs already registered
    engine.add_org(1, "Asia/Kolkata", connected=[2])
    engine.create_target_group(1, 10, "group")
    for day in range(3):
        engine.add_period(
            1, 10, 100 + day, ref_code=f"d{day}", name=f"D{day}",
            start=T0 + 24 * HOUR * day, end=T0 + 24 * HOUR * (day + 1),
        )  # fmt: skip
    engine.add_target(
        1, 10, 11, name="points", type="MILESTONE", metric="points", value=10, ties="ordinal"
    )
    engine.add_target(
        1, 10, 12, name="visits", type="STREAK", metric="visits", value=2, streak_length=2,
        enrollment="explicit", ties="dense",
    )  # fmt: skip
    for customer in CUSTOMERS:
        engine.add_customer(1, customer, first_name=f"c{customer}", birthday=None)
    engine.create_campaign(
        1, recurrence="daily", start=T0 + 2 * HOUR, end=T0 + 72 * HOUR,
        brackets=[{"position": "1-2", "reward_value": "30"},
                  {"position": "3", "reward_value": "10", "min_value": 3}],
        campaign_id="camp", retention=2,
    )  # fmt: skip
    return engine


step = st.one_of(
    st.tuples(
        st.just("activity"),
        st.sampled_from(list(CUSTOMERS)),
        st.sampled_from(["points", "visits"]),
        st.integers(-3, 9) | st.floats(0, 5, allow_nan=False).map(lambda x: round(x, 1)),
        st.integers(0, 30),
        st.none() | st.integers(0, 12).map(lambda n: f"e{n}"),
    ),
    st.tuples(
        st.just("award"),
        st.sampled_from(SOURCES),
        st.integers(-2, 6),
        st.integers(0, 30),
        st.none() | st.integers(0, 12).map(lambda n: f"p{n}"),
    ),
    st.tuples(st.just("enroll"), st.sampled_from(list(CUSTOMERS)), st.booleans()),
    st.tuples(st.just("unenroll"), st.sampled_from(list(CUSTOMERS))),
    st.tuples(st.just("advance"), st.integers(0, 14)),
    st.tuples(st.just("badge"), st.sampled_from(["Gold", "gold", "Silver"]), st.integers(0, 3)),
)


def apply(engine: Engine, action: tuple[Any, ...]) -> object:
    """Run one random action; a refusal is an answer like any other."""
    kind = action[0]
    now = engine.now()
    try:
        if kind == "activity":
            _, customer, metric, value, late, event_id = action
            return engine.record_activity(
                1, customer, metric, value, at=now - late * HOUR / 2, event_id=event_id
            )
        if kind == "award":
            _, source, points, late, event_id = action
            return engine.award("camp", source, points, now - late * HOUR / 2, event_id=event_id)
        if kind == "enroll":
            return engine.enroll(1, 10, 12, action[1], reset_streak=action[2])
        if kind == "unenroll":
            return engine.unenroll(1, 10, 12, action[1])
        if kind == "advance":
            engine.advance_to(now + action[1] * HOUR)
            return None
        return engine.create_badge_group(1, action[1], action[2], user=5)
    except RankcoreError as error:
        return (type(error).__name__, str(error))


def observe(engine: Engine) -> list[Any]:
    """Every answer a user can get from the small world: router responses of every period's
    leaderboards and every interval's pages, progress, standings and badge groups."""
    seen: list[Any] = []
    for period in (None, 100, 101, 102):
        for target in (11, 12):
            query = {"targetId": str(target), "pageSize": "4"}
            if period is not None:
                query["periodId"] = str(period)
            for offset in ("0", "1"):
                response = handle(
                    engine, Request("GET", BOARD + "10", 1, 5, {**query, "pageOffset": offset})
                )
                seen.append((response.status, response.body))
    activity_ids = [None, *(i.activity_id for i in engine.campaign_intervals(1, "camp"))]
    for activity_id in activity_ids:
        for page in ("1", "2"):
            query = {"page": page, "source_id": "ann"}
            if activity_id is not None:
                query["activity_id"] = activity_id
            response = handle(engine, Request("GET", "/campaigns/leaderboards/camp", 1, 5, query))
            seen.append((response.status, response.body))
        if activity_id is not None:
            seen.append(engine.campaign_payouts(1, "camp", activity_id))
    for customer in CUSTOMERS:
        seen.append(engine.streak_progress(1, 10, 12, customer))
        for period in (100, 101, 102):
            seen.append(engine.milestone_progress(1, 10, 11, customer, period))
    seen.append(engine.badge_groups(1))
    seen.append(engine.now())
    seen.extend(standings(engine))
    return seen


def standings(engine: Engine) -> list[Any]:
    """Every standing of every kernel board the engine holds, in listing order, with the
    board's settings."""
    found: list[Any] = []
    for campaign in engine._state.campaigns._campaigns.values():
        for interval in campaign.intervals.values():
            if interval.board is not None:
                found.append((interval.activity_id, interval.board.ties, list(interval.board)))
    for group in engine._state.loyalty._groups.values():
        for target_id, tracker in group.trackers.items():
            for period_id, board in tracker.boards.items():
                found.append((target_id, period_id, board.board.ties, list(board.board)))
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.lists(step, max_size=40), after=st.lists(step, max_size=15))
def test_a_loaded_engine_answers_and_behaves_exactly_like_the_saved_one(
    tmp_path_factory: pytest.TempPathFactory, before: list[Any], after: list[Any]
) -> None:
    original = small_world()
    for action in before:
        apply(original, action)
    path = tmp_path_factory.mktemp("snap") / "engine.snapshot"
    original.save(path)
    copy = Engine.load(path)
    assert isinstance(copy.clock, ManualClock)
    assert observe(copy) == observe(original)
    assert copy.snapshot() == original.snapshot() == path.read_bytes()
    events: tuple[list[object], list[object]] = ([], [])
    original.subscribe(object, events[0].append)
    copy.subscribe(object, events[1].append)
    for action in after:  # hidden state (write order, ids, heaps, event ids) survived too
        assert apply(copy, action) == apply(original, action)
    assert events[0] == events[1]
    assert observe(copy) == observe(original)
    assert copy.snapshot() == original.snapshot()


def test_saving_twice_gives_identical_bytes_and_the_format_is_documented_json(
    tmp_path: Path,
) -> None:
    engine = small_world()
    engine.record_activity(1, 1, "points", 4, event_id="x")
    engine.save(tmp_path / "a")
    engine.save(tmp_path / "b")
    data = (tmp_path / "a").read_bytes()
    assert data == (tmp_path / "b").read_bytes()
    header, body, end = data.split(b"\n")
    assert end == b""
    meta = json.loads(header)
    assert meta["format"] == "rankcore.snapshot" and meta["version"] == 1
    assert meta["length"] == len(body)
    state = json.loads(body)
    assert set(state) == {"engine", "tenants", "campaigns", "loyalty"}
    assert state["tenants"][1] == [1, "Asia/Kolkata", True, [2]]


def test_every_board_keeps_reached_at_times_and_arrival_order(tmp_path: Path) -> None:
    engine = small_world()
    engine.advance_to(T0 + 3 * HOUR)
    for customer in (3, 1, 2):  # equal scores at the same time: arrival order decides
        engine.record_activity(1, customer, "points", 5)
    engine.record_activity(1, 6, "points", 5, at=T0 + HOUR)  # reached earlier: listed first
    engine.save(tmp_path / "s")
    copy = Engine.load(tmp_path / "s")
    for e in (engine, copy):
        board = e.target_leaderboard(1, 10, 11, limit=10)
        assert [r.customer_id for r in board.rankings] == [6, 3, 1, 2]
        assert [r.rank for r in board.rankings] == [1, 2, 3, 4]
        assert board.rankings[0].last_activity_at == T0 + HOUR
    copy.record_activity(1, 4, "points", 5)  # a later write still arrives last
    assert [r.customer_id for r in copy.target_leaderboard(1, 10, 11).rankings][-1] == 4


def test_load_round_trips_through_a_file_with_the_system_clock(tmp_path: Path) -> None:
    engine = Engine(seed=9)
    engine.add_org(7, "UTC")
    engine.create_campaign(
        7, recurrence="campaign_duration", start=datetime(2020, 1, 1, tzinfo=UTC),
        end=datetime(2999, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    engine.save(tmp_path / "s")
    copy = Engine.load(tmp_path / "s")
    assert isinstance(copy.clock, SystemClock)
    assert copy.snapshot() == engine.snapshot()
    # the id generator's state survived: both generate the same next id
    a = engine.create_campaign(
        7, recurrence="daily", start=datetime(2020, 1, 1, tzinfo=UTC),
        end=datetime(2020, 1, 2, tzinfo=UTC),
    )  # fmt: skip
    b = copy.create_campaign(
        7, recurrence="daily", start=datetime(2020, 1, 1, tzinfo=UTC),
        end=datetime(2020, 1, 2, tzinfo=UTC),
    )  # fmt: skip
    assert a.id == b.id


def test_a_manual_clock_given_to_load_is_moved_forward_to_the_saved_time(tmp_path: Path) -> None:
    engine = small_world()
    engine.advance_to(T0 + 5 * HOUR)
    engine.save(tmp_path / "s")
    clock = ManualClock(T0)
    copy = Engine.load(tmp_path / "s", clock=clock)
    assert copy.clock is clock and clock.now() == T0 + 5 * HOUR


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    engine = small_world()
    engine.record_activity(1, 2, "points", 12, event_id="a")
    path = tmp_path / "engine.snapshot"
    engine.save(path)
    return path


def test_a_truncated_snapshot_is_refused(saved: Path) -> None:
    data = saved.read_bytes()
    for cut in (0, 10, len(data) // 2, len(data) - 2, len(data) - 1):
        saved.write_bytes(data[:cut])
        with pytest.raises(SnapshotCorrupted):
            Engine.load(saved)


def test_a_corrupted_snapshot_is_refused(saved: Path) -> None:
    data = bytearray(saved.read_bytes())
    data[len(data) // 2] ^= 0x01
    saved.write_bytes(bytes(data))
    with pytest.raises(SnapshotCorrupted, match="SHA-256"):
        Engine.load(saved)


def test_a_newer_format_version_is_refused_with_a_clear_error(saved: Path) -> None:
    header, _, rest = saved.read_bytes().partition(b"\n")
    meta = json.loads(header)
    meta["version"] = 2
    saved.write_bytes(json.dumps(meta).encode() + b"\n" + rest)
    with pytest.raises(SnapshotVersionError, match=r"version 2.*up to 1"):
        Engine.load(saved)


def test_a_well_formed_snapshot_with_malformed_state_is_refused_whole() -> None:
    engine = small_world()
    state = json.loads(engine.snapshot().split(b"\n")[1])
    state["loyalty"]["groups"][0]["periods"][0][3] = "not a time"
    with pytest.raises(SnapshotCorrupted, match="malformed"):
        engine._restore(decode_snapshot(encode_snapshot(state)), None, "test")
    assert observe(engine) == observe(small_world())  # nothing was half-loaded


def test_garbage_is_not_a_snapshot() -> None:
    for data in (b"", b"\n", b"hello\nworld\n", b'{"format":"other"}\n{}\n', b"\xff\xfe\n"):
        with pytest.raises(SnapshotError):
            decode_snapshot(data)


def test_a_crash_during_save_leaves_the_previous_snapshot(
    saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = saved.read_bytes()
    engine = Engine.load(saved)
    engine.record_activity(1, 3, "points", 1)

    def crash(*_: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr("rankcore.persistence.snapshot.os.replace", crash)
    with pytest.raises(PersistenceError, match=f"{saved.name}'.*disk on fire"):
        engine.save(saved)
    assert saved.read_bytes() == before
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # no temporary left
