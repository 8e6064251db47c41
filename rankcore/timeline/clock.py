"""Clocks: the only place rankcore learns what time it is.

Every component that needs "now" is handed a :class:`Clock`. :class:`SystemClock` reads the
wall clock (UTC); :class:`ManualClock` is moved by hand, for simulations, replays and tests.
Time never goes backwards on either.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from rankcore.errors import InvalidArgument, InvalidArgumentType

__all__ = ["Clock", "ManualClock", "SystemClock", "require_aware"]


def require_aware(value: object, name: str) -> datetime:
    """Return ``value`` if it is a timezone-aware ``datetime``, else raise naming ``name``."""
    if not isinstance(value, datetime):
        raise InvalidArgumentType(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` returning an aware ``datetime`` that never decreases."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The wall clock in UTC, made monotonic: it never reports an earlier time than before."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current UTC time (never earlier than a previous answer). O(1)."""
        current = datetime.now(UTC)
        with self._lock:
            if current < self._last:
                return self._last
            self._last = current
            return current


class ManualClock:
    """A clock that moves only when told to.

    >>> from datetime import datetime, timedelta, UTC
    >>> clock = ManualClock(datetime(2024, 6, 1, tzinfo=UTC))
    >>> clock.advance(timedelta(hours=1)).isoformat()
    '2024-06-01T01:00:00+00:00'
    """

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "start")

    def now(self) -> datetime:
        """The time the clock was last set to. O(1)."""
        return self._now

    def set(self, t: datetime) -> datetime:
        """Move the clock to ``t``; refuses to go backwards. O(1)."""
        require_aware(t, "t")
        if t < self._now:
            raise InvalidArgument(
                f"t={t.isoformat()} is earlier than the clock ({self._now.isoformat()}); "
                "time never goes backwards"
            )
        self._now = t
        return t

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (which must not be negative). O(1)."""
        if not isinstance(delta, timedelta):
            raise InvalidArgumentType(f"delta must be a timedelta, not {type(delta).__name__}")
        if delta < timedelta(0):
            raise InvalidArgument(f"delta must not be negative, got {delta}")
        self._now = self._now + delta
        return self._now
