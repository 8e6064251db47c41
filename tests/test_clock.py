"""Clocks: a manual clock moves only forward and only when told; the system clock is aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.timeline.clock import Clock, ManualClock, SystemClock, require_aware

START = datetime(2024, 6, 1, tzinfo=UTC)


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(START)
    assert clock.now() == START
    assert clock.now() == START
    assert clock.advance(timedelta(hours=2)) == START + timedelta(hours=2)
    assert clock.set(START + timedelta(days=1)) == START + timedelta(days=1)
    assert clock.now() == START + timedelta(days=1)


def test_manual_clock_never_goes_backwards_and_a_refusal_changes_nothing() -> None:
    clock = ManualClock(START)
    with pytest.raises(InvalidArgument, match="never goes backwards"):
        clock.set(START - timedelta(microseconds=1))
    with pytest.raises(InvalidArgument, match="delta must not be negative"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(InvalidArgumentType, match="delta must be a timedelta"):
        clock.advance(5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="t must be timezone-aware"):
        clock.set(datetime(2025, 1, 1))
    assert clock.now() == START
    assert clock.set(START) == START  # standing still is allowed


def test_manual_clock_compares_instants_not_wall_times() -> None:
    clock = ManualClock(START)
    india = timezone(timedelta(hours=5, minutes=30))
    # 04:00 in India is 22:30 UTC the day before: earlier than START
    with pytest.raises(InvalidArgument):
        clock.set(datetime(2024, 6, 1, 4, tzinfo=india))
    clock.set(datetime(2024, 6, 1, 6, tzinfo=india))
    assert clock.now() == START + timedelta(minutes=30)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)), max_size=20))
def test_manual_clock_advances_by_the_sum_of_its_steps(steps: list[timedelta]) -> None:
    clock = ManualClock(START)
    total = timedelta(0)
    for step in steps:
        total += step
        clock.advance(step)
    assert clock.now() == START + total


def test_manual_clock_needs_an_aware_start() -> None:
    with pytest.raises(InvalidArgument, match="start must be timezone-aware"):
        ManualClock(datetime(2024, 1, 1))
    with pytest.raises(InvalidArgumentType, match="start must be a datetime"):
        ManualClock("2024-01-01")  # type: ignore[arg-type]


def test_system_clock_is_aware_and_never_decreases() -> None:
    clock = SystemClock()
    readings = [clock.now() for _ in range(50)]
    assert all(r.tzinfo is UTC for r in readings)
    assert readings == sorted(readings)


def test_both_clocks_satisfy_the_protocol() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(ManualClock(START), Clock)


def test_require_aware_names_the_argument() -> None:
    assert require_aware(START, "when") is START
    with pytest.raises(InvalidArgumentType, match="when must be a datetime, not str"):
        require_aware("2024", "when")
    with pytest.raises(InvalidArgument, match="when must be timezone-aware"):
        require_aware(datetime(2024, 1, 1), "when")


class _NoOffset(tzinfo):
    """A tzinfo that gives no offset: a time in it is naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


@given(
    st.datetimes(
        min_value=datetime(1969, 12, 30),
        max_value=datetime(3000, 1, 2),
        timezones=st.one_of(st.timezones(), st.just(UTC), st.just(timezone(timedelta(hours=-23)))),
    ),
)
@settings(max_examples=400)
def test_require_aware_accepts_exactly_the_instants_inside_the_bounds(t: datetime) -> None:
    offset = t.utcoffset()
    assert offset is not None
    instant = t.replace(tzinfo=None) - offset  # naive UTC, from the offset alone
    if datetime(1970, 1, 1) <= instant < datetime(3000, 1, 1):
        assert require_aware(t, "t") is t
    else:
        with pytest.raises(InvalidArgument, match="t must be at or after 1970"):
            require_aware(t, "t")


def test_require_aware_reads_the_offset_of_other_tzinfo_types() -> None:
    with pytest.raises(InvalidArgument, match="t must be timezone-aware"):
        require_aware(datetime(2024, 1, 1, tzinfo=_NoOffset()), "t")
    edge = datetime(1970, 1, 1, 5, 29, tzinfo=ZoneInfo("Asia/Kolkata"))  # 23:59 UTC, 1969
    with pytest.raises(InvalidArgument, match="t must be at or after 1970"):
        require_aware(edge, "t")
    assert require_aware(edge + timedelta(minutes=1), "t") == datetime(1970, 1, 1, tzinfo=UTC)
