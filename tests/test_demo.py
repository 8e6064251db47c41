"""The season demo: deterministic for a seed, and its tables agree with the engine and with a
plain model of the season computed here from the seeded activities."""

from __future__ import annotations

import io
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore import IntervalClosed, InvalidArgument, InvalidArgumentType
from rankcore.api import Request, handle
from rankcore.cli import main
from rankcore.demo import (
    BRACKETS,
    MILESTONE_POINTS,
    MILESTONE_TARGET,
    NOW,
    ORG,
    SEASON_START,
    STREAK_TARGET,
    STREAK_VISITS,
    STREAK_WEEKS,
    TARGET_GROUP,
    WEEKS,
    ZONE,
    DemoConfig,
    DemoResult,
    EventKind,
    SeasonEvent,
    render_json,
    render_text,
    run_demo,
    season_events,
    tournament,
)
from rankcore.progress import NullProgress, TextProgress, progress_bar

SMALL = DemoConfig(seed=7, customers=60, events=4000)


SINGLE_DAY, BATCH_DAY = 0.25, 0.0625
"""What :func:`fixed_timer` makes each campaign day's ingest take on each engine (binary
fractions, so that their sums are exact)."""


def fixed_timer() -> Any:
    """A stand-in for ``time.perf_counter``: the engines take turns a day each, the
    single-event engine first on even days (from 0) and the batches first on odd ones, and
    each turn reads the timer twice; a single-event day takes ``SINGLE_DAY``, a batch day
    ``BATCH_DAY``. Were the turns in another order, the rates would come out mixed."""

    def times() -> Iterator[float]:
        now = 0.0
        for day in count():
            turns = (SINGLE_DAY, BATCH_DAY) if day % 2 == 0 else (BATCH_DAY, SINGLE_DAY)
            for took in turns:
                yield now
                now += took
                yield now
                now += 1.0  # time outside the turns is not counted

    return times().__next__


@pytest.fixture(scope="module")
def small() -> DemoResult:
    return run_demo(SMALL, timer=fixed_timer())


@pytest.fixture(scope="module")
def events() -> list[SeasonEvent]:
    return season_events(SMALL)


def capillary_time(t: datetime) -> str:
    local = t.astimezone(ZONE)
    return f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond // 1000:03d}IST"


# -- a plain model of the season --------------------------------------------------------------


def week_of(t: datetime) -> int:
    return (t - SEASON_START) // timedelta(weeks=1)


def day_of(t: datetime) -> int:
    return (t - SEASON_START) // timedelta(days=1)


def competition_ranks(scores: list[int]) -> list[int]:
    """Ranks "1224" of scores already listed best first."""
    return [1 + sum(1 for other in scores if other > score) for score in scores]


def milestone_model(events: list[SeasonEvent], week: int) -> list[tuple[int, int, datetime]]:
    """(customer, total, last activity) of a week's purchases, listed as an ordinal board:
    higher total first, then the earlier time the total was reached, then arrival."""
    total: dict[int, int] = defaultdict(int)
    last: dict[int, tuple[datetime, int]] = {}
    for index, e in enumerate(events):
        if e.kind is EventKind.PURCHASE and week_of(e.at) == week:
            total[e.customer] += e.value
            last[e.customer] = (e.at, index)
    order = sorted(total, key=lambda c: (-total[c], last[c]))
    return [(c, total[c], last[c][0]) for c in order]


def streak_model(events: list[SeasonEvent]) -> dict[str, Any]:
    """Replays the visits week by week: counts, achievements, breaks, and the open week's board
    as (customer, count, time reached, arrival), listed best first."""
    count: dict[int, int] = {}
    achieved = broken = 0
    current = week_of(NOW)
    board: dict[int, tuple[int, datetime, int]] = {}
    visits_by_week: dict[int, list[tuple[int, SeasonEvent]]] = defaultdict(list)
    for index, e in enumerate(events):
        if e.kind is EventKind.VISIT:
            visits_by_week[week_of(e.at)].append((index, e))
    for week in range(current + 1):
        visits: dict[int, int] = defaultdict(int)
        for index, e in visits_by_week[week]:
            count.setdefault(e.customer, 0)  # the first activity enrolls
            visits[e.customer] += 1
            reached = visits[e.customer] == STREAK_VISITS
            if reached:
                count[e.customer] += 1
                achieved += count[e.customer] == STREAK_WEEKS
            if week == current and (reached or e.customer not in board):
                board[e.customer] = (count[e.customer], e.at, index)
        if week < current:  # this week has closed
            for customer in count:
                if visits[customer] < STREAK_VISITS and count[customer] > 0:
                    count[customer] = 0
                    broken += 1
    listed = sorted(board.items(), key=lambda item: (-item[1][0], item[1][1], item[1][2]))
    return {"achieved": achieved, "broken": broken, "board": listed}


