"""Subscriptions to the domain events the engine publishes.

Domains return the events their changes caused; the engine publishes them here after the
change is complete, so a subscriber always sees a consistent engine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

__all__ = ["EventBus", "Handler"]

Handler = Callable[[Any], None]


class EventBus:
    """Delivers each published event to the handlers subscribed to its type (or a base)."""

    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type, handler: Handler) -> Callable[[], None]:
        """Call ``handler(event)`` for every event that is an instance of ``event_type``.

        Returns a function that cancels the subscription.
        """
        self._handlers[event_type].append(handler)

        def unsubscribe() -> None:
            handlers = self._handlers.get(event_type, [])
            if handler in handlers:
                handlers.remove(handler)

        return unsubscribe

    def publish(self, event: object) -> None:
        """Deliver ``event`` to every matching handler, in subscription order."""
        for event_type, handlers in list(self._handlers.items()):
            if isinstance(event, event_type):
                for handler in list(handlers):
                    handler(event)
