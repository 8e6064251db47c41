"""Recurrence: cutting a campaign's ``[start, end)`` into daily, weekly or monthly intervals.

Boundaries follow a tenant's *local* calendar in an IANA time zone: a day starts at local
midnight, a week on Monday at local midnight, a month on the 1st at local midnight. The first
interval starts at the campaign's start and the last one ends at the campaign's end, so the
intervals tile ``[start, end)`` exactly: no gap, no overlap. Every interval is half-open.

DST days are 23 or 25 hours long (or 23.5 / 24.5 on Australia/Lord_Howe). Where local midnight
does not exist (a DST gap at midnight, as in America/Havana or Africa/Cairo), the day starts
at the first instant of that local date; where it happens twice, at the first. A local date
that never happened at all (Pacific/Apia skipped 2011-12-30) yields no interval: its
sequence number is skipped, so sequence numbers always count calendar units since the
campaign's first one.

Everything here is pure: no clock, no state. All returned datetimes are in UTC.

>>> from datetime import datetime, UTC
>>> from zoneinfo import ZoneInfo
>>> first = next(intervals("daily", datetime(2023, 9, 18, 12, 26, 13, 656765, tzinfo=UTC),
...                        datetime(2023, 9, 25, tzinfo=UTC), ZoneInfo("Asia/Kolkata")))
>>> first.sequence, first.start.isoformat(), first.end.isoformat()
(1, '2023-09-18T12:26:13.656765+00:00', '2023-09-18T18:30:00+00:00')
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from rankcore.errors import InvalidArgument
from rankcore.timeline.clock import EARLIEST, LATEST, require_aware
from rankcore.validate import Choice, check_zone

__all__ = [
    "EARLIEST",
    "LATEST",
    "Interval",
    "Recurrence",
    "Schedule",
    "interval_at",
    "intervals",
]


_ONE_US = timedelta(microseconds=1)


class Recurrence(Choice):
    """How often a campaign's leaderboard resets (:meth:`parse` takes any case)."""

    DAILY = "daily"
    """A new interval at every local midnight."""
    WEEKLY = "weekly"
    """A new interval every Monday at local midnight."""
    MONTHLY = "monthly"
    """A new interval on the 1st of every month at local midnight."""
    CAMPAIGN_DURATION = "campaign_duration"
    """One interval for the whole campaign."""


@attrs.frozen(slots=True)
class Interval:
    """One interval ``[start, end)`` of a schedule, in UTC; ``sequence`` counts from 1."""

    sequence: int
    start: datetime
    end: datetime

    def __contains__(self, t: object) -> bool:
        """Whether the instant ``t`` lies in ``[start, end)``. O(1)."""
        return isinstance(t, datetime) and self.start <= t < self.end

    @property
    def duration(self) -> timedelta:
        """``end - start``. O(1)."""
        return self.end - self.start


# -- local calendar units ---------------------------------------------------------------------
#
# A "unit" is a calendar day, week or month, numbered by an integer so that unit + 1 is the
# next one: days by their proleptic ordinal, weeks by (ordinal of their Monday - 1) // 7 (the
# ordinal 1, 0001-01-01, is a Monday), months by year * 12 + month - 1.


def _first_date(kind: Recurrence, unit: int) -> date:
    if kind is Recurrence.DAILY:
        return date.fromordinal(unit)
    if kind is Recurrence.WEEKLY:
        return date.fromordinal(unit * 7 + 1)
    year, month = divmod(unit, 12)
    return date(year, month + 1, 1)