def payouts_model(
    events: list[SeasonEvent], day: int
) -> tuple[int, list[tuple[str, int, int, str]]]:
    """(participants, payouts) of one day of the campaign: (source, rank, points, reward)."""
    points: dict[str, int] = defaultdict(int)
    reached: dict[str, tuple[datetime, int]] = {}
    for index, e in enumerate(events):
        if e.kind is EventKind.PURCHASE and day_of(e.at) == day:
            points[str(e.customer)] += e.value
            reached[str(e.customer)] = (e.at, index)
    order = sorted(points, key=lambda s: (-points[s], reached[s]))
    ranks = competition_ranks([points[s] for s in order])
    payouts = []
    for source, rank in zip(order, ranks, strict=True):
        for bracket in BRACKETS:
            first, _, last = bracket.position.partition("-")
            if int(first) <= rank <= int(last or first) and (
                bracket.minimum is None or points[source] >= bracket.minimum
            ):
                payouts.append((source, rank, points[source], bracket.reward_value))
    return len(points), payouts


# -- determinism ------------------------------------------------------------------------------


def test_same_seed_same_tables_except_the_timing_line() -> None:
    first = render_text(run_demo(SMALL)).splitlines()
    second = render_text(run_demo(SMALL)).splitlines()
    assert first[:-2] == second[:-2]
    assert first[-2].startswith("Ingested ") and second[-2].startswith("Ingested ")
    assert first[-1].startswith("Through batches ") and second[-1].startswith("Through batches ")


def test_same_seed_same_json(small: DemoResult) -> None:
    assert render_json(run_demo(SMALL)) == render_json(small)


def test_another_seed_gives_another_season(small: DemoResult) -> None:
    other = run_demo(DemoConfig(seed=8, customers=60, events=4000))
    assert render_json(other) != render_json(small)


def test_events_are_seeded_sorted_and_inside_the_season(events: list[SeasonEvent]) -> None:
    assert events == season_events(SMALL)
    assert len(events) == SMALL.events
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[0].at >= SEASON_START and events[-1].at < NOW
    assert {e.customer for e in events} <= set(range(381_300_000, 381_300_000 + 60))
    assert {e.kind for e in events} == {EventKind.PURCHASE, EventKind.VISIT}


# -- the tables agree with the model and the engine -----------------------------------------------


def test_capillary_page_matches_the_model(small: DemoResult, events: list[SeasonEvent]) -> None:
    call = small.call("capillary_leaderboard")
    assert call is not None and call.response.status == 200
    body = call.response.body
    expected = milestone_model(events, week_of(NOW))
    got = [
        (r["rank"], r["userId"], r["achievedValue"], r["lastActivityTime"])
        for r in body["data"]["rankings"]
    ]
    assert got == [
        (i + 1, c, total, capillary_time(at)) for i, (c, total, at) in enumerate(expected[:10])
    ]
    assert body["data"]["periodId"] == 243 + week_of(NOW)
    assert body["pagination"] == {"limit": 10, "offset": 0, "total": len(expected)}


def test_milestones_reached_match_the_model(small: DemoResult, events: list[SeasonEvent]) -> None:
    reached = sum(
        1
        for week in range(WEEKS)
        for _, total, _ in milestone_model(events, week)
        if total >= MILESTONE_POINTS
    )
    assert small.milestones_reached == reached


