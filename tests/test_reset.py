"""Board resets: local times of day, weekdays, days of the month, fixed durations and cron,
checked against a brute-force walk of UTC time across DST changes."""

from __future__ import annotations

import doctest
import itertools
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankcore.timeline.reset as reset_module
from rankcore import Reset as ExportedReset
from rankcore.errors import InvalidArgument, InvalidArgumentType, RankcoreError
from rankcore.timeline.clock import LATEST
from rankcore.timeline.recurrence import Interval, Recurrence, Schedule
from rankcore.timeline.reset import CronUnavailable, Reset

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Havana",
    "Asia/Kolkata",
]
STEP = timedelta(minutes=15)  # every offset and DST change in ZONES sits on this UTC grid
US = timedelta(microseconds=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- an independent brute-force model ---------------------------------------------------------
#
# A reset is the list of local wall times it names. Walking UTC on a 15-minute grid, a wall
# time W "happens" at the first grid instant whose local wall time is W or later (which is W
# itself when it exists, the end of the gap when it does not, the first of two when it repeats).


def walls_calendar(kind: str, at: time, arg: int, first: date, last: date) -> list[datetime]:
    """The local wall times of a daily / weekly / monthly reset between two dates."""
    out = []
    day = first
    while day <= last:
        if kind == "daily":
            hit = True
        elif kind == "weekly":
            hit = day.weekday() == arg
        else:
            month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(1)
            hit = day.day == min(arg, month_end.day)
        if hit:
            out.append(datetime.combine(day, at))
        day += timedelta(days=1)
    return out


def cron_field(field: str, value: int) -> bool:
    """Whether one cron field (``*``, ``*/n``, ``a``, ``a-b``, comma lists) matches."""
    for part in field.split(","):
        if part == "*":
            return True
        if part.startswith("*/"):
            if value % int(part[2:]) == 0:
                return True
        elif "-" in part:
            low, high = map(int, part.split("-"))
            if low <= value <= high:
                return True
        elif int(part) == value:
            return True
    return False


def walls_cron(expression: str, first: date, last: date) -> list[datetime]:
    """Local wall minutes matching a cron expression (without day-of-month/day-of-week OR)."""
    minute, hour, dom, month, dow = expression.split()
    out = []
    wall = datetime.combine(first, time())
    while wall.date() <= last:
        if (
            cron_field(minute, wall.minute)
            and cron_field(hour, wall.hour)
            and cron_field(dom, wall.day)
            and cron_field(month, wall.month)
            and cron_field(dow, wall.isoweekday() % 7)
        ):
            out.append(wall)
        wall += STEP
    return out


def model(walls: list[datetime], start: datetime, end: datetime, zone: str) -> list[tuple]:
    """Intervals of ``[start, end)`` cut where each wall time first happens."""
    tz = ZoneInfo(zone)
    epoch = utc(2000, 1, 1)
    t = epoch + ((start - epoch) // STEP - 4 * 96) * STEP  # four days before start
    happened: list[datetime] = []
    while len(happened) < len(walls) and t < end + STEP:
        local = t.astimezone(tz).replace(tzinfo=None)
        while len(happened) < len(walls) and walls[len(happened)] <= local:
            happened.append(t)
        t += STEP
    before = [k for k, at in enumerate(happened) if at <= start]
    assert before, "the model needs a wall time before start"
    k0 = before[-1]
    cuts = [start, *(min(at, end) for at in happened[k0 + 1 :]), end]
    rows = []
    for k in range(len(cuts) - 1):
        low, high = cuts[k], cuts[k + 1]
        if low < high:
            rows.append((k + 1, low, high))
        if high >= end:
            break
    return rows


RESETS = [
    ("daily", time(0), 0),
    ("daily", time(1, 30), 0),
    ("daily", time(2, 15), 0),
    ("daily", time(23, 45), 0),
    ("weekly", time(9), 3),
    ("weekly", time(0, 30), 6),
    ("weekly", time(2), 6),
    ("monthly", time(0), 31),
    ("monthly", time(1, 45), 30),
    ("monthly", time(12), 1),
]
CRONS = ["0 9 * * 4", "30 1 * * *", "*/30 1-3 * * 0", "15 2 1 * *", "0 0,12 * * 1-5"]


def build(kind: str, at: time, arg: int) -> Reset:
    if kind == "daily":
        return Reset.daily(at)
    if kind == "weekly":
        return Reset.weekly(arg, at)
    return Reset.monthly(arg, at)


starts = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2025, 10, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(RESETS),
    st.sampled_from(ZONES),
    starts,
    st.timedeltas(min_value=US, max_value=timedelta(days=75)),
)
def test_calendar_resets_match_the_brute_force_model(
    spec: tuple[str, time, int], zone: str, start: datetime, length: timedelta
) -> None:
    kind, at, arg = spec
    end = start + (length * 4 if kind == "monthly" else length)
    walls = walls_calendar(kind, at, arg, start.date() - timedelta(70), end.date() + timedelta(2))
    expected = model(walls, start, end, zone)
    schedule = Schedule.of(build(kind, at, arg), start, end, zone)
    got = [(i.sequence, i.start, i.end) for i in schedule]
    assert got == expected
    assert got[0][1] == start and got[-1][2] == end
    assert all(a[2] == b[1] for a, b in itertools.pairwise(got))
    assert schedule.last_sequence == got[-1][0]
    for seq, low, high in got[:: max(1, len(got) // 5)]:
        assert schedule.at(low) == schedule.at(high - US) == Interval(seq, low, high)
        assert schedule.interval(seq) == Interval(seq, low, high)


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(CRONS),
    st.sampled_from(ZONES),
    starts,
    st.timedeltas(min_value=US, max_value=timedelta(days=40)),
)
def test_cron_resets_match_the_brute_force_model(
    expression: str, zone: str, start: datetime, length: timedelta
) -> None:
    end = start + length
    walls = walls_cron(expression, start.date() - timedelta(days=40), end.date() + timedelta(2))
    expected = model(walls, start, end, zone)
    schedule = Schedule.of(f"cron {expression}", start, end, zone)
    # at() first, on a fresh schedule, then the whole list
    probe = start + (end - start) / 3
    (want,) = [row for row in expected if row[1] <= probe < row[2]]
    found = schedule.at(probe)
    assert found is not None and (found.sequence, found.start, found.end) == want
    assert [(i.sequence, i.start, i.end) for i in schedule] == expected
    assert schedule.last_sequence == expected[-1][0]


@settings(max_examples=40, deadline=None)
@given(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=3)),
    starts,
    st.timedeltas(min_value=US, max_value=timedelta(days=20)),
    st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_every_counts_periods_from_the_start_in_absolute_time(
    period: timedelta, start: datetime, length: timedelta, fraction: float
) -> None:
    end = start + length
    cuts = [start]
    while cuts[-1] + period < end:
        cuts.append(cuts[-1] + period)
    cuts.append(end)
    expected = [(k + 1, cuts[k], cuts[k + 1]) for k in range(len(cuts) - 1)]
    schedule = Schedule.of(Reset.every(period), start, end, "America/New_York")
    assert [(i.sequence, i.start, i.end) for i in schedule] == expected
    t = start + min(length * fraction, length - US)
    found = schedule.at(t)
    assert found is not None and t in found
    assert (found.sequence, found.start, found.end) in expected


# -- documented cases, literal values ---------------------------------------------------------


def test_weekly_thursday_nine_in_berlin_across_the_october_change() -> None:
    schedule = Schedule.of(
        "weekly thursday 09:00", utc(2024, 10, 20), utc(2024, 11, 8), "Europe/Berlin"
    )
    assert [(i.sequence, i.start, i.end) for i in schedule] == [
        (1, utc(2024, 10, 20), utc(2024, 10, 24, 7)),  # 09:00 CEST
        (2, utc(2024, 10, 24, 7), utc(2024, 10, 31, 8)),  # 09:00 CET
        (3, utc(2024, 10, 31, 8), utc(2024, 11, 7, 8)),
        (4, utc(2024, 11, 7, 8), utc(2024, 11, 8)),
    ]
    assert schedule.reset == Reset.weekly("Thursday", time(9))


def test_cron_thursday_nine_gives_the_same_boundaries() -> None:
    schedule = Schedule.of("cron 0 9 * * 4", utc(2024, 10, 20), utc(2024, 11, 8), "Europe/Berlin")
    assert [i.start for i in schedule] == [
        utc(2024, 10, 20),
        utc(2024, 10, 24, 7),
        utc(2024, 10, 31, 8),
        utc(2024, 11, 7, 8),
    ]
    assert schedule.at(utc(2024, 10, 31, 7, 59)) == Interval(
        2, utc(2024, 10, 24, 7), utc(2024, 10, 31, 8)
    )


def test_monthly_31_resets_on_the_last_day_of_short_months() -> None:
    schedule = Schedule.of("monthly 31 00:00", utc(2024, 1, 15), utc(2024, 5, 15), "Europe/London")
    assert [i.start for i in schedule][1:] == [
        utc(2024, 1, 31),
        utc(2024, 2, 29),  # leap year
        utc(2024, 3, 31),  # the DST day: midnight is still GMT
        utc(2024, 4, 29, 23),  # 30 April 00:00 BST
    ]
    plain = Schedule.of(Reset.monthly(31), utc(2023, 2, 1), utc(2023, 3, 5), "UTC")
    assert [i.start for i in plain] == [utc(2023, 2, 1), utc(2023, 2, 28)]


def test_a_reset_in_a_gap_happens_when_the_gap_ends_and_a_repeated_one_at_the_first() -> None:
    ny = "America/New_York"
    spring = Schedule.of(Reset.daily(time(2, 30)), utc(2024, 3, 9, 12), utc(2024, 3, 12), ny)
    assert [i.start for i in spring][1:] == [
        utc(2024, 3, 10, 7),  # 02:30 never happens: 03:00 EDT
        utc(2024, 3, 11, 6, 30),
    ]
    autumn = Schedule.of(Reset.daily(time(1, 30)), utc(2024, 11, 2, 12), utc(2024, 11, 5), ny)
    assert [i.start for i in autumn][1:] == [
        utc(2024, 11, 3, 5, 30),  # the first 01:30, still EDT
        utc(2024, 11, 4, 6, 30),
    ]
    # every 30 minutes in the hour that repeats: the second pass does not reset again
    cron = Schedule.of("cron */30 * * * *", utc(2024, 11, 3, 5), utc(2024, 11, 3, 7), ny)
    assert [i.start for i in cron] == [utc(2024, 11, 3, 5), utc(2024, 11, 3, 5, 30)]
    assert cron.last_sequence == 2 and cron.first().end == utc(2024, 11, 3, 5, 30)


def test_cron_wall_times_inside_a_gap_collapse_and_skip_numbers() -> None:
    # 02:00, 02:15, 02:30 and 02:45 never happen on 2024-03-10 in New York: they happen at
    # 03:00 EDT, with 03:00 itself. Sequences 2 to 5 are empty, their numbers skipped.
    schedule = Schedule.of(
        "cron */15 2-3 * * *", utc(2024, 3, 10, 6), utc(2024, 3, 10, 7, 20), "America/New_York"
    )
    got = [(i.sequence, i.start, i.end) for i in schedule]
    assert got == [
        (1, utc(2024, 3, 10, 6), utc(2024, 3, 10, 7)),
        (6, utc(2024, 3, 10, 7), utc(2024, 3, 10, 7, 15)),
        (7, utc(2024, 3, 10, 7, 15), utc(2024, 3, 10, 7, 20)),
    ]
    assert schedule.interval(3) is None and schedule.interval(8) is None


def test_open_ended_schedules_run_to_latest() -> None:
    start = utc(2999, 12, 20)
    daily = Schedule.of("daily", start, None, "UTC")
    assert daily.last_sequence is None and daily.open_ended and daily.kind is Recurrence.DAILY
    got = list(daily)
    assert len(got) == 12 and got[-1] == Interval(12, utc(2999, 12, 31), LATEST)
    assert daily.after(got[-1]) is None
    assert list(Schedule.of(None, start, None, "UTC")) == [Interval(1, start, LATEST)]
    cron = Schedule.of("cron 0 0 * * 0", start, None, "UTC")
    assert cron.last_sequence is None
    assert [i.start for i in cron][1:] == [utc(2999, 12, 22), utc(2999, 12, 29)]
    assert list(cron)[-1].end == LATEST
    every = Schedule.of(timedelta(days=5), start, None, "UTC")
    assert [i.start for i in every] == [start, utc(2999, 12, 25), utc(2999, 12, 30)]
    far = Schedule.of("monthly 15 09:00", utc(2024, 1, 1), None, "Asia/Kolkata")
    found = far.at(utc(2500, 6, 20))
    assert found is not None and found.start == utc(2500, 6, 15, 3, 30)
    assert far.at(utc(2024, 1, 1)) == far.first()


def test_no_reset_is_one_interval() -> None:
    for kind in (None, "campaign_duration", Recurrence.CAMPAIGN_DURATION):
        schedule = Schedule.of(kind, utc(2024, 1, 1), utc(2024, 2, 1), "UTC")
        assert list(schedule) == [Interval(1, utc(2024, 1, 1), utc(2024, 2, 1))]
        assert schedule.reset is None and schedule.last_sequence == 1


def test_recurrences_keep_their_kind_and_name_their_reset() -> None:
    for kind, reset in [
        ("daily", Reset.daily()),
        ("WEEKLY", Reset.weekly()),
        (Recurrence.MONTHLY, Reset.monthly()),
    ]:
        schedule = Schedule.of(kind, utc(2024, 1, 1), utc(2024, 4, 1), "Europe/London")
        assert isinstance(schedule.kind, Recurrence) and schedule.reset == reset
        same = Schedule.of(reset, utc(2024, 1, 1), utc(2024, 4, 1), "Europe/London")
        assert same.kind == reset and list(same) == list(schedule)


def test_schedules_are_equal_and_hashable_by_their_settings() -> None:
    a = Schedule.of("cron 0 9 * * 4", utc(2024, 1, 1), utc(2024, 3, 1), "Europe/Berlin")
    b = Schedule.of("CRON 0  9 * * 4", utc(2024, 1, 1), utc(2024, 3, 1), "Europe/Berlin")
    list(a)  # a has found its boundaries, b has not
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Schedule.of("cron 0 9 * * 5", utc(2024, 1, 1), utc(2024, 3, 1), "Europe/Berlin")
    with pytest.raises(AttributeError):
        a.start = utc(2024, 1, 2)  # type: ignore[misc]


# -- parsing and text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily", Reset.daily()),
        ("Daily 06:30", Reset.daily(time(6, 30))),
        ("daily 06:30:15.25", Reset.daily(time(6, 30, 15, 250000))),
        ("weekly", Reset.weekly(0)),
        ("weekly thursday 09:00", Reset.weekly(3, time(9))),
        ("weekly Sunday", Reset.weekly(6)),
        ("THURSDAY 09:00", Reset.weekly("thursday", time(9))),
        ("friday", Reset.weekly(4)),
        ("monthly", Reset.monthly(1)),
        ("monthly 15 09:00", Reset.monthly(15, time(9))),
        ("monthly 31", Reset.monthly(31)),
        ("every 3600s", Reset.every(timedelta(hours=1))),
        ("every 2h", Reset.every(timedelta(hours=2))),
        ("every 3d", Reset.every(timedelta(days=3))),
        ("every 1.5s", Reset.every(timedelta(seconds=1.5))),
        ("every 90m", Reset.every(timedelta(minutes=90))),
        ("cron 0 9 * * 4", Reset.cron("0 9 * * 4")),
        ("  cron 0 9 * * THU ", Reset.cron("0 9 * * thu")),
        ("campaign_duration", None),
    ],
)
def test_parse_reads_every_documented_form(text: str, expected: Reset | None) -> None:
    assert Reset.parse(text) == expected


