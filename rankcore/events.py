"""Subscriptions to the domain events the engine publishes.

Domains return the events their changes caused; the engine publishes them here after the
change is complete, so a subscriber always sees a consistent engine. A subscriber that
raises is logged on the ``rankcore.events`` logger and stops nothing: the engine's work is
done by then, and every event still reaches every other subscriber.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["EventBus", "Handler"]

E = TypeVar("E")
Handler = Callable[[Any], None]

_log = logging.getLogger("rankcore.events")


class EventBus:
    """Delivers each published event to the handlers subscribed to its type (or a base)."""

    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call ``handler(event)`` for every event that is an instance of ``event_type``.

        Returns a function that cancels the subscription. O(1).
        """
        self._handlers[event_type].append(handler)

        def unsubscribe() -> None:
            handlers = self._handlers.get(event_type, [])
            if handler in handlers:
                handlers.remove(handler)

        return unsubscribe

    def publish(self, event: object) -> None:
        """Deliver ``event`` to every matching handler, in subscription order; a handler's
        exception is logged with its traceback and the delivery goes on. O(handlers)."""
        for event_type, handlers in list(self._handlers.items()):
            if isinstance(event, event_type):
                for handler in list(handlers):
                    try:
                        handler(event)
                    except Exception:
                        _log.exception("subscriber %r failed on %r", handler, event)
