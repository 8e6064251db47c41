"""Reset: when a board starts a new interval, on the tenant's local calendar.

A :class:`Reset` is one of five kinds:

- ``daily``: every day at a local time of day (``Reset.daily(time(6, 30))``);
- ``weekly``: every week on a weekday at a local time (``Reset.weekly("thursday", time(9))``);
- ``monthly``: every month on a day at a local time; a month shorter than the day resets on
  its last day (``Reset.monthly(31)`` resets on 28 or 29 February);
- ``every``: a fixed duration counted from the board's start, in absolute time (DST plays no
  part: ``Reset.every(timedelta(hours=2))``);
- ``cron``: a 5-field cron expression read on the tenant's *local* wall clock
  (``Reset.cron("0 9 * * 4")``, evaluated by the optional ``croniter`` package:
  ``pip install 'rankcore[cron]'``).

Local times follow two DST rules (the same as a day's start in
:mod:`rankcore.timeline.recurrence`): a reset time that falls in a DST gap (it never
happened) happens at the first instant after the gap; a reset time that happens twice (clocks
go back) happens at the first of the two. When two resets land on the same instant, the
earlier one yields no interval and its sequence number is skipped.

A ``Reset`` is a frozen value: equal and hashable by its settings, and written as text by
:meth:`Reset.to_state`, which :meth:`Reset.parse` reads back.

>>> from datetime import time
>>> reset = Reset.parse("weekly Thursday 09:00")
>>> reset == Reset.weekly(3, time(9)), reset.to_state(), str(reset)
(True, 'weekly thursday 09:00', 'weekly on Thursday at 09:00')
>>> Reset.parse("every 2h").to_state(), Reset.parse("campaign_duration") is None
('every 7200s', True)
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final, Literal

import attrs

from rankcore.errors import InvalidArgument, InvalidArgumentType, RankcoreError
from rankcore.validate import show

if TYPE_CHECKING:  # pragma: no cover
    from croniter import croniter

__all__ = ["CronUnavailable", "Reset", "ResetKind"]

ResetKind = Literal["daily", "weekly", "monthly", "every", "cron"]

WEEKDAYS: Final = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

_FORMS: Final = (
    "daily [HH:MM], weekly [WEEKDAY] [HH:MM], WEEKDAY [HH:MM], monthly [DAY] [HH:MM],"
    " every N(s|m|h|d|w), cron MIN HOUR DOM MON DOW, campaign_duration,"
    " a Recurrence, a Reset, a timedelta or None"
)
_TIME: Final = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")
_DURATION: Final = re.compile(r"^(\d+(?:\.\d+)?)(us|ms|s|m|h|d|w)$")
_UNIT_US: Final = {
    "us": 1,
    "ms": 1_000,
    "s": 1_000_000,
    "m": 60_000_000,
    "h": 3_600_000_000,
    "d": 86_400_000_000,
    "w": 604_800_000_000,
}
_CRON_NAMES: Final = re.compile(
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun"
)
_CRON_CHARS: Final = re.compile(r"^[0-9*,\-/l#?]+$")
_MAX_PERIOD: Final = timedelta(days=365 * 1000)


class CronUnavailable(RankcoreError, ImportError):
    """A cron reset needs the optional ``croniter`` package: ``pip install 'rankcore[cron]'``."""


def _import_croniter() -> type[croniter]:
    try:
        from croniter import croniter as found
    except ImportError:
        raise CronUnavailable(
            "cron resets need the croniter package: pip install 'rankcore[cron]'"
        ) from None
    return found


def _check_at(value: object, name: str = "at") -> time:
    if not isinstance(value, time):
        raise InvalidArgumentType(f"{name} must be a datetime.time, not {type(value).__name__}")
    if value.tzinfo is not None:
        raise InvalidArgument(
            f"{name} must be a naive local time of day (the tenant's zone applies), got"
            f" {value.isoformat()}"
        )
    return time(value.hour, value.minute, value.second, value.microsecond)  # drops fold


def _format_time(at: time) -> str:
    if at.microsecond:
        return at.isoformat("microseconds")
    return at.isoformat("seconds" if at.second else "minutes")


def _format_period(period: timedelta) -> str:
    micros = period // timedelta(microseconds=1)
    seconds, rest = divmod(micros, 1_000_000)
    return f"{seconds}s" if not rest else f"{seconds}.{rest:06d}".rstrip("0") + "s"


def _pretty_period(period: timedelta) -> str:
    micros = period // timedelta(microseconds=1)
    for unit in ("w", "d", "h", "m", "s"):
        count, rest = divmod(micros, _UNIT_US[unit])
        if not rest:
            return f"{count}{unit}"
    return _format_period(period)


@attrs.frozen(slots=True)
class Reset:
    """When a board starts a new interval; build one with a constructor or :meth:`parse`."""

    kind: ResetKind
    at: time = time(0)
    """The local time of day (daily, weekly, monthly)."""
    weekday: int = 0
    """0 = Monday .. 6 = Sunday (weekly)."""
    day: int = 1
    """The day of the month, 1..31 (monthly)."""
    period: timedelta = timedelta(0)
    """The fixed duration (every)."""
    expression: str = ""
    """The normalised 5-field cron expression (cron)."""

    def __attrs_post_init__(self) -> None:
        # Built directly rather than by a constructor: the same checks, and the settings
        # another kind does not use stay at their defaults (so equal resets compare equal).
        if self.kind not in ("daily", "weekly", "monthly", "every", "cron"):
            raise InvalidArgument(
                f"reset kind must be daily, weekly, monthly, every or cron, not {show(self.kind)}"
            )
        _check_at(self.at)
        _check_weekday(self.weekday)
        if isinstance(self.day, bool) or not isinstance(self.day, int) or not 1 <= self.day <= 31:
            raise InvalidArgument(f"day must be an int from 1 to 31, got {show(self.day)}")
        if not isinstance(self.period, timedelta) or not isinstance(self.expression, str):
            raise InvalidArgumentType("period must be a timedelta and expression a str")
        unused = {
            "at": self.kind in ("every", "cron") and self.at != time(0),
            "weekday": self.kind != "weekly" and self.weekday != 0,
            "day": self.kind != "monthly" and self.day != 1,
            "period": self.kind != "every" and self.period != timedelta(0),
            "expression": self.kind != "cron" and self.expression != "",
        }
        for name, bad in unused.items():
            if bad:
                raise InvalidArgument(f"a {self.kind} reset has no {name}")
        if self.kind == "every" and self.period < timedelta(seconds=1):
            raise InvalidArgument(f"period must be at least 1 second, got {self.period}")
        if self.kind == "cron" and not self.expression:
            raise InvalidArgument("a cron reset needs an expression (use Reset.cron)")

    # -- constructors ------------------------------------------------------------------------

    @classmethod
    def daily(cls, at: time = time(0)) -> Reset:
        """Every day at the local time ``at``. O(1)."""
        return cls("daily", at=_check_at(at))

    @classmethod
    def weekly(cls, weekday: int | str = "monday", at: time = time(0)) -> Reset:
        """Every week on ``weekday`` (0 = Monday .. 6, or an English name in any case) at
        the local time ``at``. O(1)."""
        return cls("weekly", at=_check_at(at), weekday=_check_weekday(weekday))

    @classmethod
    def monthly(cls, day: int = 1, at: time = time(0)) -> Reset:
        """Every month on ``day`` (1..31; a shorter month resets on its last day) at the
        local time ``at``. O(1)."""
        if isinstance(day, bool) or not isinstance(day, int):
            raise InvalidArgumentType(f"day must be an int, not {type(day).__name__}")
        if not 1 <= day <= 31:
            raise InvalidArgument(f"day must be from 1 to 31, got {show(day)}")
        return cls("monthly", at=_check_at(at), day=int(day))

    @classmethod
    def every(cls, period: timedelta) -> Reset:
        """Every ``period`` (at least one second) counted from the board's start, in absolute
        time. O(1)."""
        if not isinstance(period, timedelta):
            raise InvalidArgumentType(f"period must be a timedelta, not {type(period).__name__}")
        if not timedelta(seconds=1) <= period <= _MAX_PERIOD:
            raise InvalidArgument(
                f"period must be at least 1 second and at most 1000 years, got {period}"
            )
        return cls("every", period=period)

    @classmethod
    def cron(cls, expression: str) -> Reset:
        """At every match of the 5-field cron ``expression`` (minute, hour, day of month,
        month, day of week) on the tenant's local wall clock.

        Needs ``croniter`` (:class:`CronUnavailable` otherwise). Refuses, with
        :class:`~rankcore.InvalidArgument`, anything but 5 fields, croniter's random or hashed
        fields (``R``, ``H``) and an expression that never matches. O(1).
        """
        if not isinstance(expression, str):
            raise InvalidArgumentType(
                f"cron expression must be a str, not {type(expression).__name__}"
            )
        fields = expression.lower().split()
        if len(fields) != 5:
            raise InvalidArgument(
                "a cron expression has 5 fields (minute hour day-of-month month day-of-week),"
                f" got {show(expression)}"
            )
        if not all(_CRON_CHARS.match(_CRON_NAMES.sub("0", field)) for field in fields):
            raise InvalidArgument(f"cron expression {show(expression)} has an unknown field")
        normal = " ".join(fields)
        engine = _import_croniter()
        try:
            engine(normal, datetime(1970, 1, 1)).get_next(datetime)
        except Exception as exc:  # croniter's errors are ValueError/KeyError/CroniterError
            raise InvalidArgument(
                f"cron expression {show(expression)} is invalid or never matches: {exc}"
            ) from None
        return cls("cron", expression=normal)

    @classmethod
    def parse(cls, value: object, name: str = "reset") -> Reset | None:
        """``value`` as a ``Reset``, or ``None`` for no reset (one interval).

        Accepts a ``Reset``, ``None``, a :class:`~rankcore.Recurrence` or its value
        (``campaign_duration`` means ``None``), a ``timedelta`` (:meth:`every`), or text in any
        case: ``daily 06:30``, ``weekly thursday 09:00``, ``thursday 09:00``,
        ``monthly 15 09:00``, ``every 2h`` (units ``us ms s m h d w``), ``cron 0 9 * * 4``.
        Times are ``HH:MM[:SS[.ffffff]]``, 24-hour. Anything else is refused with the
        accepted forms listed. O(len(value)).
        """
        from rankcore.timeline.recurrence import Recurrence

        if value is None or isinstance(value, Reset):
            return value
        if isinstance(value, Recurrence):
            return _from_recurrence(value)
        if isinstance(value, timedelta):
            return cls.every(value)
        if not isinstance(value, str):
            raise InvalidArgumentType(f"{name} must be one of {_FORMS}, not {type(value).__name__}")
        try:
            return _parse_text(value)
        except InvalidArgument as exc:
            raise InvalidArgument(
                f"{name} {show(value)} is not understood ({exc}); accepted: {_FORMS}"
            ) from None

    # -- text --------------------------------------------------------------------------------

    def to_state(self) -> str:
        """Canonical text that :meth:`parse` reads back to an equal ``Reset``. O(1)."""
        if self.kind == "daily":
            return f"daily {_format_time(self.at)}"
        if self.kind == "weekly":
            return f"weekly {WEEKDAYS[self.weekday]} {_format_time(self.at)}"
        if self.kind == "monthly":
            return f"monthly {self.day} {_format_time(self.at)}"
        if self.kind == "every":
            return f"every {_format_period(self.period)}"
        return f"cron {self.expression}"

    def __str__(self) -> str:
        at = _format_time(self.at)
        if self.kind == "daily":
            return f"daily at {at}"
        if self.kind == "weekly":
            return f"weekly on {WEEKDAYS[self.weekday].capitalize()} at {at}"
        if self.kind == "monthly":
            return f"monthly on day {self.day} at {at}"
        if self.kind == "every":
            return f"every {_pretty_period(self.period)}"
        return f"cron {self.expression!r} (local time)"

    # -- the local calendar (daily, weekly, monthly) -----------------------------------------
    #
    # A unit is numbered as in recurrence.py: days by their ordinal, weeks by
    # (ordinal of their Monday - 1) // 7, months by year * 12 + month - 1. unit_wall gives the
    # local wall time the unit starts at; unit_of_wall its inverse on wall times.

    def unit_wall(self, unit: int) -> datetime:
        """The local wall time (naive) at which calendar unit ``unit`` starts. O(1)."""
        if self.kind == "daily":
            day = date.fromordinal(unit)
        elif self.kind == "weekly":
            day = date.fromordinal(unit * 7 + 1 + self.weekday)
        else:
            year, month = divmod(unit, 12)
            last = calendar.monthrange(year, month + 1)[1]
            day = date(year, month + 1, min(self.day, last))
        return datetime.combine(day, self.at)

    def unit_of_wall(self, wall: datetime) -> int:
        """The calendar unit whose start, in local wall time, is the last at or before the
        naive ``wall``. O(1)."""
        shift = timedelta(
            hours=self.at.hour,
            minutes=self.at.minute,
            seconds=self.at.second,
            microseconds=self.at.microsecond,
        )
        if self.kind == "daily":
            return (wall - shift).date().toordinal()
        if self.kind == "weekly":
            return ((wall - shift - timedelta(days=self.weekday)).date().toordinal() - 1) // 7
        unit = wall.year * 12 + wall.month - 1
        return unit if self.unit_wall(unit) <= wall else unit - 1


def _check_weekday(value: object) -> int:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in WEEKDAYS:
            return WEEKDAYS.index(text)
        raise InvalidArgument(
            f"weekday must be 0..6 or one of {', '.join(WEEKDAYS)} (any case), got {show(value)}"
        )
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(
            f"weekday must be an int 0..6 or a weekday name, not {type(value).__name__}"
        )
    if not 0 <= value <= 6:
        raise InvalidArgument(f"weekday must be from 0 (Monday) to 6 (Sunday), got {show(value)}")
    return int(value)


def _parse_time(text: str) -> time:
    found = _TIME.match(text)
    if found is None:
        raise InvalidArgument(f"{show(text)} is not a time HH:MM[:SS[.ffffff]]")
    hour, minute, second = int(found[1]), int(found[2]), int(found[3] or 0)
    micro = int((found[4] or "0").ljust(6, "0"))
    if hour > 23 or minute > 59 or second > 59:
        raise InvalidArgument(f"{show(text)} is not a time of day")
    return time(hour, minute, second, micro)


def _parse_period(text: str) -> timedelta:
    found = _DURATION.match(text)
    if found is None:
        raise InvalidArgument(f"{show(text)} is not a duration such as 90s, 2h or 3d")
    micros = Decimal(found[1]) * _UNIT_US[found[2]]
    if micros != micros.to_integral_value() or micros > _MAX_PERIOD // timedelta(microseconds=1):
        raise InvalidArgument(f"{show(text)} is not a whole number of microseconds up to 1000y")
    return timedelta(microseconds=int(micros))


def _parse_text(value: str) -> Reset | None:
    words = value.strip().lower().split() if value.isascii() else []
    if not words:
        raise InvalidArgument("empty or not ASCII")
    head, rest = words[0], words[1:]
    if head == "cron":
        return Reset.cron(" ".join(rest))
    if head == "every" and len(rest) == 1:
        return Reset.every(_parse_period(rest[0]))
    if head == "campaign_duration" and not rest:
        return None
    if head == "daily" and len(rest) <= 1:
        return Reset.daily(*(_parse_time(word) for word in rest))
    if head in WEEKDAYS and len(rest) <= 1:
        return Reset.weekly(head, *(_parse_time(word) for word in rest))
    if head == "weekly" and len(rest) <= 2:
        if not rest:
            return Reset.weekly()
        if rest[0] not in WEEKDAYS:
            raise InvalidArgument(f"{show(rest[0])} is not a weekday")
        return Reset.weekly(rest[0], *(_parse_time(word) for word in rest[1:]))
    if head == "monthly" and len(rest) <= 2:
        if not rest:
            return Reset.monthly()
        if not rest[0].isdigit() or len(rest[0]) > 2:
            raise InvalidArgument(f"{show(rest[0])} is not a day of the month")
        return Reset.monthly(int(rest[0]), *(_parse_time(word) for word in rest[1:]))
    raise InvalidArgument("unknown form")


def _from_recurrence(value: object) -> Reset | None:
    from rankcore.timeline.recurrence import Recurrence

    if value is Recurrence.DAILY:
        return Reset.daily()
    if value is Recurrence.WEEKLY:
        return Reset.weekly()
    if value is Recurrence.MONTHLY:
        return Reset.monthly()
    return None