def test_parse_takes_values_of_other_types() -> None:
    reset = Reset.daily(time(5))
    assert Reset.parse(reset) is reset and Reset.parse(None) is None
    assert Reset.parse(Recurrence.WEEKLY) == Reset.weekly()
    assert Reset.parse(Recurrence.CAMPAIGN_DURATION) is None
    assert Reset.parse(timedelta(minutes=5)) == Reset.every(timedelta(seconds=300))


ALL_KINDS = [
    Reset.daily(),
    Reset.daily(time(23, 59, 59, 999999)),
    Reset.weekly("saturday", time(0, 1, 2)),
    Reset.monthly(29, time(12, 30)),
    Reset.every(timedelta(seconds=1)),
    Reset.every(timedelta(days=3, microseconds=7)),
    Reset.cron("*/5 8-17 * jan-mar mon-fri"),
]


@pytest.mark.parametrize("reset", ALL_KINDS, ids=str)
def test_to_state_reads_back_to_an_equal_reset(reset: Reset) -> None:
    text = reset.to_state()
    assert Reset.parse(text) == reset and Reset.parse(text.upper()) == reset
    assert isinstance(str(reset), str) and str(reset)


def test_text_is_canonical_and_readable() -> None:
    assert Reset.weekly(3, time(9)).to_state() == "weekly thursday 09:00"
    assert Reset.every(timedelta(hours=2)).to_state() == "every 7200s"
    assert Reset.every(timedelta(seconds=1, microseconds=500)).to_state() == "every 1.0005s"
    assert Reset.monthly(15, time(9)).to_state() == "monthly 15 09:00"
    assert str(Reset.weekly(3, time(9))) == "weekly on Thursday at 09:00"
    assert str(Reset.every(timedelta(hours=2))) == "every 2h"
    assert str(Reset.monthly(31)) == "monthly on day 31 at 00:00"
    assert ExportedReset is Reset


