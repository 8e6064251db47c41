"""The cost of durability: ingest throughput of awards without a journal and with each fsync
policy, and of activities one call each against batches of 100 (one record and one fsync per
batch); and recovery: reopening a journal of activities written one record per call, or in
batch records of 100. ``pytest benchmarks/test_journal.py --benchmark-enable``; the ingest
results are quoted in ``docs/durability.md`` as ratios to the engine without a journal (a
batch's time divided by 100 is its cost per activity), the recovery results in
``docs/performance.md`` (``benchmarks/recovery.py`` measures longer journals in fresh
processes)."""

from __future__ import annotations

import itertools
import shutil
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


def _activities(first: int, count: int) -> list[tuple[int, str, int, None, str]]:
    """Activities ``first`` to ``first + count - 1`` as ``record_activities`` takes them,
    each with a fresh event id."""
    return [
        (n % CUSTOMERS, "points", 1 + n % 5, None, f"e{n}") for n in range(first, first + count)
    ]


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
        engine.record_activities(1, _activities(next(counter) * BATCH, BATCH))

    rounds = 2000 if fsync == "always" else 20000
    if batch == 1:
        benchmark.pedantic(one, rounds=rounds, warmup_rounds=100)
    else:
        benchmark.pedantic(many, rounds=max(rounds // BATCH, 20), warmup_rounds=2)
    engine.close()


REPLAYED = 20_000


@pytest.mark.parametrize("batch", [1, BATCH], ids=["one", "batch100"])
def test_replay(benchmark: BenchmarkFixture, tmp_path: Path, batch: int) -> None:
    """Reopen a journal of 20,000 activities with fresh event ids (after the 1,004 records
    that set the world up), written one ``record_activity`` record each or 100 per
    ``record_activities`` record; each round replays a fresh copy. Divide by 20,000 for the
    cost per activity."""
    written = tmp_path / "written"  # the journal and its snapshot
    written.mkdir()
    engine = _loyalty(written / "bench.journal", "never")
    if batch == 1:
        for n in range(REPLAYED):
            engine.record_activity(1, n % CUSTOMERS, "points", 1 + n % 5, event_id=f"e{n}")
    else:
        for first in range(0, REPLAYED, batch):
            engine.record_activities(1, _activities(first, batch))
    engine.close()
    copy = tmp_path / "copy"

    def fresh_copy() -> tuple[tuple[Path], dict[str, object]]:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(written, copy)
        return (copy / "bench.journal",), {}

    def reopen(journal: Path) -> int:
        reopened = Engine(journal=journal, checkpoint_every=None)
        report = reopened.recovery
        reopened.close()
        assert report is not None
        return report.mutations

    setup = 4 + CUSTOMERS  # the org, the group, the period, the target and the customers
    assert benchmark.pedantic(reopen, setup=fresh_copy, rounds=5) == setup + REPLAYED
