"""Recurrence: cutting a campaign's or board's ``[start, end)`` into intervals.

Boundaries follow a tenant's *local* calendar in an IANA time zone. A campaign's
:class:`Recurrence` starts a day at local midnight, a week on Monday at local midnight, a
month on the 1st at local midnight; a board's :class:`~rankcore.timeline.reset.Reset` may
pick any local time of day, weekday and day of the month, a fixed duration, or a cron
expression read on the local wall clock. The first interval starts at the schedule's start
and the last one ends at its end, so the intervals tile ``[start, end)`` exactly: no gap, no
overlap. Every interval is half-open. A schedule without an end (``end=None``) keeps
producing intervals; the last one ends at :data:`LATEST`.

DST days are 23 or 25 hours long (or 23.5 / 24.5 on Australia/Lord_Howe). Two rules settle
local times:

- a reset time that does not exist (it falls in a DST gap, as midnight does in
  America/Havana or Africa/Cairo in spring) happens at the first instant after the gap;
- a reset time that happens twice (clocks go back) happens at the first of the two.

A local date that never happened at all (Pacific/Apia skipped 2011-12-30) yields no midnight
interval; when two resets land on the same instant the earlier one yields no interval and its
sequence number is skipped, so sequence numbers always count calendar units (days, weeks,
months) since the schedule's first one, periods for a fixed duration, and occurrences for a
cron expression.

Everything here is pure: no clock, no state visible from outside. All returned datetimes are
in UTC.

>>> from datetime import datetime, UTC
>>> from zoneinfo import ZoneInfo
>>> first = next(intervals("daily", datetime(2023, 9, 18, 12, 26, 13, 656765, tzinfo=UTC),
...                        datetime(2023, 9, 25, tzinfo=UTC), ZoneInfo("Asia/Kolkata")))
>>> first.sequence, first.start.isoformat(), first.end.isoformat()
(1, '2023-09-18T12:26:13.656765+00:00', '2023-09-18T18:30:00+00:00')

New York springs forward at 02:00 on 2024-03-10, so a 02:30 reset happens at 03:00 EDT:

>>> import itertools
>>> s = Schedule.of("daily 02:30", datetime(2024, 3, 9, 12, tzinfo=UTC), None, "America/New_York")
>>> [i.start.isoformat() for i in itertools.islice(s, 1, 3)]
['2024-03-10T07:00:00+00:00', '2024-03-11T06:30:00+00:00']
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs

from rankcore.errors import InvalidArgument
from rankcore.timeline.clock import EARLIEST, LATEST, require_aware
from rankcore.timeline.reset import Reset, _import_croniter
from rankcore.validate import Choice, check_zone

if TYPE_CHECKING:  # pragma: no cover
    from croniter import croniter

__all__ = [
    "EARLIEST",
    "LATEST",
    "Interval",
    "Recurrence",
    "Reset",
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


# -- local wall times -------------------------------------------------------------------------


def _local(t: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall time of the instant ``t`` in ``zone``."""
    return t.astimezone(zone).replace(tzinfo=None)


