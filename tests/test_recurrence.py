"""Recurrence: intervals tile a campaign on the tenant's local calendar, across DST changes."""

from __future__ import annotations

import doctest
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankcore.timeline.recurrence as recurrence_module
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.timeline.recurrence import (
    Interval,
    Recurrence,
    Schedule,
    interval_at,
    intervals,
)

ZONES = ["Asia/Kolkata", "America/New_York", "Europe/London", "Australia/Lord_Howe"]
KINDS = [kind.value for kind in Recurrence]
STEP = timedelta(minutes=15)  # every local midnight in ZONES falls on a 15-minute UTC grid


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- an independent brute-force model ---------------------------------------------------------


def model_unit(kind: str, day: date) -> tuple[int, ...]:
    """The calendar unit of a local date, written plainly."""
    if kind == "daily":
        return (day.year, day.month, day.day)
    if kind == "weekly":
        monday = day - timedelta(days=day.weekday())
        return (monday.year, monday.month, monday.day)
    if kind == "monthly":
        return (day.year, day.month)
    return ()


def model_intervals(kind: str, start: datetime, end: datetime, zone: str) -> list[tuple]:
    """Walk UTC time in 15-minute steps; a new interval begins wherever the local unit
    changes. Valid for ZONES, whose midnights all exist and sit on the 15-minute grid."""
    tz = ZoneInfo(zone)
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    t = epoch + ((start - epoch) // STEP + 1) * STEP  # first grid point after start
    boundaries = [start]
    unit = model_unit(kind, start.astimezone(tz).date())
    while t < end:
        here = model_unit(kind, t.astimezone(tz).date())
        if here != unit:
            boundaries.append(t)
            unit = here
        t += STEP
    boundaries.append(end)
    return [
        (index + 1, boundaries[index], boundaries[index + 1])
        for index in range(len(boundaries) - 1)
    ]


LENGTH = {
    "daily": timedelta(days=40),
    "weekly": timedelta(days=120),
    "monthly": timedelta(days=400),
    "campaign_duration": timedelta(days=90),
}


@st.composite
def campaigns(draw: st.DrawFn) -> tuple[str, datetime, datetime, str]:
    kind = draw(st.sampled_from(KINDS))
    zone = draw(st.sampled_from(ZONES))
    # Starts around the DST changes of 2023-2025, at any microsecond.
    start = draw(
        st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2025, 12, 31))
    ).replace(tzinfo=UTC)
    length = draw(st.timedeltas(min_value=timedelta(microseconds=1), max_value=LENGTH[kind]))
    return kind, start, start + length, zone


@settings(max_examples=120, deadline=None)
@given(campaigns())
def test_intervals_match_the_brute_force_model_and_tile_the_campaign(
    campaign: tuple[str, datetime, datetime, str],
) -> None:
    kind, start, end, zone = campaign
    got = [(i.sequence, i.start, i.end) for i in intervals(kind, start, end, zone)]
    assert got == model_intervals(kind, start, end, zone)
    # tiling, stated directly: first starts at start, last ends at end, each begins where the
    # previous one ended, none is empty
    assert got[0][1] == start and got[-1][2] == end
    assert all(a[2] == b[1] for a, b in itertools.pairwise(got))
    assert all(s < e for _, s, e in got)


@settings(max_examples=120, deadline=None)
@given(campaigns(), st.floats(min_value=0, max_value=1, exclude_max=True))
def test_interval_at_finds_the_one_interval_containing_t(
    campaign: tuple[str, datetime, datetime, str], fraction: float
) -> None:
    kind, start, end, zone = campaign
    span = (end - start) // timedelta(microseconds=1)
    t = start + timedelta(microseconds=min(int(span * fraction), span - 1))
    expected = [row for row in model_intervals(kind, start, end, zone) if row[1] <= t < row[2]]
    found = interval_at(kind, start, end, zone, t)
    assert found is not None
    assert [(found.sequence, found.start, found.end)] == expected
    assert t in found