def test_streak_leaders_match_the_model(small: DemoResult, events: list[SeasonEvent]) -> None:
    model = streak_model(events)
    assert (small.streaks_achieved, small.streaks_broken) == (model["achieved"], model["broken"])
    call = small.call("capillary_streaks")
    assert call is not None and call.response.status == 200
    rows = call.response.body["data"]["rankings"]
    listed = model["board"]
    ranks = competition_ranks([count for _, (count, _, _) in listed])
    assert [(r["rank"], r["userId"], r["achievedValue"]) for r in rows] == [
        (rank, customer, count)
        for rank, (customer, (count, _, _)) in list(zip(ranks, listed, strict=True))[:10]
    ]
    assert call.response.body["pagination"]["total"] == len(listed)


def test_payouts_match_the_model_and_the_engine(
    small: DemoResult, events: list[SeasonEvent]
) -> None:
    closed_days = day_of(NOW)
    assert [c.sequence for c in small.closings] == list(range(1, closed_days + 1))
    for day, closing in enumerate(small.closings):
        participants, payouts = payouts_model(events, day)
        assert closing.participants == participants
        assert [(p.source_id, p.rank, p.points, p.reward_value) for p in closing.payouts] == payouts
        assert closing.start == SEASON_START + timedelta(days=day)
        stored = small.engine.campaign_payouts(ORG, small.campaign_id, closing.activity_id)
        assert stored == closing.payouts


def test_last_closed_interval_response(small: DemoResult) -> None:
    call = small.call("rehook_last_closed_interval")
    assert call is not None and call.response.status == 200
    body = call.response.body
    last = small.closings[-1]
    assert body["leaderboard_reward_given"] is True
    assert body["number_of_participants"] == last.participants
    rewarded = [(r["source_id"], r["reward"]) for r in body["leaderboard"] if r["reward"] != "0"]
    assert rewarded == [(p.source_id, p.reward_value) for p in last.payouts][: len(rewarded)]