def _wall_start(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local wall time in ``zone`` is ``wall`` or later: the
    earlier of two if ``wall`` happens twice, the end of the gap if it never happens."""
    a = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    b = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = (a, b) if a <= b else (b, a)
    if _local(low, zone) >= wall:
        return low  # the wall time exists (the earlier one if it happens twice)
    # The wall time falls in a DST gap: the transition lies in (low, high]. Binary search in
    # whole microseconds; this path is rare.
    lo, hi = 0, (high - low) // _ONE_US
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _local(low + mid * _ONE_US, zone) >= wall:
            hi = mid
        else:
            lo = mid
    return low + hi * _ONE_US


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local date in ``zone`` is ``day`` or later."""
    return _wall_start(datetime.combine(day, time()), zone)


_RECURRENCE_RESETS = {
    Recurrence.DAILY: Reset.daily(),
    Recurrence.WEEKLY: Reset.weekly(),
    Recurrence.MONTHLY: Reset.monthly(),
}


def _parse_kind(kind: object) -> Recurrence | Reset | None:
    if isinstance(kind, Recurrence):
        return kind
    if isinstance(kind, str) and kind.strip().lower() in {r.value for r in Recurrence}:
        return Recurrence.parse(kind, "recurrence")
    return Reset.parse(kind, "recurrence")


class _CronBoundaries:
    """The boundaries of a cron schedule, found on demand and kept: ``instants[i]`` is where
    the interval numbered ``i + 2`` starts (non-decreasing, all in ``(start, end)``)."""

    def __init__(self, expression: str, start: datetime, end: datetime, zone: ZoneInfo) -> None:
        self._lock = threading.Lock()
        self._start, self._end, self._zone = start, end, zone
        self._walls: croniter = _import_croniter()(expression, _local(start, zone))
        self.instants: list[datetime] = []
        self.done = False

    def _grow(self) -> None:
        """Find the next boundary, or set ``done``. Called with the lock held."""
        while not self.done:
            try:
                wall = self._walls.get_next(datetime)
            except Exception:  # croniter found no further match
                self.done = True
                return
            if wall.year >= LATEST.year:
                self.done = True
                return
            instant = _wall_start(wall, self._zone)
            if instant >= self._end:
                self.done = True
            elif instant > self._start:  # a wall time repeated before start is not a reset
                self.instants.append(instant)
                return

    def count(self, n: int) -> int:
        """How many boundaries exist, up to ``n`` (finding them if needed)."""
        if len(self.instants) < n and not self.done:
            with self._lock:
                while len(self.instants) < n and not self.done:
                    self._grow()
        return min(n, len(self.instants))

    def covering(self, t: datetime) -> None:
        """Find boundaries until one is later than ``t`` (or there are no more)."""
        with self._lock:
            while not self.done and (not self.instants or self.instants[-1] <= t):
                self._grow()

    def total(self) -> int:
        """The number of boundaries, all of them found."""
        with self._lock:
            while not self.done:
                self._grow()
        return len(self.instants)


@attrs.frozen(slots=True)
class Schedule:
    """The intervals of one campaign or board: ``kind``, ``[start, end)`` and the tenant's
    ``zone``.

    ``kind`` is the :class:`Recurrence` a schedule was built with, else its
    :class:`~rankcore.timeline.reset.Reset` (``None`` for no reset); :attr:`reset` gives the
    ``Reset`` for every kind. ``end`` is :data:`LATEST` when ``open_ended``. Calendar and
    fixed-duration intervals are computed on demand, never stored: finding the interval that
    contains an instant, or the one after a given interval, is O(1) (a few zone conversions).
    A cron schedule finds its boundaries in order and keeps them: a query costs O(k) for the
    k occurrences since start the first time, O(log k) after. Equal and hashable by its
    settings.
    """

    kind: Recurrence | Reset | None
    start: datetime
    end: datetime
    zone: ZoneInfo
    open_ended: bool
    _first_unit: int = attrs.field(alias="_first_unit", repr=False)
    _last_sequence: int = attrs.field(alias="_last_sequence", repr=False)
    _reset: Reset | None = attrs.field(alias="_reset", repr=False, eq=False)
    _cron: _CronBoundaries | None = attrs.field(alias="_cron", repr=False, eq=False)

    @classmethod
    def of(
        cls,
        kind: Recurrence | Reset | str | timedelta | None,
        start: datetime,
        end: datetime | None,
        zone: ZoneInfo | str,
    ) -> Schedule:
        """Validate and build a schedule. ``start`` < ``end``, both aware; ``end=None`` for
        no end. ``kind`` is a :class:`Recurrence`, a
        :class:`~rankcore.timeline.reset.Reset`, anything
        :meth:`~rankcore.timeline.reset.Reset.parse` reads, or ``None`` (one interval).
        O(1)."""
        parsed = _parse_kind(kind)
        require_aware(start, "start")
        if end is not None:
            require_aware(end, "end")
        zone = check_zone(zone, "zone")
        start_utc = start.astimezone(UTC)
        end_utc = LATEST if end is None else end.astimezone(UTC)
        if not start_utc < end_utc:
            shown = "3000-01-01T00:00:00+00:00" if end is None else end.isoformat()
            raise InvalidArgument(f"start ({start.isoformat()}) must be earlier than end ({shown})")
        reset = _RECURRENCE_RESETS.get(parsed) if isinstance(parsed, Recurrence) else parsed
        first, last, cron = 0, 1, None
        if reset is None:
            pass
        elif reset.kind == "every":
            last = -(-(end_utc - start_utc) // reset.period)
        elif reset.kind == "cron":
            last = 0  # unknown until the boundaries are found
            cron = _CronBoundaries(reset.expression, start_utc, end_utc, zone)
        else:
            first = _unit_at(reset, zone, start_utc)
            last = _unit_at(reset, zone, end_utc - _ONE_US) - first + 1
        return cls(
            parsed,
            start_utc,
            end_utc,
            zone,
            end is None,
            _first_unit=first,
            _last_sequence=last,
            _reset=reset,
            _cron=cron,
        )

    # -- queries -----------------------------------------------------------------------------

    @property
    def reset(self) -> Reset | None:
        """The schedule's :class:`~rankcore.timeline.reset.Reset` (a :class:`Recurrence`'s
        equivalent), or ``None`` for one interval. O(1)."""
        return self._reset

    @property
    def last_sequence(self) -> int | None:
        """The sequence number of the last interval; ``None`` for an open-ended schedule.
        O(1); O(occurrences) the first time for cron."""
        if self.open_ended:
            return None
        return self._final()

    def _final(self) -> int:
        if self._cron is not None:
            return self._cron.total() + 1
        return self._last_sequence

    def _exists(self, sequence: int) -> bool:
        """Whether ``sequence`` is within ``1..last`` (its interval may still be empty)."""
        if sequence < 1:
            return False
        if self._cron is not None:
            return self._cron.count(sequence - 1) == sequence - 1
        return sequence <= self._last_sequence

    def boundary(self, sequence: int) -> datetime:
        """Where the interval numbered ``sequence`` starts (clamped to ``[start, end]``).

        ``boundary(last_sequence + 1)`` is the schedule's end. O(1) (see the class for
        cron).
        """
        if sequence <= 1:
            return self.start
        reset = self._reset
        if self._cron is not None:
            if self._cron.count(sequence - 1) < sequence - 1:
                return self.end
            return self._cron.instants[sequence - 2]
        if reset is None or sequence > self._last_sequence:
            return self.end
        if reset.kind == "every":
            return min(self.start + (sequence - 1) * reset.period, self.end)
        unit = self._first_unit + sequence - 1
        return _wall_start(reset.unit_wall(unit), self.zone)

    def interval(self, sequence: int) -> Interval | None:
        """The interval numbered ``sequence``, or ``None`` if there is none (out of range, or
        a reset that coincides with the next one). O(1) (see the class for cron)."""
        if not self._exists(sequence):
            return None
        start, end = self.boundary(sequence), self.boundary(sequence + 1)
        return Interval(sequence, start, end) if start < end else None

    def first(self) -> Interval:
        """The first interval; it starts at the schedule's start. O(1)."""
        first = self.interval(1)
        assert first is not None  # start < end and the first unit contains start
        return first

    def after(self, interval: Interval) -> Interval | None:
        """The interval following ``interval``, or ``None`` after the last. O(1)."""
        sequence = interval.sequence + 1
        while self._exists(sequence):
            found = self.interval(sequence)
            if found is not None:
                return found
            sequence += 1  # a reset that coincides with the next: rarely more than a step
        return None

    def at(self, t: datetime) -> Interval | None:
        """The interval containing the instant ``t``, or ``None`` outside ``[start, end)``.

        O(1): the local wall time of ``t`` gives the calendar unit, then one or two boundary
        checks settle DST edge cases; a division for fixed durations; a binary search for
        cron (see the class).
        """
        require_aware(t, "t")
        if not self.start <= t < self.end:
            return None
        reset = self._reset
        if reset is None:
            return Interval(1, self.start, self.end)
        if self._cron is not None:
            self._cron.covering(t)
            sequence = bisect.bisect_right(self._cron.instants, t) + 1
        elif reset.kind == "every":
            sequence = (t - self.start) // reset.period + 1
        else:
            sequence = _unit_at(reset, self.zone, t) - self._first_unit + 1
        found = self.interval(sequence)
        assert found is not None and t in found
        return found

    def __iter__(self) -> Iterator[Interval]:
        """Every interval in order. O(1) per interval."""
        current: Interval | None = self.first()
        while current is not None:
            yield current
            current = self.after(current)


def _unit_at(reset: Reset, zone: ZoneInfo, t: datetime) -> int:
    """The calendar unit containing ``t``: the last unit whose start is at or before ``t``.

    The local wall time gives the answer except around a DST change (local time briefly
    goes back, or jumps); the loops correct that in at most a step.
    """
    unit = reset.unit_of_wall(_local(t, zone))
    while _wall_start(reset.unit_wall(unit), zone) > t:
        unit -= 1
    while _wall_start(reset.unit_wall(unit + 1), zone) <= t:
        unit += 1
    return unit


def intervals(
    kind: Recurrence | Reset | str | timedelta | None,
    start: datetime,
    end: datetime | None,
    zone: ZoneInfo | str,
) -> Iterator[Interval]:
    """Yield the intervals that tile ``[start, end)`` under ``kind`` in ``zone``.

    Lazy: O(1) per interval yielded.
    """
    return iter(Schedule.of(kind, start, end, zone))


def interval_at(
    kind: Recurrence | Reset | str | timedelta | None,
    start: datetime,
    end: datetime | None,
    zone: ZoneInfo | str,
    t: datetime,
) -> Interval | None:
    """The interval of ``[start, end)`` containing ``t``, or ``None`` outside it. O(1)."""
    return Schedule.of(kind, start, end, zone).at(t)
