"""Prometheus metrics of one server app, in a registry of its own (never the global one).

Labels have bounded values: ``route`` is a router route name (``capillary.leaderboard``,
``capillary.enroll``, ``capillary.badge_group``, ``rehook.leaderboard``), a lifecycle
endpoint (``healthz``, ``readyz``, ``metrics``, ``openapi``) or ``unknown``; ``status`` an
HTTP status.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
"""The media type of :meth:`Metrics.render`'s text."""


class Metrics:
    """``rankcore_requests_total{route,status}`` and ``rankcore_request_seconds{route}``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "rankcore_requests",
            "HTTP requests answered, by route and status.",
            ("route", "status"),
            registry=self.registry,
        )
        self.seconds = Histogram(
            "rankcore_request_seconds",
            "Time to answer an HTTP request, by route.",
            ("route",),
            registry=self.registry,
        )

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Count one answered request. O(1)."""
        self.requests.labels(route=route, status=str(status)).inc()
        self.seconds.labels(route=route).observe(seconds)

    def render(self) -> bytes:
        """The registry in Prometheus' text exposition format."""
        return generate_latest(self.registry)