def test_around_me_agrees_with_the_engine(small: DemoResult) -> None:
    me = small.around
    assert me is not None
    engine, campaign = small.engine, small.campaign_id
    entry = engine.campaign_entry(ORG, campaign, me.source_id)
    assert entry is not None and (entry.rank, entry.source_id) == (me.rank, me.source_id)
    listing = [
        e
        for page in range(1, me.participants // 20 + 2)
        for e in engine.campaign_page(ORG, campaign, page)
    ]
    assert len(listing) == me.participants
    assert listing[me.position].source_id == me.source_id
    window = listing[max(0, me.position - 3) : me.position + 4]
    assert [(r.rank, r.source_id, r.points, r.reward) for r in me.rows] == [
        (e.rank, e.source_id, e.points, e.reward) for e in window
    ]
    mine = small.call("rehook_around_me")
    assert mine is not None
    assert mine.response.body["my_rank"]["source_id"] == me.source_id
    assert me.day == NOW.date()


def test_text_report_sections(small: DemoResult) -> None:
    text = render_text(small)
    for heading in (
        "rankcore season demo (seed 7)",
        "Capillary leaderboard: target 366 'weekly-points', period 246 (week_4)",
        "Streak leaders: target 367 'weekly-visits'",
        f"payouts of the {day_of(NOW)} closed daily intervals",
        f"Around customer {small.around.source_id if small.around else ''}",
    ):
        assert heading in text
    assert "<- me" in text
    assert small.batch is not None
    days = len({day_of(e.at) for e in season_events(SMALL)})
    single, batched = days * SINGLE_DAY, days * BATCH_DAY
    assert text.splitlines()[-2:] == [
        f"Ingested {small.ingested:,} events ({SMALL.events:,} activities, "
        f"{small.awards:,} campaign awards) in {single:.2f} s:"
        f" {small.ingested / single:,.0f} events/s",
        f"Through batches ({small.batch.calls:,} batches: record_activities, then award_many):"
        f" {batched:.2f} s: {small.ingested / batched:,.0f} events/s (4.0x); same boards and"
        " payouts: yes",
    ]
    assert small.awards == sum(1 for e in season_events(SMALL) if e.kind is EventKind.PURCHASE)


def test_the_batch_run_ends_with_the_same_boards(
    small: DemoResult, events: list[SeasonEvent]
) -> None:
    batch = small.batch
    assert batch is not None and batch.agrees
    days = [day_of(e.at) for e in events]
    assert batch.calls == len(set(days))  # a batch per day: none holds 5,000 activities here
    fast = batch.engine
    expected = milestone_model(events, week_of(NOW))
    board = fast.target_leaderboard(ORG, TARGET_GROUP, MILESTONE_TARGET, limit=len(expected))
    assert [(r.customer_id, r.achieved_value, r.last_activity_at) for r in board.rankings] == [
        (c, total, at.astimezone(ZONE)) for c, total, at in expected
    ]
    for day in range(day_of(NOW)):
        interval = fast.campaign_intervals(ORG, small.campaign_id)[day]
        paid = fast.campaign_payouts(ORG, small.campaign_id, interval.activity_id)
        assert paid is not None
        assert [(p.source_id, p.rank, p.points, p.reward_value) for p in paid] == (
            payouts_model(events, day)[1]
        )


def test_without_batches_one_summary_line() -> None:
    result = run_demo(DemoConfig(seed=2, customers=5, events=50, batches=False))
    assert result.batch is None
    assert render_text(result).splitlines()[-1].startswith(f"Ingested {result.ingested:,} events")
    with pytest.raises(InvalidArgumentType, match="batches"):
        DemoConfig(batches="yes")  # type: ignore[arg-type]


def tournament_model(seed: int) -> tuple[list[tuple[str, int, int, int, int, int]], str, list]:
    """The kernel section's tournament by brute force: the same seeded draws, each player's
    total and the time it last changed, listed best first, ranked under each policy."""
    rng = random.Random(f"rankcore demo tournament {seed}")
    players = [f"player-{n:04d}" for n in range(1, 1001)]
    total: dict[str, int] = {}
    reached: dict[str, datetime] = {}
    for round_ in range(3):
        for offset, player in enumerate(players):
            points = rng.randint(0, 20)
            if player not in total or points:
                reached[player] = SEASON_START + timedelta(minutes=round_, seconds=offset / 100)
            total[player] = total.get(player, 0) + points
    listed = sorted(players, key=lambda p: (-total[p], reached[p]))
    scores = [total[p] for p in listed]
    rows = [
        (
            p,
            total[p],
            1 + sum(1 for x in scores if x > total[p]),
            sum(1 for x in scores if x >= total[p]),
            1 + len({x for x in scores if x > total[p]}),
            i + 1,
        )
        for i, p in enumerate(listed)
    ]
    featured = players[rng.randrange(1000)]
    at = listed.index(featured)
    window = [(r[0], r[1], r[2], r[5]) for r in rows[max(0, at - 3) : at + 4]]
    return rows, featured, window


@pytest.mark.parametrize("seed", [1, 7])
def test_kernel_section_matches_a_brute_force_board(seed: int) -> None:
    board = tournament(seed)
    rows, featured, window = tournament_model(seed)
    assert list(board.top) == rows[:8]
    assert board.featured == featured
    assert list(board.around) == window
    assert len(board.board) == 1000


def test_kernel_section_is_in_the_report(small: DemoResult) -> None:
    text = render_text(small)
    assert "The kernel: a tournament on a bare rankcore.Leaderboard" in text
    assert small.kernel is not None
    assert f"Around {small.kernel.featured}" in text
    assert text.index("The kernel") < text.index("Capillary leaderboard")


def test_json_lines_are_the_vendor_responses(small: DemoResult) -> None:
    lines = [json.loads(line) for line in render_json(small).splitlines()]
    assert [line["name"] for line in lines] == [
        "capillary_leaderboard",
        "capillary_streaks",
        "rehook_last_closed_interval",
        "rehook_around_me",
    ]
    for line, call in zip(lines, small.calls, strict=True):
        assert line["status"] == 200
        again = handle(
            small.engine,
            Request("GET", line["request"]["path"], ORG, 1, query=line["request"]["query"]),
        )
        assert json.dumps(line["body"]) == json.dumps(again.body) == call.response.to_json()


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    customers=st.integers(1, 25),
    events=st.integers(0, 400),
)
def test_any_small_season_matches_the_model(seed: int, customers: int, events: int) -> None:
    config = DemoConfig(seed=seed, customers=customers, events=events)
    result = run_demo(config)
    activities = season_events(config)
    call = result.call("capillary_leaderboard")
    assert call is not None
    expected = milestone_model(activities, week_of(NOW))
    assert call.response.body["pagination"]["total"] == len(expected)
    assert [(r["userId"], r["achievedValue"]) for r in call.response.body["data"]["rankings"]] == [
        (customer, total) for customer, total, _ in expected[:10]
    ]
    model = streak_model(activities)
    assert (result.streaks_achieved, result.streaks_broken) == (model["achieved"], model["broken"])
    assert len(result.closings) == day_of(NOW)
    for day, closing in enumerate(result.closings):
        participants, payouts = payouts_model(activities, day)
        assert closing.participants == participants
        assert [(p.source_id, p.rank, p.points, p.reward_value) for p in closing.payouts] == payouts
    render_text(result)  # renders whatever the season, even an empty one
    assert (result.around is None) == (
        not any(day_of(e.at) == day_of(NOW) for e in activities if e.kind is EventKind.PURCHASE)
    )