@settings(max_examples=60, deadline=None)
@given(campaigns())
def test_interval_at_is_none_outside_the_campaign(
    campaign: tuple[str, datetime, datetime, str],
) -> None:
    kind, start, end, zone = campaign
    schedule = Schedule.of(kind, start, end, zone)
    assert schedule.at(start - timedelta(microseconds=1)) is None
    assert schedule.at(end) is None
    assert schedule.at(start) == schedule.first()
    last = list(schedule)[-1]
    assert schedule.at(end - timedelta(microseconds=1)) == last
    assert last.sequence == schedule.last_sequence


# -- the seed ---------------------------------------------------------------------------------


def test_seed_interval_daily_in_kolkata() -> None:
    start = datetime.fromisoformat("2023-09-18T12:26:13.656765Z")
    first = next(intervals("daily", start, utc(2023, 9, 25), "Asia/Kolkata"))
    assert first == Interval(1, start, utc(2023, 9, 18, 18, 30))
    # local midnight in India, 2023-09-19 00:00 +05:30
    assert first.end.astimezone(ZoneInfo("Asia/Kolkata")).isoformat() == (
        "2023-09-19T00:00:00+05:30"
    )


def test_module_doctest() -> None:
    result = doctest.testmod(recurrence_module)
    assert result.attempted > 0 and result.failed == 0


# -- DST days by hand -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/New_York", date(2024, 3, 10), 23),
        ("America/New_York", date(2024, 11, 3), 25),
        ("Europe/London", date(2024, 3, 31), 23),
        ("Europe/London", date(2024, 10, 27), 25),
        ("Australia/Lord_Howe", date(2024, 4, 7), 24.5),
        ("Australia/Lord_Howe", date(2024, 10, 6), 23.5),
        ("Asia/Kolkata", date(2024, 3, 10), 24),
    ],
)
def test_dst_days_are_longer_or_shorter(zone: str, day: date, hours: float) -> None:
    tz = ZoneInfo(zone)
    start = datetime.combine(day - timedelta(days=2), datetime.min.time(), tz)
    end = datetime.combine(day + timedelta(days=3), datetime.min.time(), tz)
    by_day = {i.start.astimezone(tz).date(): i for i in intervals("daily", start, end, zone)}
    assert by_day[day].duration == timedelta(hours=hours)
    assert by_day[day].start.astimezone(tz).time() == datetime.min.time()


def test_a_midnight_inside_a_dst_gap_starts_the_day_at_the_transition() -> None:
    # Cairo, 2023-04-28: 00:00 EET jumps to 01:00 EEST; the day starts at 22:00Z on the 27th.
    got = list(intervals("daily", utc(2023, 4, 27), utc(2023, 4, 30), "Africa/Cairo"))
    assert [(i.start, i.end) for i in got] == [
        (utc(2023, 4, 27), utc(2023, 4, 27, 22)),
        (utc(2023, 4, 27, 22), utc(2023, 4, 28, 21)),
        (utc(2023, 4, 28, 21), utc(2023, 4, 29, 21)),
        (utc(2023, 4, 29, 21), utc(2023, 4, 30)),
    ]


def test_a_local_date_that_never_happened_has_no_interval() -> None:
    # Samoa skipped 2011-12-30 entirely: sequence 4 does not exist, nothing is empty.
    got = list(intervals("daily", utc(2011, 12, 28), utc(2012, 1, 2), "Pacific/Apia"))
    assert [i.sequence for i in got] == [1, 2, 3, 5, 6, 7]
    assert all(a.end == b.start for a, b in itertools.pairwise(got))
    assert all(i.duration == timedelta(days=1) for i in got[1:-1])
    schedule = Schedule.of("daily", utc(2011, 12, 28), utc(2012, 1, 2), "Pacific/Apia")
    assert schedule.interval(4) is None
    assert schedule.at(got[3].start) == got[3]


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    tz = ZoneInfo("Europe/London")
    weeks = list(intervals("weekly", utc(2024, 3, 1), utc(2024, 5, 1), tz))
    assert all(i.start.astimezone(tz).weekday() == 0 for i in weeks[1:])
    months = list(intervals(Recurrence.MONTHLY, utc(2024, 1, 15), utc(2024, 12, 15), tz))
    assert [i.start.astimezone(tz).day for i in months[1:]] == [1] * 11
    assert months[3].start == datetime(2024, 4, 1, tzinfo=tz)  # BST midnight = 23:00Z


