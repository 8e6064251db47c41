"""The facade a game backend imports: one :class:`Engine` owns everything.

The engine owns the tenants, the clock, a seeded id generator, event subscriptions and one
re-entrant lock. Every public method takes the lock, first closes whatever the clock says is
due, then delegates to a domain service and publishes the events the domain returned. Domain
services never see the engine: data flows from here down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from rankcore.events import EventBus, Handler
from rankcore.ids import IdGenerator
from rankcore.tenancy import Org, Tenants
from rankcore.timeline.clock import Clock, ManualClock, SystemClock, require_aware

__all__ = ["Engine"]


class Engine:
    """An in-memory leaderboard engine. Safe to call from several threads.

    ``clock`` defaults to the system clock; pass a :class:`~rankcore.ManualClock` for
    simulations. ``seed`` makes generated ids deterministic.
    """

    def __init__(self, *, clock: Clock | None = None, seed: int = 0) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._lock = threading.RLock()
        self._ids = IdGenerator(seed)
        self._events = EventBus()
        self._tenants = Tenants()

    @property
    def clock(self) -> Clock:
        """The engine's clock."""
        return self._clock

    def now(self) -> datetime:
        """The engine's current time. O(1)."""
        return self._clock.now()

    def advance_to(self, t: datetime) -> None:
        """Move a manual clock to ``t`` and close whatever ended by then."""
        require_aware(t, "t")
        with self._lock:
            if isinstance(self._clock, ManualClock):
                self._clock.set(t)

    def subscribe(self, event_type: type, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for each published event of ``event_type``.

        Returns a function that cancels the subscription.
        """
        with self._lock:
            return self._events.subscribe(event_type, handler)

    def add_org(
        self,
        org_id: int,
        timezone: str | ZoneInfo = "UTC",
        *,
        leaderboards: bool = True,
        connected: Iterable[int] = (),
    ) -> Org:
        """Register an organisation (or a Rehook application) with its IANA time zone."""
        with self._lock:
            return self._tenants.add(
                org_id, timezone, leaderboards=leaderboards, connected=connected
            )

    def org(self, org_id: int) -> Org | None:
        """The organisation with this id, or ``None``. O(1)."""
        with self._lock:
            return self._tenants.get(org_id)