def test_an_empty_season_still_reports() -> None:
    result = run_demo(DemoConfig(seed=1, customers=3, events=0))
    text = render_text(result)
    assert "(nobody on the board yet)" in text
    assert "nobody has points in the open campaign interval yet" in text
    assert all(c.participants == 0 and c.payouts == () for c in result.closings)
    assert result.closings and all(isinstance(c, IntervalClosed) for c in result.closings)


# -- configuration, progress and the command line ---------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"customers": 0}, InvalidArgument, "customers"),
        ({"events": -1}, InvalidArgument, "events"),
        ({"customers": 2.5}, InvalidArgumentType, "customers"),
        ({"seed": "1"}, InvalidArgumentType, "seed"),
        ({"events": True}, InvalidArgumentType, "events"),
    ],
)
def test_config_refuses_bad_sizes(kwargs: dict[str, Any], error: type, word: str) -> None:
    with pytest.raises(error, match=word):
        DemoConfig(**kwargs)


def test_progress_reports_every_activity() -> None:
    class Count:
        def __init__(self) -> None:
            self.done, self.closed = 0, False

        def update(self, n: int) -> None:
            self.done += n

        def close(self) -> None:
            self.closed = True

    counter = Count()
    run_demo(DemoConfig(seed=2, customers=5, events=9000), progress=counter)
    assert (counter.done, counter.closed) == (9000, True)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_shown_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(progress_bar(10, "x", io.StringIO()), NullProgress)
    monkeypatch.setattr("rankcore.progress._tqdm", lambda: None)
    stream = Terminal()
    bar = progress_bar(200, "ingesting", stream, unit="activities")
    assert isinstance(bar, TextProgress)
    for _ in range(4):
        bar.update(50)
    bar.update(0)  # same percentage: no redraw
    bar.close()
    assert stream.getvalue() == (
        "\ringesting:  25% (50/200 activities)\ringesting:  50% (100/200 activities)"
        "\ringesting:  75% (150/200 activities)\ringesting: 100% (200/200 activities)\n"
    )


def test_cli_prints_the_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--seed", "7", "--customers", "60", "--events", "4000"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[:-2] == render_text(run_demo(SMALL)).splitlines()[:-2]
    assert err == ""  # no progress line when stderr is not a terminal


def test_cli_json_prints_only_vendor_responses(
    capsys: pytest.CaptureFixture[str], small: DemoResult
) -> None:
    assert main(["demo", "--json", "--seed", "7", "--customers", "60", "--events", "4000"]) == 0
    out, err = capsys.readouterr()
    assert out == render_json(small) + "\n"
    assert err.startswith("Ingested ")


def test_cli_refuses_bad_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--customers", "0"]) == 2
    assert "customers must be between 1" in capsys.readouterr().err


def test_cli_defaults_are_the_documented_season() -> None:
    config = DemoConfig()
    assert (config.seed, config.customers, config.events) == (1, 3000, 200_000)
    assert (TARGET_GROUP, MILESTONE_TARGET, STREAK_TARGET, ZONE.key) == (
        232,
        366,
        367,
        "Asia/Kolkata",
    )