def test_campaign_duration_is_one_interval() -> None:
    got = list(intervals("campaign_duration", utc(2024, 1, 1), utc(2024, 6, 1), "UTC"))
    assert got == [Interval(1, utc(2024, 1, 1), utc(2024, 6, 1))]


def test_inputs_in_any_zone_come_out_in_utc() -> None:
    tz = ZoneInfo("Asia/Kolkata")
    got = list(intervals("daily", datetime(2024, 1, 1, 9, tzinfo=tz), utc(2024, 1, 2), tz))
    assert got[0].start == utc(2024, 1, 1, 3, 30) and got[0].start.tzinfo is UTC


def test_schedule_after_walks_to_the_end() -> None:
    schedule = Schedule.of("weekly", utc(2024, 1, 3), utc(2024, 1, 20), "UTC")
    first = schedule.first()
    second = schedule.after(first)
    assert second is not None and second.start == utc(2024, 1, 8)
    third = schedule.after(second)
    assert third is not None and third.end == utc(2024, 1, 20)
    assert schedule.after(third) is None
    assert schedule.boundary(0) == schedule.start and schedule.boundary(99) == schedule.end


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        (("hourly", utc(2024, 1, 1), utc(2024, 2, 1), "UTC"), InvalidArgument, "recurrence"),
        ((7, utc(2024, 1, 1), utc(2024, 2, 1), "UTC"), InvalidArgumentType, "recurrence"),
        (("daily", utc(2024, 2, 1), utc(2024, 1, 1), "UTC"), InvalidArgument, "earlier"),
        (("daily", utc(2024, 1, 1), utc(2024, 1, 1), "UTC"), InvalidArgument, "earlier"),
        (("daily", datetime(2024, 1, 1), utc(2024, 2, 1), "UTC"), InvalidArgument, "start"),
        (("daily", utc(2024, 1, 1), "2024-02-01", "UTC"), InvalidArgumentType, "end"),
        (("daily", utc(2024, 1, 1), utc(2024, 2, 1), "Mars/Olympus"), InvalidArgument, "zone"),
        (("daily", utc(2024, 1, 1), utc(2024, 2, 1), 5), InvalidArgumentType, "zone"),
        (("daily", utc(1800, 1, 1), utc(2024, 2, 1), "UTC"), InvalidArgument, "1970"),
    ],
)
def test_bad_arguments_are_refused_by_name(
    args: tuple[object, ...], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        Schedule.of(*args)  # type: ignore[arg-type]


def test_interval_at_refuses_a_naive_instant() -> None:
    with pytest.raises(InvalidArgument, match="t must be timezone-aware"):
        interval_at("daily", utc(2024, 1, 1), utc(2024, 2, 1), "UTC", datetime(2024, 1, 5))


def _monotone_model(start: datetime, end: datetime, zone: str) -> list[tuple[datetime, datetime]]:
    """Daily intervals by brute force for any zone: a new day begins the first time the
    local date passes every local date seen before (found on a 15-minute grid, then to the
    microsecond by bisection)."""
    tz = ZoneInfo(zone)
    cuts = [start]
    latest = start.astimezone(tz).date()
    t = start + STEP
    while t < end:
        if t.astimezone(tz).date() > latest:
            lo, hi = t - STEP, t
            while hi - lo > timedelta(microseconds=1):
                mid = lo + (hi - lo) // 2
                if mid.astimezone(tz).date() > latest:
                    hi = mid
                else:
                    lo = mid
            cuts.append(max(hi, cuts[-1]))
            latest = t.astimezone(tz).date()
        t += STEP
    cuts.append(end)
    return list(itertools.pairwise(cuts))


@pytest.mark.parametrize(
    "zone",
    # midnight in a DST gap, fall-back across midnight, a skipped date, 45-minute offsets
    ["America/Sao_Paulo", "Asia/Tehran", "America/Havana", "Pacific/Apia", "Asia/Kathmandu"],
)
def test_odd_zones_follow_the_first_instant_of_each_local_date(zone: str) -> None:
    start, end = utc(2010, 1, 1), utc(2012, 1, 1)
    got = [(i.start, i.end) for i in intervals("daily", start, end, zone)]
    assert got == _monotone_model(start, end, zone)
