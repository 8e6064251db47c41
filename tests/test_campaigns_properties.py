"""Campaigns against a brute-force model: awards, duplicates, closing, ranks and payouts.

The model is written plainly here: its intervals come from walking UTC time in 15-minute
steps and watching the local calendar change, its ranks and rewards from counting.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore import (
    AwardIntervalClosed,
    AwardIntervalNotStarted,
    AwardOutsideCampaign,
    Engine,
    IntervalClosed,
    InvalidArgument,
    ManualClock,
    Order,
    TiePolicy,
)
from rankcore.campaigns import AwardTooLate
from rankcore.errors import EventIdConflict

ZONES = ["Asia/Kolkata", "America/New_York", "Europe/London", "Australia/Lord_Howe"]
STEP = timedelta(minutes=15)
SOURCES = ["ann", "bob", "cy", "di", "ed", "flo"]
# how far behind the clock an award may be stamped, and its event id remembered at most
WINDOW = {
    "daily": timedelta(days=2),
    "weekly": timedelta(days=8),
    "monthly": timedelta(days=32),
    "campaign_duration": timedelta(days=1),
}
SPAN = {
    "daily": timedelta(days=6),
    "weekly": timedelta(weeks=5),
    "monthly": timedelta(days=120),
    "campaign_duration": timedelta(days=20),
}
UNIT = {
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
    "monthly": timedelta(days=30),
    "campaign_duration": timedelta(days=5),
}


# -- the model ----------------------------------------------------------------------------------


def model_unit(kind: str, t: datetime, zone: ZoneInfo) -> tuple[int, ...]:
    day = t.astimezone(zone).date()
    if kind == "daily":
        return (day.year, day.month, day.day)
    if kind == "weekly":
        monday = day - timedelta(days=day.weekday())
        return (monday.year, monday.month, monday.day)
    if kind == "monthly":
        return (day.year, day.month)
    return ()


def model_intervals(kind: str, start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple]:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    t = epoch + ((start - epoch) // STEP + 1) * STEP
    cuts = [start]
    unit = model_unit(kind, start, zone)
    while t < end:
        if model_unit(kind, t, zone) != unit:
            cuts.append(t)
            unit = model_unit(kind, t, zone)
        t += STEP
    cuts.append(end)
    return [(i + 1, cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]


def better(a: int, b: int, desc: bool) -> bool:
    return a > b if desc else a < b


def model_ranks(totals: dict[str, list[Any]], desc: bool, ties: str) -> list[tuple[str, int]]:
    """Listing order and display ranks, by counting. ``totals``: source -> [points, at, seq]."""
    listed = sorted(
        totals, key=lambda s: (-totals[s][0] if desc else totals[s][0], totals[s][1], totals[s][2])
    )
    out = []
    for position, source in enumerate(listed, start=1):
        mine = totals[source][0]
        scores = [v[0] for v in totals.values()]
        if ties == "competition":
            rank = 1 + sum(better(s, mine, desc) for s in scores)
        elif ties == "modified_competition":
            rank = sum(better(s, mine, desc) or s == mine for s in scores)
        elif ties == "dense":
            rank = 1 + len({s for s in scores if better(s, mine, desc)})
        else:
            rank = position
        out.append((source, rank))
    return out


def model_reward(
    brackets: list[tuple[int, int, str, int | None]], points: int, scores: list[int], desc: bool
) -> tuple[int, str]:
    """(competition rank, reward) by brute force."""
    rank = 1 + sum(better(s, points, desc) for s in scores)
    for first, last, value, minimum in brackets:
        if first <= rank <= last:
            meets = minimum is None or (points >= minimum if desc else points <= minimum)
            return rank, value if meets else "0"
    return rank, "0"


# -- strategies ---------------------------------------------------------------------------------


@st.composite
def brackets(draw: st.DrawFn) -> list[tuple[int, int, str, int | None]]:
    edges = sorted(draw(st.sets(st.integers(1, 8), max_size=6)))
    out = []
    i = 0
    while i < len(edges):
        first = edges[i]
        if i + 1 < len(edges) and draw(st.booleans()):
            last = edges[i + 1]
            i += 2
        else:
            last = first
            i += 1
        minimum = draw(st.none() | st.integers(-2, 6))
        out.append((first, last, str(draw(st.integers(1, 99))), minimum))
    return out


award = st.tuples(
    st.just("award"),
    st.sampled_from(SOURCES),
    st.integers(-3, 9),
    # at = now + this many units: mostly now or a little late, sometimes far off either way
    st.sampled_from([0.0, 0.0, -0.01]) | st.floats(-0.2, 0) | st.floats(-1.2, 0.3),
    st.none() | st.sampled_from([f"e{i}" for i in range(8)]),
)
step = st.one_of(st.tuples(st.just("tick"), st.floats(0, 1.6)), award, award, award)


@settings(max_examples=80, deadline=None)
@given(
    kind=st.sampled_from(list(SPAN)),
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2025, 12, 1)),
    length=st.floats(0.05, 1),
    lead=st.floats(0, 0.5) | st.floats(-0.3, 0),
    table=brackets(),
    desc=st.booleans(),
    ties=st.sampled_from([p.value for p in TiePolicy]),
    retention=st.none() | st.integers(0, 3),
    steps=st.lists(step, min_size=3, max_size=60),
)
def test_campaign_matches_the_brute_force_model(
    kind: str,
    zone_name: str,
    start: datetime,
    length: float,
    lead: float,
    table: list[tuple[int, int, str, int | None]],
    desc: bool,
    ties: str,
    retention: int | None,
    steps: list[tuple[Any, ...]],
) -> None:
    zone = ZoneInfo(zone_name)
    start = start.replace(tzinfo=UTC)
    end = start + SPAN[kind] * length + timedelta(hours=1)
    unit = UNIT[kind]
    now = start + unit * lead
    engine = Engine(clock=ManualClock(now), seed=7)
    engine.add_org(1, zone)
    closed: list[IntervalClosed] = []
    engine.subscribe(IntervalClosed, closed.append)
    info = engine.create_campaign(
        1,
        recurrence=kind,
        start=start,
        end=end,
        brackets=[
            {"position": f"{a}-{b}" if a != b else str(a), "reward_value": v, "min_value": m}
            for a, b, v, m in table
        ],
        order=Order.DESC if desc else Order.ASC,
        ties=ties,
        retention=retention,
    )
    intervals = model_intervals(kind, start, end, zone)
    totals: dict[int, dict[str, list[Any]]] = {seq: {} for seq, _, _ in intervals}
    # event id -> (interval sequence, (source, points, at)), while remembered
    seen: dict[str, tuple[int, tuple[Any, ...]]] = {}
    writes = 0

    def retained(now: datetime) -> list[int]:
        started = [seq for seq, s, _ in intervals if s <= now]
        done = [seq for seq, _, e in intervals if e <= now]
        open_ = [seq for seq in started if seq not in done]
        keep = done if retention is None else (done[-retention:] if retention else [])
        return keep + open_

    def check_open_interval(now: datetime) -> None:
        board = engine.campaign_leaderboard(1, info.id)
        live = [seq for seq, s, e in intervals if s <= now < e]
        if not live:
            return
        seq = live[0]
        assert board.interval is not None and board.interval.sequence == seq
        model = totals[seq]
        assert board.participants == len(model)
        entries = []
        page = 1
        while chunk := engine.campaign_page(1, info.id, page):
            entries.extend(chunk)
            page += 1
        scores = [v[0] for v in model.values()]
        expected = [
            (source, rank, model[source][0], model_reward(table, model[source][0], scores, desc)[1])
            for source, rank in model_ranks(model, desc, ties)
        ]
        assert [(e.source_id, e.rank, e.points, e.reward) for e in entries] == expected

    for action in steps:
        if action[0] == "tick":
            now = now + unit * action[1]
            engine.advance_to(now)
            # forget event ids of intervals retention dropped, and of every closed interval
            # but the last (ids are remembered until the next interval closes), and those
            # stamped more than the window behind the clock
            done = [seq for seq, _, e in intervals if e <= now]
            for seq, _, e in intervals:
                if e <= now and (seq not in retained(now) or seq != done[-1]):
                    for event_id in [k for k, v in seen.items() if v[0] == seq]:
                        del seen[event_id]
            for event_id in [k for k, v in seen.items() if v[1][2] + WINDOW[kind] < now]:
                del seen[event_id]
            check_open_interval(now)
            continue
        _, source, points, shift, event_id = action
        at = now + unit * shift
        if event_id is not None and event_id in seen:
            if seen[event_id][1] != (source, points, at):
                try:
                    engine.award(info.id, source, points, at, event_id=event_id)
                except EventIdConflict:
                    continue
                raise AssertionError("expected EventIdConflict")
            result = engine.award(info.id, source, points, at, event_id=event_id)
            assert result.duplicate
            continue
        home = [row for row in intervals if row[1] <= at < row[2]]
        if not home:
            expected_error: type[Exception] | None = AwardOutsideCampaign
        elif home[0][2] <= now:
            expected_error = AwardIntervalClosed
        elif home[0][1] > now:
            expected_error = AwardIntervalNotStarted
        elif at > now:
            expected_error = InvalidArgument  # in the open interval, but in the future
        elif at < now - WINDOW[kind]:
            expected_error = AwardTooLate
        else:
            expected_error = None
        if expected_error is not None:
            try:
                engine.award(info.id, source, points, at, event_id=event_id)
            except expected_error as error:
                assert type(error) is expected_error, error
            else:
                raise AssertionError(f"expected {expected_error.__name__}")
            continue
        result = engine.award(info.id, source, points, at, event_id=event_id)
        seq = home[0][0]
        assert not result.duplicate and result.sequence == seq
        model = totals[seq]
        if source not in model:
            writes += 1
            model[source] = [points, at, writes]
        elif points != 0:
            writes += 1
            model[source] = [model[source][0] + points, at, writes]
        if event_id is not None:
            seen[event_id] = (seq, (source, points, at))
        assert result.standing is not None and result.standing.score == model[source][0]

    # close everything and compare each closing with the model
    engine.advance_to(max(now, end))
    assert [(c.sequence, c.start, c.end) for c in closed] == intervals
    for event, (seq, _, _) in zip(closed, intervals, strict=True):
        model = totals[seq]
        assert event.participants == len(model)
        scores = [v[0] for v in model.values()]
        expected = {}
        for source, (points, _, _) in model.items():
            rank, reward = model_reward(table, points, scores, desc)
            bracketed = any(a <= rank <= b for a, b, _, _ in table)
            meets = any(
                a <= rank <= b and (m is None or (points >= m if desc else points <= m))
                for a, b, _, m in table
            )
            if bracketed and meets:
                expected[source] = (rank, points, reward)
        assert {p.source_id: (p.rank, p.points, p.reward_value) for p in event.payouts} == expected
        assert event.final == (seq == intervals[-1][0])
    # every accepted award is in exactly one interval: totals per interval add up
    kept = engine.campaign_intervals(1, info.id)
    assert [i.sequence for i in kept] == retained(max(now, end))
    assert all(i.reward_given for i in kept)


@settings(max_examples=150, deadline=None)
@given(
    table=brackets(),
    desc=st.booleans(),
    ties=st.sampled_from([p.value for p in TiePolicy]),
    awards=st.lists(st.tuples(st.sampled_from([*SOURCES, "gus", "hal"]), st.integers(0, 3))),
)
def test_payouts_and_entries_match_brute_force_with_many_ties(
    table: list[tuple[int, int, str, int | None]],
    desc: bool,
    ties: str,
    awards: list[tuple[str, int]],
) -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    engine = Engine(clock=ManualClock(start), seed=3)
    engine.add_org(1, "Europe/London")
    closed: list[IntervalClosed] = []
    engine.subscribe(IntervalClosed, closed.append)
    info = engine.create_campaign(
        1,
        recurrence="campaign_duration",
        start=start,
        end=start + timedelta(days=1),
        brackets=[
            {"position": f"{a}-{b}", "reward_value": v, "min_value": m} for a, b, v, m in table
        ],
        order="desc" if desc else "asc",
        ties=ties,
    )
    model: dict[str, list[Any]] = {}
    for n, (source, points) in enumerate(awards):
        at = start + timedelta(minutes=n)
        engine.advance_to(at)  # an award may not be stamped later than the clock
        engine.award(info.id, source, points, at, event_id=f"e{n}")
        if source not in model:
            model[source] = [points, at, n]
        elif points:
            model[source] = [model[source][0] + points, at, n]
    scores = [v[0] for v in model.values()]
    expected_entries = [
        (s, rank, model[s][0], model_reward(table, model[s][0], scores, desc)[1])
        for s, rank in model_ranks(model, desc, ties)
    ]
    entries = engine.campaign_page(1, info.id, 1)
    assert [(e.source_id, e.rank, e.points, e.reward) for e in entries] == expected_entries
    for source in model:
        me = engine.campaign_entry(1, info.id, source)
        assert me is not None and (me.source_id, me.rank, me.points, me.reward) in expected_entries
    engine.advance_to(start + timedelta(days=1))
    (event,) = closed
    expected_payouts = []
    for source, _rank, points, _reward in expected_entries:
        rank = 1 + sum(better(s, points, desc) for s in scores)
        for a, b, value, minimum in table:
            if a <= rank <= b and (
                minimum is None or (points >= minimum if desc else points <= minimum)
            ):
                expected_payouts.append((source, rank, points, value))
    assert [(p.source_id, p.rank, p.points, p.reward_value) for p in event.payouts] == (
        expected_payouts
    )
