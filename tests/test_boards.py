"""Boards (tournaments) in the engine: settings, resets on the local calendar, operators,
joining, capacity, submission limits, grace, removal, ending, deleting, listings, batches,
and persistence through snapshots, the journal and a replicated log.

Expected values are literal: interval boundaries worked out by hand from the zone's rules,
ranks and payouts counted by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from rankcore import (
    AwardIntervalClosed,
    AwardOutsideCampaign,
    AwardRefused,
    BoardExists,
    BoardFull,
    BoardNotFound,
    CampaignExists,
    Engine,
    EventIdConflict,
    IntervalClosed,
    IntervalStatus,
    InvalidArgument,
    InvalidArgumentType,
    ManualClock,
    NotJoined,
    RankcoreError,
    Reset,
    SubmissionLimit,
)

T0 = datetime(2024, 3, 25, tzinfo=UTC)  # a Monday; London moves to BST on Sunday 31 March
BRACKETS = [
    {"position": "1", "reward_value": "100"},
    {"position": "2-3", "reward_value": "10", "min_value": 5},
]


def world(start: datetime = T0) -> tuple[Engine, ManualClock, list[IntervalClosed]]:
    clock = ManualClock(start)
    engine = Engine(clock=clock, seed=7)
    engine.add_org(1, "Europe/London")
    engine.add_org(2, "Asia/Kolkata")
    closed: list[IntervalClosed] = []
    engine.subscribe(IntervalClosed, closed.append)
    return engine, clock, closed


def rows(engine: Engine, board: str, **kw: object) -> list[tuple[str, object, int]]:
    return [(s.member, s.score, s.rank) for s in engine.board_page(1, board, 0, 100, **kw)]  # type: ignore[arg-type]


# -- resets on the local calendar ------------------------------------------------------------------


def test_weekly_thursday_0900_follows_london_across_the_dst_change() -> None:
    engine, clock, closed = world()
    info = engine.create_board(1, "cup", reset="weekly Thursday 09:00", end=T0 + timedelta(days=16))
    assert info.reset == "weekly thursday 09:00" and info.start == T0 and not info.campaign
    clock.set(T0 + timedelta(days=16))
    spans = [(i.start, i.end) for i in engine.board_intervals(1, "cup")]
    assert spans == [
        (T0, datetime(2024, 3, 28, 9, tzinfo=UTC)),  # Thursday 09:00 GMT
        (datetime(2024, 3, 28, 9, tzinfo=UTC), datetime(2024, 4, 4, 8, tzinfo=UTC)),  # BST
        (datetime(2024, 4, 4, 8, tzinfo=UTC), T0 + timedelta(days=16)),
    ]
    assert [e.end for e in closed] == [s[1] for s in spans]
    assert [e.final for e in closed] == [False, False, True]
    assert closed[0].board_id == closed[0].campaign_id == "cup"
    assert closed[0].recurrence is None and closed[0].reset == "weekly thursday 09:00"


def test_every_kind_of_reset_is_accepted_and_written_as_text() -> None:
    engine, _, _ = world()
    given = {
        "a": "daily 06:30",
        "b": Reset.monthly(15, time(9)),
        "c": timedelta(hours=2),
        "d": "cron 0 9 * * 4",
        "e": "weekly",
        "f": None,
    }
    for board_id, reset in given.items():
        engine.create_board(1, board_id, reset=reset)
    assert [b.reset for b in engine.boards(1)] == [
        "daily 06:30",
        "monthly 15 09:00",
        "every 7200s",
        "cron 0 9 * * 4",
        "weekly monday 00:00",
        None,
    ]
    assert engine.boards(2) == ()


def test_a_cron_reset_is_read_on_the_local_wall_clock() -> None:
    engine, clock, _ = world(datetime(2024, 6, 3, tzinfo=UTC))
    engine.create_board(2, "c", reset="cron 30 9 * * *")  # 09:30 in India is 04:00Z
    clock.set(datetime(2024, 6, 5, tzinfo=UTC))
    ends = [i.end for i in engine.board_intervals(2, "c")]
    assert ends[:2] == [datetime(2024, 6, 3, 4, tzinfo=UTC), datetime(2024, 6, 4, 4, tzinfo=UTC)]


# -- operators, subscores, metadata ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "expected"),
    [("best", 7), ("set", 3), ("incr", 10)],
)
def test_operators(operator: str, expected: int) -> None:
    engine, _, _ = world()
    engine.create_board(1, "b", operator=operator)
    engine.submit(1, "b", "ann", 7)
    standing = engine.submit(1, "b", "ann", 3)
    assert (standing.score, standing.submissions) == (expected, 2)


def test_ascending_board_with_subscore_and_meta() -> None:
    engine, _, _ = world()
    engine.create_board(1, "laps", order="asc", subscore="desc", ties="dense")
    engine.submit(1, "laps", "ann", 61.5, subscore=3, meta={"car": "red"})
    engine.submit(1, "laps", "bob", 61.5, subscore=5)
    engine.submit(1, "laps", "cy", 60.0, subscore=1)
    page = engine.board_page(1, "laps", 0, 10)
    assert [(s.member, s.rank, s.subscore) for s in page] == [
        ("cy", 1, 1),
        ("bob", 2, 5),
        ("ann", 3, 3),
    ]
    assert page[2].meta == {"car": "red"} and page[1].meta is None
    with pytest.raises(InvalidArgument, match="no subscore"):
        engine.create_board(1, "plain") and engine.submit(1, "plain", "ann", 1, subscore=2)


# -- joining, capacity, submission limits ----------------------------------------------------------


def test_join_capacity_and_max_submissions() -> None:
    engine, _, _ = world()
    engine.create_board(1, "t", join_required=True, capacity=2, max_submissions=2)
    with pytest.raises(NotJoined):
        engine.submit(1, "t", "ann", 5)
    assert engine.join(1, "t", "ann") is True
    assert engine.join(1, "t", "ann") is False
    assert engine.join(1, "t", "bob") is True
    before = engine.snapshot()
    with pytest.raises(BoardFull, match="full"):
        engine.join(1, "t", "cy")
    assert engine.snapshot() == before
    engine.submit(1, "t", "ann", 5)
    assert engine.submit(1, "t", "ann", 9).submissions == 2
    with pytest.raises(SubmissionLimit):
        engine.submit(1, "t", "ann", 11)
    assert engine.board_rank(1, "t", "ann").score == 9  # type: ignore[union-attr]
    assert engine.board_intervals(1, "t")[0].joined == 2
    with pytest.raises(InvalidArgument, match="does not need joining"):
        engine.create_board(1, "open") and engine.join(1, "open", "ann")


def test_capacity_without_joining_counts_entrants() -> None:
    engine, _, _ = world()
    engine.create_board(1, "t", capacity=2, operator="incr")
    engine.submit(1, "t", "ann", 1)
    engine.submit(1, "t", "bob", 1)
    engine.submit(1, "t", "ann", 1)  # not a new entrant
    with pytest.raises(BoardFull):
        engine.submit(1, "t", "cy", 1)
    engine.remove(1, "t", "bob")  # a removed member frees its place
    engine.submit(1, "t", "cy", 1)
    assert rows(engine, "t") == [("ann", 2, 1), ("cy", 1, 2)]


# -- grace, payouts, removal, ending ---------------------------------------------------------------


def test_grace_takes_late_submissions_then_closes_and_pays_without_the_banned() -> None:
    engine, clock, closed = world()
    engine.create_board(
        1, "cup", reset="weekly thursday 09:00", brackets=BRACKETS, grace=timedelta(minutes=10)
    )
    end = datetime(2024, 3, 28, 9, tzinfo=UTC)
    for member, score in [("ann", 50), ("bob", 40), ("cy", 30), ("di", 4), ("ed", 20)]:
        engine.submit(1, "cup", member, score)
    clock.set(end + timedelta(minutes=5))
    first, _ = engine.board_intervals(1, "cup")
    assert first.status is IntervalStatus.ACTIVE and not first.reward_given  # in grace
    # a late result stamped before the end still counts; one after the end goes to week 2
    assert engine.submit(1, "cup", "di", 45, at=end - timedelta(seconds=1)).rank == 2
    assert engine.submit(1, "cup", "di", 1).rank == 1
    assert engine.board_rank(1, "cup", "di", interval=first.activity_id).score == 45  # type: ignore[union-attr]
    assert engine.remove(1, "cup", "ann") is True  # banned: gone from both open intervals
    assert engine.board_rank(1, "cup", "ann", interval=first.activity_id) is None
    assert closed == []
    clock.set(end + timedelta(minutes=10))
    engine.tick()
    (event,) = closed
    assert [(p.source_id, p.rank, p.points, p.reward_value) for p in event.payouts] == [
        ("di", 1, 45, "100"),
        ("bob", 2, 40, "10"),
        ("cy", 3, 30, "10"),
    ]
    assert event.participants == 4 and event.end == end
    assert engine.board_payouts(1, "cup", first.activity_id) == event.payouts
    with pytest.raises(AwardIntervalClosed):
        engine.submit(1, "cup", "ed", 99, at=end - timedelta(seconds=1))


def test_end_board_closes_now_and_pays_and_delete_forgets() -> None:
    engine, clock, closed = world()
    engine.create_board(1, "b", reset="daily", brackets=BRACKETS)
    engine.submit(1, "b", "ann", 9)
    clock.advance(timedelta(hours=3))
    (event,) = engine.end_board(1, "b")
    assert closed == [event] and event.final and event.end == T0 + timedelta(hours=3)
    assert event.payouts[0].source_id == "ann"
    with pytest.raises(AwardRefused):
        engine.submit(1, "b", "ann", 10)
    clock.advance(timedelta(days=3))
    assert len(engine.board_intervals(1, "b")) == 1  # nothing opens after the end
    assert engine.delete_board(1, "b") is True
    assert engine.board(1, "b") is None
    with pytest.raises(BoardNotFound):
        engine.board_page(1, "b", 0, 10)


def test_reads_around_among_rank_and_retention() -> None:
    engine, clock, _ = world()
    engine.create_board(1, "d", reset="daily", retention=2)
    for n in range(10):
        engine.submit(1, "d", f"p{n}", n)
    around = engine.board_around(1, "d", "p5", 1, 2)
    assert [(s.member, s.rank) for s in around] == [("p6", 4), ("p5", 5), ("p4", 6), ("p3", 7)]
    friends = engine.board_among(1, "d", ["p1", "p8", "nobody"])
    assert [(s.member, s.rank) for s in friends] == [("p8", 2), ("p1", 9)]
    assert engine.board_around(1, "d", "nobody", 2, 2) == []
    assert engine.board_rank(1, "d", "nobody") is None
    clock.advance(timedelta(days=3))
    kept = engine.board_intervals(1, "d")
    assert [i.sequence for i in kept] == [2, 3, 4]  # the last two closed, and the open one
    assert [i.reward_given for i in kept] == [True, True, False]


# -- names, listings, campaigns as boards ----------------------------------------------------------


def test_board_ids_are_per_org_and_campaign_ids_are_global() -> None:
    engine, _, _ = world()
    engine.create_board(1, "x")
    engine.create_board(2, "x")  # another org's board may reuse the id
    with pytest.raises(BoardExists):
        engine.create_board(1, "x")
    with pytest.raises(CampaignExists):
        engine.create_campaign(
            1, recurrence="daily", start=T0, end=T0 + timedelta(days=2), campaign_id="x"
        )
    engine.create_campaign(
        2, recurrence="daily", start=T0, end=T0 + timedelta(days=2), campaign_id="camp"
    )
    with pytest.raises(BoardExists):
        engine.create_board(1, "camp")  # a campaign id is taken everywhere
    assert [b.id for b in engine.boards(2)] == ["x", "camp"]
    assert [b.campaign for b in engine.boards(2)] == [False, True]
    assert [c.id for c in engine.campaigns(2)] == ["camp"]
    assert [o.id for o in engine.orgs()] == [1, 2]
    # a campaign is a board: its standings read through the board calls too
    engine.award("camp", "ann", 4)
    assert engine.board_rank(2, "camp", "ann").score == 4  # type: ignore[union-attr]
    assert engine.boards(2)[1].operator.value == "incr"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"board_id": "has space"}, InvalidArgument),
        ({"board_id": 5}, InvalidArgumentType),
        ({"operator": "max"}, InvalidArgument),
        ({"reset": "fortnightly"}, InvalidArgument),
        ({"capacity": 0}, InvalidArgument),
        ({"max_submissions": True}, InvalidArgumentType),
        ({"grace": 5}, InvalidArgumentType),
        ({"grace": -timedelta(seconds=1)}, InvalidArgument),
        ({"join_required": 1}, InvalidArgumentType),
        ({"brackets": [{"position": "0"}]}, InvalidArgument),
        ({"end": T0}, InvalidArgument),
        ({"subscore": "up"}, InvalidArgument),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    kwargs: dict[str, object], error: type[RankcoreError]
) -> None:
    engine, _, _ = world()
    before = engine.snapshot()
    args: dict[str, object] = {"board_id": "ok", **kwargs}
    with pytest.raises(error):
        engine.create_board(1, **args)  # type: ignore[arg-type]
    assert engine.snapshot() == before


def test_event_ids_make_submissions_idempotent() -> None:
    engine, _, _ = world()
    engine.create_board(1, "b", operator="incr")
    engine.submit(1, "b", "ann", 5, event_id="e1")
    before = engine.snapshot()
    again = engine.submit(1, "b", "ann", 5, event_id="e1")
    assert (again.score, again.submissions) == (5, 1) and engine.snapshot() == before
    with pytest.raises(EventIdConflict):
        engine.submit(1, "b", "ann", 6, event_id="e1")
    with pytest.raises(AwardOutsideCampaign):
        engine.submit(1, "b", "ann", 1, at=T0 - timedelta(seconds=1))


def test_submit_many_reports_refusals_by_position_and_applies_the_rest() -> None:
    engine, _, _ = world()
    engine.create_board(1, "b", operator="incr", max_submissions=2)
    result = engine.submit_many(
        1,
        "b",
        [
            ("ann", 1),
            {"member": "bob", "score": "x"},
            {"member": "ann", "score": 2, "event_id": "k"},
            {"member": "ann", "score": 2, "event_id": "k"},  # a duplicate: no change
            ("ann", 4),  # a third submission: refused
            {"member": "cy", "score": 1, "colour": "red"},
        ],
    )
    assert [position for position, _ in result.refusals] == [1, 4, 5]
    assert isinstance(result.refusals[1][1], SubmissionLimit)
    assert [None if s is None else s.score for s in result.standings] == [1, None, 3, 3, None, None]
    assert result.applied == 3
    assert rows(engine, "b") == [("ann", 3, 1)]


# -- how long an event id is remembered ------------------------------------------------------------
# An id is remembered while its interval is open and until the next one closes, and never once
# its time is more than the window behind the clock. Each expected moment below is the earlier
# of those two, worked out by hand; the engine schedules a timed forgetting only for the ids
# whose window ends first.

MONDAY = datetime(2024, 1, 1, tzinfo=UTC)  # January has 31 days, February 29
US = timedelta(microseconds=1)


def utc_world() -> Engine:
    engine = Engine(clock=ManualClock(MONDAY), seed=3)
    engine.add_org(1, "UTC")
    return engine


@pytest.mark.parametrize("many", [False, True], ids=["award", "award_many"])
@pytest.mark.parametrize(
    ("recurrence", "counted", "forgotten"),
    [
        # daily: 2-day window; the next interval closes at day 2, always first
        ("daily", timedelta(hours=1), timedelta(days=2)),
        ("daily", timedelta(hours=23, minutes=59), timedelta(days=2)),
        # weekly: 8-day window; the next interval closes at day 14
        ("weekly", timedelta(days=1), timedelta(days=9) + US),
        ("weekly", timedelta(days=5, hours=23), timedelta(days=13, hours=23) + US),
        ("weekly", timedelta(days=6), timedelta(days=14)),  # both at once
        ("weekly", timedelta(days=6, hours=12), timedelta(days=14)),
        # monthly: 32-day window; February closes at day 60
        ("monthly", timedelta(days=2), timedelta(days=34) + US),
        ("monthly", timedelta(days=30), timedelta(days=60)),
    ],
)
def test_a_campaign_event_id_is_forgotten_by_its_window_or_the_next_closing(
    recurrence: str, counted: timedelta, forgotten: timedelta, many: bool, tmp_path: Path
) -> None:
    engine = utc_world()
    campaign_id = engine.create_campaign(
        1, recurrence=recurrence, start=MONDAY, end=MONDAY + timedelta(days=120)
    ).id

    def award(on: Engine) -> bool:
        if many:
            (result,) = on.award_many(campaign_id, [("ann", 5, None, "e")]).results
            assert result is not None
            return result.duplicate
        return on.award(campaign_id, "ann", 5, event_id="e").duplicate

    engine.advance_to(MONDAY + counted)
    assert award(engine) is False
    engine.save(tmp_path / "saved.snapshot")
    restored = Engine.load(tmp_path / "saved.snapshot", clock=ManualClock(MONDAY + counted))
    for each in (engine, restored):  # a restored engine forgets at the same moment
        each.advance_to(MONDAY + forgotten - US)
        assert award(each) is True  # still remembered: a duplicate, nothing changes
        each.advance_to(MONDAY + forgotten)
        assert award(each) is False  # forgotten: a retry without its time counts again


@pytest.mark.parametrize(
    ("counted", "forgotten"),
    [
        (timedelta(days=5, hours=12), timedelta(days=14, hours=12) + US),  # the window
        (timedelta(days=6, hours=12), timedelta(days=15)),  # the next closing, in its grace
    ],
)
def test_a_board_event_id_window_and_closing_both_count_the_grace(
    counted: timedelta, forgotten: timedelta
) -> None:
    # weekly with a day's grace: a 9-day window, and the second week closes at day 15
    engine = utc_world()
    engine.create_board(1, "b", operator="incr", reset="weekly", grace=timedelta(days=1))
    engine.advance_to(MONDAY + counted)
    assert engine.submit(1, "b", "ann", 5, event_id="e").score == 5
    engine.advance_to(MONDAY + forgotten - US)
    assert engine.submit(1, "b", "ann", 5, event_id="e").score == 5  # a duplicate
    engine.advance_to(MONDAY + forgotten)
    assert engine.submit(1, "b", "ann", 5, event_id="e").score == 5  # counted again, anew
    assert [i.participants for i in engine.board_intervals(1, "b")][-1] == 1


def test_an_ended_board_forgets_its_last_event_ids_by_their_window() -> None:
    # no interval closes after the end, so only the window (2 days) forgets the last ids
    engine = utc_world()
    engine.create_board(1, "b", operator="incr", reset="daily")
    engine.advance_to(MONDAY + timedelta(hours=12))
    engine.submit(1, "b", "ann", 5, event_id="e")
    engine.advance_to(MONDAY + timedelta(hours=14))
    engine.end_board(1, "b")
    engine.advance_to(MONDAY + timedelta(days=2, hours=12))
    assert engine.submit(1, "b", "ann", 5, event_id="e").score == 5  # still a duplicate
    engine.advance_to(MONDAY + timedelta(days=2, hours=12) + US)
    with pytest.raises(AwardRefused):  # forgotten: a new submission, and the board has ended
        engine.submit(1, "b", "ann", 5, event_id="e")


# -- persistence -----------------------------------------------------------------------------------


def test_snapshot_and_journal_keep_boards(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    path = tmp_path / "j"
    engine = Engine(clock=clock, journal=path, seed=3)
    engine.add_org(1, "Europe/London")
    engine.create_board(
        1,
        "cup",
        reset="weekly thursday 09:00",
        brackets=BRACKETS,
        grace=timedelta(minutes=10),
        join_required=True,
        subscore="asc",
    )
    engine.join(1, "cup", "ann")
    engine.join(1, "cup", "bob")
    engine.submit(1, "cup", "ann", 7, subscore=2, meta=[1, {"a": [2]}], event_id="e")
    engine.submit_many(1, "cup", [{"member": "bob", "score": 8, "subscore": 1}, ("zed", 1)])
    clock.set(datetime(2024, 3, 28, 9, 5, tzinfo=UTC))
    engine.remove(1, "cup", "bob")
    engine.tick()
    saved = engine.snapshot()
    records = path.read_text().splitlines()
    assert (
        sum(json.loads(line.split(" ", 1)[1]).get("op") == "submit_many" for line in records) == 1
    )
    engine.close()
    reopened = Engine(clock=ManualClock(T0), journal=path)
    assert reopened.snapshot() == saved
    assert reopened.board_page(1, "cup", 0, 5, interval=None) == []  # week 2 is empty
    first = reopened.board_intervals(1, "cup")[0].activity_id
    (ann,) = reopened.board_page(1, "cup", 0, 5, interval=first)
    assert (ann.member, ann.meta, ann.submissions) == ("ann", [1, {"a": [2]}], 1)
    assert reopened.submit(1, "cup", "ann", 7, subscore=2, meta=[1, {"a": [2]}], event_id="e")
    assert reopened.snapshot() == saved  # the retry is a duplicate, after the replay too
    reopened.save(tmp_path / "s")
    assert Engine.load(tmp_path / "s").snapshot() == saved
    reopened.close()


def test_a_campaign_only_state_keeps_the_earlier_format() -> None:
    engine, _, _ = world()
    engine.create_campaign(
        1, recurrence="daily", start=T0, end=T0 + timedelta(days=2), campaign_id="camp"
    )
    state = json.loads(engine.snapshot().split(b"\n", 1)[1])
    (item,) = state["campaigns"]["campaigns"]
    assert sorted(item) == sorted(
        [
            "id", "org", "recurrence", "start", "end", "zone", "brackets", "order", "ties",
            "retention", "intervals", "open", "last_span", "closed_count", "grace", "given_ids",
        ]
    )  # fmt: skip
    assert all(len(row) == 2 for row in state["campaigns"]["due"])


def test_replicas_of_one_log_agree_on_boards(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    from servers import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    try:
        clock = ManualClock(T0)
        first = Engine.connect(server.url, clock=clock)
        second = Engine.connect(server.url, clock=clock)
        first.add_org(1, "Europe/London")
        first.create_board(1, "cup", reset="daily 09:00", brackets=BRACKETS, join_required=True)
        second.sync()
        second.join(1, "cup", "ann")
        assert first.join(1, "cup", "ann") is False  # the log holds the other replica's join
        assert first.submit(1, "cup", "ann", 7, event_id="e").score == 7  # reads its write
        result = second.submit_many(1, "cup", [("ann", 9), ("bob", 1)])
        assert [p for p, _ in result.refusals] == [1]  # bob has not joined
        second.remove(1, "cup", "ann")
        clock.set(datetime(2024, 3, 25, 9, tzinfo=UTC))
        first.tick()  # the closing goes through the log
        second.sync()
        assert first.snapshot() == second.snapshot()
        (interval, _) = second.board_intervals(1, "cup")
        assert interval.reward_given and interval.participants == 0
        first.close()
        second.close()
    finally:
        server.stop()


def test_submitting_to_a_campaign_is_an_award() -> None:
    engine, _, _ = world()
    engine.create_campaign(
        1, recurrence="daily", start=T0, end=T0 + timedelta(days=2), campaign_id="camp"
    )
    engine.submit(1, "camp", "ann", 3)
    engine.award("camp", "ann", 4)
    entry = engine.campaign_entry(1, "camp", "ann")  # a registered source id now
    assert entry is not None and entry.points == 7


def test_a_board_whose_start_lies_too_many_intervals_back_is_refused_at_once() -> None:
    engine, _clock, closed = world()
    before = engine.snapshot()
    hourly_since_1970 = datetime(1970, 1, 1, tzinfo=UTC)
    with pytest.raises(InvalidArgument, match="more than 10000 of its intervals have ended"):
        engine.create_board(1, "ancient", reset="every 1h", start=hourly_since_1970)
    with pytest.raises(InvalidArgument, match="too far in the past"):
        engine.create_campaign(
            1, recurrence="daily", start=hourly_since_1970, end=T0 + timedelta(days=1)
        )
    assert engine.snapshot() == before and closed == []
    # 10,000 ended intervals are still accepted: they close (and pay) at creation.
    start = T0 - timedelta(hours=10_000)
    engine.create_board(1, "recent", reset="every 1h", start=start)
    assert len(closed) == 10_000
    assert [i.sequence for i in engine.board_intervals(1, "recent")][-1] == 10_001