def _unit_of_date(kind: Recurrence, day: date) -> int:
    if kind is Recurrence.DAILY:
        return day.toordinal()
    if kind is Recurrence.WEEKLY:
        return (day.toordinal() - 1) // 7
    return day.year * 12 + day.month - 1


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local date in ``zone`` is ``day`` or later."""
    wall = datetime.combine(day, time())
    a = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    b = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = (a, b) if a <= b else (b, a)
    if low.astimezone(zone).date() >= day:
        return low  # midnight exists (the earlier one if it happens twice)
    # Local midnight falls in a DST gap: the date begins at the transition, which lies in
    # (low, high]. Binary search in whole microseconds; this path is rare.
    lo, hi = 0, (high - low) // _ONE_US
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (low + mid * _ONE_US).astimezone(zone).date() >= day:
            hi = mid
        else:
            lo = mid
    return low + hi * _ONE_US


@attrs.frozen(slots=True)
class Schedule:
    """The intervals of one campaign: ``kind``, ``[start, end)`` and the tenant's ``zone``.

    Intervals are computed on demand, never stored: finding the interval that contains an
    instant, or the one after a given interval, is O(1) (a few zone conversions).
    """

    kind: Recurrence
    start: datetime
    end: datetime
    zone: ZoneInfo
    _first_unit: int = attrs.field(alias="_first_unit", repr=False)
    _last_sequence: int = attrs.field(alias="_last_sequence", repr=False)

    @classmethod
    def of(
        cls,
        kind: Recurrence | str,
        start: datetime,
        end: datetime,
        zone: ZoneInfo | str,
    ) -> Schedule:
        """Validate and build a schedule. ``start`` < ``end``, both aware. O(1)."""
        recurrence = Recurrence.parse(kind, "recurrence")
        require_aware(start, "start")
        require_aware(end, "end")
        zone = check_zone(zone, "zone")
        start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
        if not start_utc < end_utc:
            raise InvalidArgument(
                f"start ({start.isoformat()}) must be earlier than end ({end.isoformat()})"
            )
        if recurrence is Recurrence.CAMPAIGN_DURATION:
            return cls(recurrence, start_utc, end_utc, zone, _first_unit=0, _last_sequence=1)
        first = _unit_at(recurrence, zone, start_utc)
        last = _unit_at(recurrence, zone, end_utc - _ONE_US)
        return cls(
            recurrence, start_utc, end_utc, zone, _first_unit=first, _last_sequence=last - first + 1
        )

    # -- queries -----------------------------------------------------------------------------

    @property
    def last_sequence(self) -> int:
        """The sequence number of the last interval. O(1)."""
        return self._last_sequence

    def boundary(self, sequence: int) -> datetime:
        """Where the interval numbered ``sequence`` starts (clamped to ``[start, end]``).

        ``boundary(last_sequence + 1)`` is the campaign's end. O(1).
        """
        if sequence <= 1:
            return self.start
        if sequence > self._last_sequence:
            return self.end
        unit = self._first_unit + sequence - 1
        return _day_start(_first_date(self.kind, unit), self.zone)

    def interval(self, sequence: int) -> Interval | None:
        """The interval numbered ``sequence``, or ``None`` if there is none (out of range, or
        a local date that never happened). O(1)."""
        if not 1 <= sequence <= self._last_sequence:
            return None
        start, end = self.boundary(sequence), self.boundary(sequence + 1)
        return Interval(sequence, start, end) if start < end else None

    def first(self) -> Interval:
        """The first interval; it starts at the campaign's start. O(1)."""
        first = self.interval(1)
        assert first is not None  # start < end and the first unit contains start
        return first

    def after(self, interval: Interval) -> Interval | None:
        """The interval following ``interval``, or ``None`` after the last. O(1)."""
        sequence = interval.sequence + 1
        while sequence <= self._last_sequence:
            found = self.interval(sequence)
            if found is not None:
                return found
            sequence += 1  # a local date that never happened: at most a step or two
        return None

    def at(self, t: datetime) -> Interval | None:
        """The interval containing the instant ``t``, or ``None`` outside ``[start, end)``.

        O(1): the local date of ``t`` gives the calendar unit, then one or two boundary
        checks settle DST edge cases.
        """
        require_aware(t, "t")
        if not self.start <= t < self.end:
            return None
        if self.kind is Recurrence.CAMPAIGN_DURATION:
            return Interval(1, self.start, self.end)
        sequence = _unit_at(self.kind, self.zone, t) - self._first_unit + 1
        found = self.interval(sequence)
        assert found is not None and t in found
        return found

    def __iter__(self) -> Iterator[Interval]:
        """Every interval in order. O(1) per interval."""
        current: Interval | None = self.first()
        while current is not None:
            yield current
            current = self.after(current)


def _unit_at(kind: Recurrence, zone: ZoneInfo, t: datetime) -> int:
    """The calendar unit containing ``t``: the last unit whose start is at or before ``t``.

    The local date gives the answer except around a DST change that crosses midnight (the
    local date briefly goes back); the loops correct that in at most a step.
    """
    unit = _unit_of_date(kind, t.astimezone(zone).date())
    while _day_start(_first_date(kind, unit), zone) > t:
        unit -= 1
    while _day_start(_first_date(kind, unit + 1), zone) <= t:
        unit += 1
    return unit


def intervals(
    kind: Recurrence | str, start: datetime, end: datetime, zone: ZoneInfo | str
) -> Iterator[Interval]:
    """Yield the intervals that tile ``[start, end)`` under ``kind`` in ``zone``.

    Lazy: O(1) per interval yielded.
    """
    return iter(Schedule.of(kind, start, end, zone))


def interval_at(
    kind: Recurrence | str, start: datetime, end: datetime, zone: ZoneInfo | str, t: datetime
) -> Interval | None:
    """The interval of ``[start, end)`` containing ``t``, or ``None`` outside it. O(1)."""
    return Schedule.of(kind, start, end, zone).at(t)
