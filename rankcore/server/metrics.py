"""Prometheus metrics of one server app, in a registry of its own (never the global one).

Labels have bounded values: ``route`` is a router route name (``capillary.leaderboard``,
``capillary.enroll``, ``capillary.badge_group``, ``rehook.leaderboard``), a lifecycle
endpoint (``healthz``, ``readyz``, ``metrics``, ``openapi``) or ``unknown``; ``status`` an
HTTP status. With an engine, each scrape also reads its counters (:meth:`Engine.stats
<rankcore.Engine.stats>`): ``rankcore_mutations_total`` (changes applied, a batch counting
as its entries), ``rankcore_log_appends_total`` (journal records or log entries written)
and ``rankcore_replica_lag_seconds``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from rankcore.engine import Engine

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
"""The media type of :meth:`Metrics.render`'s text."""


class Metrics:
    """``rankcore_requests_total{route,status}`` and ``rankcore_request_seconds{route}``."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        if engine is not None:
            self.registry.register(_EngineCollector(engine))
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

        # The labelled children by (route, status): both label sets are bounded (see the
        # module text), and a child looked up once skips labels()' checks and lock after.
        self._children: dict[tuple[str, int], tuple[Counter, Histogram]] = {}

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Count one answered request. O(1)."""
        children = self._children.get((route, status))
        if children is None:
            children = (
                self.requests.labels(route=route, status=str(status)),
                self.seconds.labels(route=route),
            )
            self._children[(route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        """The registry in Prometheus' text exposition format."""
        return generate_latest(self.registry)


class _EngineCollector(Collector):
    """The engine's counters, read when the registry is scraped (never on a request)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        stats = self.engine.stats()
        yield CounterMetricFamily(
            "rankcore_mutations",
            "Changes the engine applied since it opened (a batch counts as its entries).",
            value=stats.mutations,
        )
        yield CounterMetricFamily(
            "rankcore_log_appends",
            "Records the engine wrote to its journal or its shared log since it opened.",
            value=stats.appended,
        )
        yield GaugeMetricFamily(
            "rankcore_replica_lag_seconds",
            "Seconds since the replica last knew it had applied the whole log (0 unshared).",
            value=stats.lag,
        )
