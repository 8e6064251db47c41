"""The cost of durability: ingest throughput of awards without a journal and with each fsync
policy. ``pytest benchmarks/test_journal.py --benchmark-enable``; the results are quoted in
``docs/durability.md`` as ratios to the engine without a journal."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from rankcore import Engine, ManualClock

START = datetime(2024, 6, 1, tzinfo=UTC)
SOURCES = 10_000


def _engine(journal: Path | None, fsync: str) -> Engine:
    engine = Engine(clock=ManualClock(START), journal=journal, fsync=fsync)
    engine.add_org(1, "UTC")
    engine.create_campaign(
        1, recurrence="campaign_duration", start=START, end=datetime(2025, 1, 1, tzinfo=UTC),
        campaign_id="camp",
    )  # fmt: skip
    return engine


@pytest.mark.parametrize("fsync", ["none", "never", "interval", "always"])
def test_ingest_awards(benchmark: BenchmarkFixture, tmp_path: Path, fsync: str) -> None:
    """One award with a fresh event id per call (the journal's typical record)."""
    journal = None if fsync == "none" else tmp_path / "bench.journal"
    engine = _engine(journal, "never" if fsync == "none" else fsync)
    counter = itertools.count()

    def award() -> None:
        n = next(counter)
        engine.award("camp", f"s{n % SOURCES}", 1 + n % 5, event_id=f"e{n}")

    benchmark.pedantic(award, rounds=2000 if fsync == "always" else 20000, warmup_rounds=100)
    engine.close()
