"""The cost of durability: ingest throughput of awards without a journal and with each fsync
policy, and of activities one call each against batches of 100 (one record and one fsync per
batch). ``pytest benchmarks/test_journal.py --benchmark-enable``; the results are quoted in
``docs/durability.md`` as ratios to the engine without a journal (a batch's time divided by
100 is its cost per activity)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
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


BATCH = 100
CUSTOMERS = 1000


def _loyalty(journal: Path | None, fsync: str) -> Engine:
    engine = Engine(clock=ManualClock(START), journal=journal, fsync=fsync)
    engine.add_org(1, "UTC")
    engine.create_target_group(1, 10, "group")
    engine.add_period(
        1, 10, 100, ref_code="p", name="P", start=START, end=START + timedelta(days=365)
    )
    engine.add_target(1, 10, 11, name="t", type="MILESTONE", metric="points", value=10**12)
    for customer in range(CUSTOMERS):
        engine.add_customer(1, customer)
    return engine


@pytest.mark.parametrize("fsync", ["none", "never", "always"])
@pytest.mark.parametrize("batch", [1, BATCH], ids=["one", "batch100"])
def test_ingest_activities(
    benchmark: BenchmarkFixture, tmp_path: Path, fsync: str, batch: int
) -> None:
    """Activities with fresh event ids: one ``record_activity`` call each, or 100 per
    ``record_activities`` call."""
    journal = None if fsync == "none" else tmp_path / "bench.journal"
    engine = _loyalty(journal, "never" if fsync == "none" else fsync)
    counter = itertools.count()

    def one() -> None:
        n = next(counter)
        engine.record_activity(1, n % CUSTOMERS, "points", 1 + n % 5, event_id=f"e{n}")

    def many() -> None:
        first = next(counter) * BATCH
        engine.record_activities(
            1,
            [
                (n % CUSTOMERS, "points", 1 + n % 5, None, f"e{n}")
                for n in range(first, first + BATCH)
            ],
        )

    rounds = 2000 if fsync == "always" else 20000
    if batch == 1:
        benchmark.pedantic(one, rounds=rounds, warmup_rounds=100)
    else:
        benchmark.pedantic(many, rounds=max(rounds // BATCH, 20), warmup_rounds=2)
    engine.close()
