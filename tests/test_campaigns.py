"""Leaderboard campaigns through the engine: the Rehook seed, brackets, closing, refusals."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rankcore import (
    AwardIntervalClosed,
    AwardIntervalNotStarted,
    AwardOutsideCampaign,
    AwardRefused,
    Bracket,
    CampaignEntry,
    CampaignExists,
    CampaignNotFound,
    Engine,
    IntervalClosed,
    IntervalStatus,
    InvalidArgument,
    InvalidArgumentType,
    ManualClock,
    Order,
    Payout,
    RankcoreError,
    Recurrence,
    RehookError,
    ScoreTypeError,
    ScoreValueError,
    SourceNotFound,
    TiePolicy,
)

SEED_START = datetime.fromisoformat("2023-09-18T12:26:13.656765Z")
SEED_END = datetime(2023, 9, 25, tzinfo=UTC)
APP = 7


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def make_engine(now: datetime = SEED_START, zone: str = "Asia/Kolkata") -> Engine:
    engine = Engine(clock=ManualClock(now), seed=42)
    engine.add_org(APP, zone)
    return engine


def seed_campaign(engine: Engine, **extra: Any) -> str:
    options: dict[str, Any] = {
        "recurrence": "daily",
        "start": SEED_START,
        "end": SEED_END,
        "brackets": [{"position": "1-2", "reward_value": "30"}],
    }
    options.update(extra)
    return engine.create_campaign(APP, **options).id


def rows(entries: tuple[CampaignEntry, ...]) -> list[tuple[str, int, object, str]]:
    return [(e.source_id, e.rank, e.points, e.reward) for e in entries]


SEED_POINTS = [
    ("KMN@123", 4),
    ("New_customer2", 3),
    ("krishna123", 1),
    ("New_customer3", 1),
    ("New_customer4", 1),
]


# -- the seed -----------------------------------------------------------------------------------


def test_seed_sample_response_is_reproduced() -> None:
    engine = make_engine(SEED_START + timedelta(minutes=30))
    campaign_id = seed_campaign(engine)
    for n, (source, points) in enumerate(SEED_POINTS):
        engine.award(campaign_id, source, points, event_id=f"p-{n}")
    board = engine.campaign_leaderboard(APP, campaign_id, source_id="KMN@123", page=1)
    assert board.participants == 5
    assert board.reward_given is False
    assert board.page == 1
    assert [(b.position, b.reward_value, b.has_minimum) for b in board.campaign.brackets] == [
        ("1-2", "30", False)
    ]
    (interval,) = board.intervals
    assert interval == board.interval
    assert interval.recurrence is Recurrence.DAILY and interval.recurrence.value == "daily"
    assert interval.sequence == 1
    assert re.fullmatch(r"ldac_[A-Za-z0-9]{21}", interval.activity_id)
    assert interval.start.isoformat().replace("+00:00", "Z") == "2023-09-18T12:26:13.656765Z"
    assert interval.display_end.isoformat().replace("+00:00", "Z") == (
        "2023-09-18T18:29:58.999999Z"
    )
    assert interval.end == utc(2023, 9, 18, 18, 30)  # local midnight in India, exclusive
    assert interval.status is IntervalStatus.ACTIVE and interval.status.value == "active"
    assert board.me == CampaignEntry("KMN@123", 1, 4, "30")
    assert rows(board.entries) == [
        ("KMN@123", 1, 4, "30"),
        ("New_customer2", 2, 3, "30"),
        ("krishna123", 3, 1, "0"),
        ("New_customer3", 3, 1, "0"),
        ("New_customer4", 3, 1, "0"),
    ]


def test_seed_unknown_source_id_is_a_404_and_unknown_activity_id_is_empty() -> None:
    engine = make_engine(SEED_START + timedelta(minutes=30))
    campaign_id = seed_campaign(engine)
    engine.award(campaign_id, "KMN@123", 4)
    with pytest.raises(SourceNotFound) as caught:
        engine.campaign_leaderboard(APP, campaign_id, source_id="kr")
    error = caught.value
    assert (error.code, error.key, error.message) == (404, "not_found", "Resource not found")
    assert error.detail == "Cannot find customer with source id kr"
    assert isinstance(error, RehookError) and isinstance(error, KeyError)
    assert str(error) == "Cannot find customer with source id kr"
    board = engine.campaign_leaderboard(APP, campaign_id, activity_id="abc133nan")
    assert board.interval is None and board.entries == () and board.participants == 0
    assert board.reward_given is False
    assert len(board.intervals) == 1 and board.campaign.brackets[0].position == "1-2"


def test_unknown_campaign_is_not_found_and_another_tenants_campaign_is_invisible() -> None:
    engine = make_engine()
    engine.add_org(8, "UTC")
    campaign_id = seed_campaign(engine)
    assert engine.campaign(8, campaign_id) is None
    assert engine.campaign(APP, "camp_nope") is None
    assert engine.campaign(APP, campaign_id) is not None
    for call in (
        lambda: engine.campaign_leaderboard(8, campaign_id),
        lambda: engine.campaign_intervals(8, campaign_id),
        lambda: engine.campaign_page(8, campaign_id),
        lambda: engine.award(campaign_id, "x", 1, org=8),
        lambda: engine.campaign_leaderboard(APP, "camp_nope"),
    ):
        with pytest.raises(CampaignNotFound):
            call()
    assert engine.campaign_leaderboard(APP, campaign_id).participants == 0


def test_known_source_without_points_has_no_entry() -> None:
    engine = make_engine()
    campaign_id = seed_campaign(engine)
    assert engine.register(APP, "quiet") is True
    assert engine.register(APP, "quiet") is False
    assert engine.campaign_entry(APP, campaign_id, "quiet") is None
    assert engine.campaign_leaderboard(APP, campaign_id, source_id="quiet").me is None
    with pytest.raises(SourceNotFound):
        engine.campaign_entry(APP, campaign_id, "stranger")


def test_source_ids_are_per_tenant() -> None:
    engine = make_engine()
    engine.add_org(8, "UTC")
    campaign_id = seed_campaign(engine)
    engine.register(8, "KMN@123")
    with pytest.raises(SourceNotFound):
        engine.campaign_entry(APP, campaign_id, "KMN@123")
    engine.award(campaign_id, "KMN@123", 2)  # registers it with the campaign's tenant
    assert engine.campaign_entry(APP, campaign_id, "KMN@123") == CampaignEntry(
        "KMN@123", 1, 2, "30"
    )


# -- ids ----------------------------------------------------------------------------------------


def test_ids_have_the_vendor_shape_and_are_deterministic_per_seed() -> None:
    def ids() -> list[str]:
        engine = make_engine()
        campaign_id = seed_campaign(engine)
        engine.advance_to(utc(2023, 9, 20))
        return [campaign_id] + [i.activity_id for i in engine.campaign_intervals(APP, campaign_id)]

    first, second = ids(), ids()
    assert first == second
    assert re.fullmatch(r"camp_[A-Za-z0-9]{21}", first[0])
    assert len(first) == 4 and len(set(first)) == 4
    assert all(re.fullmatch(r"ldac_[A-Za-z0-9]{21}", a) for a in first[1:])


def test_the_caller_may_choose_the_campaign_id_once() -> None:
    engine = make_engine()
    assert seed_campaign(engine, campaign_id="camp_29vfKDh0hHOgkOXdWoSyA") == (
        "camp_29vfKDh0hHOgkOXdWoSyA"
    )
    with pytest.raises(CampaignExists):
        seed_campaign(engine, campaign_id="camp_29vfKDh0hHOgkOXdWoSyA")
    with pytest.raises(InvalidArgument, match="campaign_id"):
        seed_campaign(engine, campaign_id="has space")
    with pytest.raises(InvalidArgumentType, match="campaign_id"):
        seed_campaign(engine, campaign_id=12)


# -- brackets -----------------------------------------------------------------------------------


def one_interval(engine: Engine, **extra: Any) -> str:
    return engine.create_campaign(
        APP,
        recurrence="campaign_duration",
        start=engine.now(),
        end=engine.now() + timedelta(days=1),
        **extra,
    ).id


def test_ties_at_a_bracket_edge_all_get_the_reward() -> None:
    engine = make_engine()
    campaign_id = one_interval(
        engine,
        brackets=[
            {"position": "1-2", "reward_value": "30"},
            {"position": "3-4", "reward_value": "10"},
            {"position": "5", "reward_value": "5"},
        ],
    )
    for source, points in [("a", 10), ("b", 8), ("c", 8), ("d", 8), ("e", 5), ("f", 1)]:
        engine.award(campaign_id, source, points)
    # competition ranks 1, 2, 2, 2, 5, 6: the three tied at 2 share "1-2"; nobody is 3 or 4
    assert rows(engine.campaign_page(APP, campaign_id)) == [
        ("a", 1, 10, "30"),
        ("b", 2, 8, "30"),
        ("c", 2, 8, "30"),
        ("d", 2, 8, "30"),
        ("e", 5, 5, "5"),
        ("f", 6, 1, "0"),
    ]


def test_rewards_use_competition_ranks_whatever_the_display_policy() -> None:
    engine = make_engine()
    campaign_id = one_interval(
        engine, ties=TiePolicy.DENSE, brackets=[{"position": "2", "reward_value": "9"}]
    )
    for source, points in [("a", 10), ("b", 10), ("c", 8)]:
        engine.award(campaign_id, source, points)
    # dense shows c at 2, but its competition rank is 3: no reward for anybody at "2"
    assert rows(engine.campaign_page(APP, campaign_id)) == [
        ("a", 1, 10, "0"),
        ("b", 1, 10, "0"),
        ("c", 2, 8, "0"),
    ]
    assert engine.campaign_entry(APP, campaign_id, "c") == CampaignEntry("c", 2, 8, "0")


def test_ordinal_display_lists_ties_by_time_reached() -> None:
    engine = make_engine()
    now = engine.now()
    campaign_id = one_interval(
        engine, ties="ordinal", brackets=[{"position": "1", "reward_value": "1"}]
    )
    engine.advance_to(now + timedelta(minutes=5))
    engine.award(campaign_id, "late", 5, now + timedelta(minutes=5))
    engine.award(campaign_id, "early", 5, now + timedelta(minutes=1))  # late, but earlier
    # both share competition rank 1 and so both earn bracket "1"
    assert rows(engine.campaign_page(APP, campaign_id)) == [
        ("early", 1, 5, "1"),
        ("late", 2, 5, "1"),
    ]


def test_a_minimum_score_is_needed_for_a_bracket() -> None:
    engine = make_engine()
    campaign_id = one_interval(
        engine,
        brackets=[
            Bracket("1", "100", minimum=10),
            {"position": "2-3", "reward_value": "50", "is_minimum_value": True, "value": 5},
        ],
    )
    for source, points in [("a", 9), ("b", 5), ("c", 4)]:
        engine.award(campaign_id, source, points)
    assert [e.reward for e in engine.campaign_page(APP, campaign_id)] == ["0", "50", "0"]


def test_on_an_ascending_board_the_minimum_is_a_ceiling() -> None:
    engine = make_engine()
    campaign_id = one_interval(
        engine, order=Order.ASC, brackets=[Bracket("1-2", "lap", minimum=60)]
    )
    for source, seconds in [("a", 58), ("b", 61), ("c", 70)]:
        engine.award(campaign_id, source, seconds)
    assert rows(engine.campaign_page(APP, campaign_id)) == [
        ("a", 1, 58, "lap"),
        ("b", 2, 61, "0"),
        ("c", 3, 70, "0"),
    ]


@pytest.mark.parametrize(
    ("brackets", "error", "words"),
    [
        ([{"position": "1-3", "reward_value": "1"}, {"position": "3", "reward_value": "2"}],
         InvalidArgument, "overlap"),
        ([{"position": "2-4", "reward_value": "1"}, {"position": "1-2", "reward_value": "2"}],
         InvalidArgument, "overlap"),
        ([{"position": "0", "reward_value": "1"}], InvalidArgument, "position"),
        ([{"position": "2-1", "reward_value": "1"}], InvalidArgument, "backwards"),
        ([{"position": "1-", "reward_value": "1"}], InvalidArgument, "position"),
        ([{"position": " 1", "reward_value": "1"}], InvalidArgument, "position"),
        ([{"position": "first", "reward_value": "1"}], InvalidArgument, "position"),
        ([{"position": 1, "reward_value": "1"}], InvalidArgumentType, "position"),
        ([{"position": "1", "reward_value": 30}], InvalidArgumentType, "reward_value"),
        ([{"position": "1", "reward_value": ""}], InvalidArgument, "reward_value"),
        ([{"position": "1", "reward_value": "1", "min_value": "x"}], ScoreTypeError, "minimum"),
        ([{"position": "1", "reward_value": "1", "min_value": float("nan")}],
         ScoreValueError, "minimum"),
        ([{"position": "1", "reward_value": "1", "colour": "red"}], InvalidArgument, "colour"),
        ([{"reward_value": "1"}], InvalidArgument, "position"),
        ([{"position": "1", "reward_value": "1", "value": 3}], InvalidArgument, "is_minimum"),
        (["1-2"], InvalidArgumentType, "bracket"),
        ({"position": "1", "reward_value": "1"}, InvalidArgumentType, "brackets"),
    ],
)  # fmt: skip
def test_malformed_or_overlapping_brackets_are_refused_and_nothing_is_created(
    brackets: Any, error: type[Exception], words: str
) -> None:
    engine = make_engine()
    with pytest.raises(error, match=words):
        seed_campaign(engine, brackets=brackets, campaign_id="camp_x")
    assert engine.campaign(APP, "camp_x") is None


# -- closing ------------------------------------------------------------------------------------


def test_closing_freezes_pays_out_and_starts_the_next_interval_empty() -> None:
    engine = make_engine(SEED_START + timedelta(minutes=1))
    closed: list[IntervalClosed] = []
    engine.subscribe(IntervalClosed, closed.append)
    campaign_id = seed_campaign(engine)
    for source, points in SEED_POINTS:
        engine.award(campaign_id, source, points)
    first = engine.campaign_interval(APP, campaign_id)
    assert first is not None
    assert engine.campaign_payouts(APP, campaign_id, first.activity_id) == ()
    engine.advance_to(utc(2023, 9, 18, 18, 30))  # the end is exclusive: closes now
    (event,) = closed
    assert event.activity_id == first.activity_id and event.sequence == 1
    assert event.start == SEED_START and event.end == utc(2023, 9, 18, 18, 30)
    assert event.participants == 5 and event.final is False and event.org == APP
    assert event.payouts == (Payout("KMN@123", 1, 4, "30"), Payout("New_customer2", 2, 3, "30"))
    assert engine.campaign_payouts(APP, campaign_id, first.activity_id) == event.payouts
    # the new interval is active and empty; the old one is inactive and kept whole
    now = engine.campaign_leaderboard(APP, campaign_id)
    assert now.interval is not None and now.interval.sequence == 2
    assert now.participants == 0 and now.entries == () and now.reward_given is False
    past = engine.campaign_leaderboard(APP, campaign_id, activity_id=first.activity_id)
    assert past.reward_given is True and past.participants == 5
    assert past.interval is not None and past.interval.status is IntervalStatus.INACTIVE
    assert rows(past.entries)[1] == ("New_customer2", 2, 3, "30")
    assert [(i.sequence, i.status.value) for i in now.intervals] == [
        (1, "inactive"),
        (2, "active"),
    ]
    # frozen: late points for the closed interval are refused, never moved elsewhere
    with pytest.raises(AwardIntervalClosed, match="closed"):
        engine.award(campaign_id, "KMN@123", 5, at=SEED_START + timedelta(minutes=2))
    assert engine.campaign_leaderboard(APP, campaign_id, activity_id=first.activity_id) == past


def test_closing_happens_on_the_next_engine_call_at_the_latest() -> None:
    clock = ManualClock(SEED_START)
    engine = Engine(clock=clock)
    engine.add_org(APP, "Asia/Kolkata")
    closed: list[IntervalClosed] = []
    engine.subscribe(IntervalClosed, closed.append)
    campaign_id = seed_campaign(engine)
    clock.set(utc(2023, 9, 19, 18, 30))  # moved behind the engine's back
    assert closed == []
    engine.campaign(APP, campaign_id)  # any call
    assert [c.sequence for c in closed] == [1, 2]
    clock.set(utc(2023, 9, 20, 18, 30))
    engine.tick()
    assert [c.sequence for c in closed] == [1, 2, 3]


def test_a_campaign_created_late_closes_the_intervals_already_over() -> None:
    engine = make_engine(utc(2023, 9, 20, 12))
    closed: list[IntervalClosed] = []
    engine.subscribe(IntervalClosed, closed.append)
    campaign_id = seed_campaign(engine)
    assert [c.sequence for c in closed] == [1, 2]
    assert [i.sequence for i in engine.campaign_intervals(APP, campaign_id)] == [1, 2, 3]
    engine.advance_to(utc(2023, 10, 1))
    assert [c.sequence for c in closed] == list(range(1, 9))
    assert [c.final for c in closed] == [False] * 7 + [True]
    assert closed[-1].end == SEED_END
    board = engine.campaign_leaderboard(APP, campaign_id)
    assert board.interval is not None and board.interval.sequence == 8
    assert board.reward_given is True


def test_before_the_start_there_is_no_interval() -> None:
    engine = make_engine(SEED_START - timedelta(days=1))
    campaign_id = seed_campaign(engine)
    board = engine.campaign_leaderboard(APP, campaign_id)
    assert board.interval is None and board.intervals == () and board.participants == 0
    with pytest.raises(AwardIntervalNotStarted, match="not started"):
        engine.award(campaign_id, "a", 1, at=SEED_START)
    with pytest.raises(AwardOutsideCampaign, match="outside"):
        engine.award(campaign_id, "a", 1)


def test_intervals_close_in_time_order_across_campaigns() -> None:
    engine = make_engine(utc(2024, 1, 1))
    engine.add_org(9, "America/New_York")
    closed: list[IntervalClosed] = []
    engine.subscribe(IntervalClosed, closed.append)
    india = engine.create_campaign(
        APP, recurrence="daily", start=utc(2024, 1, 1), end=utc(2024, 1, 4)
    ).id
    york = engine.create_campaign(
        9, recurrence="daily", start=utc(2024, 1, 1), end=utc(2024, 1, 4)
    ).id
    engine.advance_to(utc(2024, 1, 4))
    assert [c.end for c in closed] == sorted(c.end for c in closed)
    assert {c.campaign_id for c in closed} == {india, york}


def test_retention_keeps_only_the_last_closed_intervals() -> None:
    engine = make_engine(SEED_START)
    campaign_id = seed_campaign(engine, retention=1)
    engine.award(campaign_id, "a", 1, event_id="first-day")
    first = engine.campaign_interval(APP, campaign_id)
    assert first is not None
    engine.advance_to(utc(2023, 9, 20, 12))
    kept = engine.campaign_intervals(APP, campaign_id)
    assert [i.sequence for i in kept] == [2, 3]
    assert engine.campaign_payouts(APP, campaign_id, first.activity_id) is None
    gone = engine.campaign_leaderboard(APP, campaign_id, activity_id=first.activity_id)
    assert gone.interval is None and gone.entries == ()
    engine.advance_to(utc(2023, 10, 1))
    assert [i.sequence for i in engine.campaign_intervals(APP, campaign_id)] == [8]
    none_kept = seed_campaign(engine, retention=0)
    assert engine.campaign_intervals(APP, none_kept) == ()
    assert engine.campaign_leaderboard(APP, none_kept).interval is None


# -- awards -------------------------------------------------------------------------------------


def test_a_repeated_event_id_counts_once_and_says_so() -> None:
    engine = make_engine()
    campaign_id = seed_campaign(engine)
    first = engine.award(campaign_id, "a", 5, event_id="e-1")
    again = engine.award(campaign_id, "a", 5, event_id="e-1")
    other = engine.award(campaign_id, "a", 5, event_id="e-2")
    assert not first.duplicate and again.duplicate and not other.duplicate
    assert again.standing is not None and again.standing.score == 5  # unchanged by the retry
    assert other.standing is not None and other.standing.score == 10
    engine.advance_to(utc(2023, 9, 19))
    # a retry after the interval closed is still recognised, not refused
    late = engine.award(campaign_id, "a", 5, at=SEED_START, event_id="e-1")
    assert late.duplicate and late.sequence == 1
    # event ids are per campaign
    second = seed_campaign(engine)
    assert not engine.award(second, "a", 5, event_id="e-1").duplicate


def test_late_points_for_the_open_interval_are_accepted_in_time_order() -> None:
    engine = make_engine(SEED_START + timedelta(hours=3))
    campaign_id = seed_campaign(engine)
    engine.award(campaign_id, "now", 2)
    result = engine.award(campaign_id, "earlier", 2, at=SEED_START + timedelta(hours=1))
    assert result.standing is not None
    assert result.standing.reached_at == SEED_START + timedelta(hours=1)
    assert [e.source_id for e in engine.campaign_page(APP, campaign_id)] == ["earlier", "now"]


def test_points_may_be_negative_or_zero() -> None:
    engine = make_engine()
    campaign_id = seed_campaign(engine)
    engine.award(campaign_id, "a", 5)
    engine.award(campaign_id, "a", -7)
    engine.award(campaign_id, "z", 0)
    assert rows(engine.campaign_page(APP, campaign_id)) == [("z", 1, 0, "30"), ("a", 2, -2, "30")]


def test_refused_awards_change_nothing() -> None:
    engine = make_engine(SEED_START + timedelta(minutes=5))
    campaign_id = seed_campaign(engine)
    before = engine.campaign_leaderboard(APP, campaign_id)
    bad: list[tuple[tuple[Any, ...], dict[str, Any], type[Exception], str]] = [
        (("a", True), {}, ScoreTypeError, "points"),
        (("a", "5"), {}, ScoreTypeError, "points"),
        (("a", float("inf")), {}, ScoreValueError, "points"),
        (("a", 2**60), {}, ScoreValueError, "points"),
        (("", 1), {}, InvalidArgument, "source_id"),
        ((5, 1), {}, InvalidArgumentType, "source_id"),
        (("a", 1, datetime(2023, 9, 18, 13)), {}, InvalidArgument, "at"),
        (("a", 1), {"event_id": ""}, InvalidArgument, "event_id"),
        (("a", 1), {"event_id": True}, InvalidArgumentType, "event_id"),
        (("a", 1), {"event_id": "\ud800"}, InvalidArgument, "event_id"),
        (("\udfff", 1), {}, InvalidArgument, "source_id"),
        (("a", 1, SEED_START + timedelta(minutes=6)), {}, InvalidArgument, "later than"),
        (("a", 1, SEED_START - timedelta(microseconds=1)), {}, AwardOutsideCampaign, "outside"),
        (("a", 1, SEED_END), {}, AwardOutsideCampaign, "outside"),
        (("a", 1, utc(2023, 9, 18, 18, 30)), {}, AwardIntervalNotStarted, "not started"),
    ]
    for args, kwargs, error, words in bad:
        with pytest.raises(error, match=words):
            engine.award(campaign_id, *args, event_id=kwargs.get("event_id", "x"))
    engine.award(campaign_id, "b", 2**53)
    with pytest.raises(ScoreValueError):
        engine.award(campaign_id, "b", 1, event_id="y")  # the new score would be too large
    assert engine.award(campaign_id, "c", 1, event_id="x").duplicate is False  # "x" never counted
    assert engine.award(campaign_id, "c", 1, event_id="y").duplicate is False
    with pytest.raises(SourceNotFound):
        engine.campaign_entry(APP, campaign_id, "a")  # refused awards register nobody
    after = engine.campaign_leaderboard(APP, campaign_id)
    assert after.participants == before.participants + 2


def test_award_refusals_carry_a_vendor_code() -> None:
    engine = make_engine()
    campaign_id = seed_campaign(engine)
    with pytest.raises(AwardRefused) as caught:
        engine.award(campaign_id, "a", 1, at=SEED_END)
    assert (caught.value.code, caught.value.key) == (400, "bad_request")
    assert caught.value.campaign_id == campaign_id and caught.value.at == SEED_END
    assert isinstance(caught.value, ValueError)


def test_pages_hold_twenty_entries() -> None:
    engine = make_engine()
    campaign_id = seed_campaign(engine)
    for n in range(45):
        engine.award(campaign_id, f"s{n:02}", 100 - n)
    pages = [engine.campaign_page(APP, campaign_id, page) for page in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [20, 20, 5, 0]
    assert [e.rank for p in pages for e in p] == list(range(1, 46))
    board = engine.campaign_leaderboard(APP, campaign_id, page=3)
    assert board.page == 3 and board.entries == pages[2] and board.participants == 45
    with pytest.raises(InvalidArgument, match="page"):
        engine.campaign_page(APP, campaign_id, 0)
    with pytest.raises(InvalidArgumentType, match="page"):
        engine.campaign_leaderboard(APP, campaign_id, page="2")  # type: ignore[arg-type]


def test_awards_from_several_threads_are_all_counted_once() -> None:
    engine = make_engine()
    campaign_id = seed_campaign(engine)

    def worker(name: str) -> None:
        for n in range(300):
            # one event id names one event: its retries carry the same payload
            engine.award(campaign_id, f"s{n % 200 % 7}", 1, event_id=f"{name}-{n % 200}")

    threads = [threading.Thread(target=worker, args=(f"t{k}",)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(e.points for e in engine.campaign_page(APP, campaign_id))  # type: ignore[misc]
    assert total == 4 * 200


# -- creation -----------------------------------------------------------------------------------


def test_campaign_settings_are_checked() -> None:
    engine = make_engine()
    engine.add_org(8, "UTC", leaderboards=False)
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"recurrence": "hourly"}, InvalidArgument, "recurrence"),
        ({"end": SEED_START}, InvalidArgument, "earlier"),
        ({"start": datetime(2023, 9, 18)}, InvalidArgument, "start"),
        ({"order": "sideways"}, InvalidArgument, "order"),
        ({"ties": "random"}, InvalidArgument, "ties"),
        ({"ties": 3}, InvalidArgumentType, "ties"),
        ({"retention": -1}, InvalidArgument, "retention"),
        ({"retention": True}, InvalidArgumentType, "retention"),
    ]
    for options, error, words in cases:
        with pytest.raises(error, match=words):
            seed_campaign(engine, **options)
    with pytest.raises(InvalidArgument, match="not registered"):
        engine.create_campaign(99, recurrence="daily", start=SEED_START, end=SEED_END)
    with pytest.raises(InvalidArgument, match="disabled"):
        engine.create_campaign(8, recurrence="daily", start=SEED_START, end=SEED_END)
    with pytest.raises(InvalidArgument, match="not registered"):
        engine.register(99, "a")


def test_campaign_info_reflects_the_settings() -> None:
    engine = make_engine()
    info = engine.create_campaign(
        APP,
        recurrence=Recurrence.WEEKLY,
        start=SEED_START,
        end=SEED_END,
        brackets=[Bracket("1", "80"), Bracket("2-3", "30", minimum=50)],
        order="asc",
        ties="dense",
        retention=4,
    )
    assert info.recurrence is Recurrence.WEEKLY and info.order is Order.ASC
    assert info.ties is TiePolicy.DENSE and info.retention == 4 and info.org == APP
    assert info.zone.key == "Asia/Kolkata"
    assert [(b.first, b.last, b.minimum) for b in info.brackets] == [(1, 1, None), (2, 3, 50)]
    assert engine.campaign(APP, info.id) == info


def test_given_activity_ids_name_the_first_intervals_and_survive_a_snapshot(
    tmp_path: Path,
) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    engine = Engine(clock=ManualClock(start))
    engine.add_org(1, "UTC")
    for bad in (["ldac_a", "ldac_a"], ["has space"], "ldac_a", [7]):
        with pytest.raises(RankcoreError):
            engine.create_campaign(
                1, recurrence="daily", start=start, end=start + timedelta(days=4),
                campaign_id="c", activity_ids=bad,  # type: ignore[arg-type]
            )  # fmt: skip
    assert engine.campaign(1, "c") is None
    engine.create_campaign(
        1, recurrence="daily", start=start, end=start + timedelta(days=4), campaign_id="c",
        activity_ids=["ldac_one", "ldac_two"],
    )  # fmt: skip
    engine.save(tmp_path / "engine.snapshot")
    for current in (engine, Engine.load(tmp_path / "engine.snapshot")):
        current.advance_to(start + timedelta(days=3))
        ids = [i.activity_id for i in current.campaign_intervals(1, "c")]
        assert ids[:2] == ["ldac_one", "ldac_two"]
        assert ids[2].startswith("ldac_") and len(ids[2]) == 26