@pytest.mark.parametrize(
    "value",
    [
        "hourly",
        "",
        "daily 25:00",
        "daily 6",
        "daily 06:30 extra",
        "weekly someday",
        "monthly 32",
        "monthly 0",
        "monthly first",
        "every",
        "every 0s",
        "every 0.5s",
        "every 1.0000001s",
        "every 2 hours",
        "every 100000000d",
        "cron 0 9 * *",
        "cron 0 0 9 * * 4",
        "cron 61 * * * *",
        "cron 0 0 30 2 *",
        "cron H 9 * * *",
        "cron R 9 * * *",
        "cron @daily",
        "dáily",
    ],
)
def test_bad_text_is_refused_listing_the_forms(value: str) -> None:
    with pytest.raises(InvalidArgument, match="accepted: daily"):
        Reset.parse(value)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: Reset.parse(5), InvalidArgumentType),
        (lambda: Reset.daily("06:30"), InvalidArgumentType),  # type: ignore[arg-type]
        (lambda: Reset.daily(time(6, tzinfo=UTC)), InvalidArgument),
        (lambda: Reset.weekly(7), InvalidArgument),
        (lambda: Reset.weekly("funday"), InvalidArgument),
        (lambda: Reset.weekly(True), InvalidArgumentType),  # type: ignore[arg-type]
        (lambda: Reset.monthly(0), InvalidArgument),
        (lambda: Reset.monthly(1.0), InvalidArgumentType),  # type: ignore[arg-type]
        (lambda: Reset.every(timedelta(milliseconds=999)), InvalidArgument),
        (lambda: Reset.every(60), InvalidArgumentType),  # type: ignore[arg-type]
        (lambda: Reset.cron(["0", "9"]), InvalidArgumentType),  # type: ignore[arg-type]
        (lambda: Reset.cron("0 9 * * 8"), InvalidArgument),
        (lambda: Reset("hourly"), InvalidArgument),  # type: ignore[arg-type]
        (lambda: Reset("daily", weekday=3), InvalidArgument),
        (lambda: Reset("weekly", weekday=9), InvalidArgument),
        (lambda: Reset("every", at=time(1), period=timedelta(hours=1)), InvalidArgument),
        (lambda: Reset("every"), InvalidArgument),
    ],
)
def test_bad_arguments_are_refused(call: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()  # type: ignore[operator]


def test_schedule_of_refuses_bad_kinds_and_ends() -> None:
    with pytest.raises(InvalidArgument, match="recurrence"):
        Schedule.of("weekly funday", utc(2024, 1, 1), None, "UTC")
    with pytest.raises(InvalidArgumentType, match="recurrence"):
        Schedule.of(3.5, utc(2024, 1, 1), None, "UTC")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentType, match="end"):
        Schedule.of("daily", utc(2024, 1, 1), "never", "UTC")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="earlier"):
        Schedule.of("daily", utc(2024, 1, 1), utc(2023, 1, 1), "UTC")


def test_a_missing_croniter_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "croniter", None)  # makes the import fail
    with pytest.raises(CronUnavailable, match=r"pip install 'rankcore\[cron\]'") as caught:
        Reset.cron("0 9 * * 4")
    assert isinstance(caught.value, RankcoreError)
    assert Reset.parse("daily 09:00") == Reset.daily(time(9))  # only cron needs it


def test_module_doctest() -> None:
    result = doctest.testmod(reset_module)
    assert result.attempted > 0 and result.failed == 0
