"""Recovery cost: how fast an engine reopens a long journal, and how much memory it takes.

    python benchmarks/recovery.py [--records 200000]

Writes a journal of ``--records`` mutations (awards and activities with fresh event ids, as
a game backend produces them, with ``fsync="never"`` and no automatic checkpoint), then
reopens it in a fresh child process and reports the replay rate (records/s) and the child's
peak resident memory, next to the same child building the same state without a journal (the
memory any engine holding that state needs). Results are quoted in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

WRITER = r"""
import sys
from datetime import UTC, datetime, timedelta
from rankcore import Engine, ManualClock

path, records = sys.argv[1], int(sys.argv[2])
start = datetime(2024, 6, 1, tzinfo=UTC)
journal = None if path == "-" else path
engine = Engine(clock=ManualClock(start), journal=journal, fsync="never", checkpoint_every=None)
engine.add_org(1, "UTC")
engine.create_campaign(1, recurrence="campaign_duration", start=start,
                       end=start + timedelta(days=365), campaign_id="camp")
engine.create_target_group(1, 10, "group")
engine.add_period(1, 10, 100, ref_code="p", name="P", start=start, end=start + timedelta(days=365))
engine.add_target(1, 10, 11, name="t", type="MILESTONE", metric="points", value=10**9)
for customer in range(1000):
    engine.add_customer(1, customer)
for k in range(records - 1005):
    if k % 2:
        engine.award("camp", f"s{k % 5000}", 1 + k % 7, event_id=f"a{k}")
    else:
        engine.record_activity(1, k % 1000, "points", 1 + k % 5, event_id=f"r{k}")
engine.close()
"""

READER = r"""
import json, resource, sys, time
from rankcore import Engine

started = time.perf_counter()
engine = Engine(journal=sys.argv[1], checkpoint_every=None)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"replayed": engine.recovery.replayed, "seconds": elapsed, "peak_mb": peak}))
"""


def _run(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    records = parser.parse_args().records
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / "bench.journal"
        _run(WRITER, str(journal), str(records))
        size = journal.stat().st_size / 2**20
        result = json.loads(_run(READER, str(journal)))
    in_memory = json.loads(
        _run(
            WRITER
            + "\nimport json, resource\n"
            + "print(json.dumps({'peak_mb': resource.getrusage(resource.RUSAGE_SELF)"
            + ".ru_maxrss / 1024}))",
            "-",
            str(records),
        )
    )
    rate = result["replayed"] / result["seconds"]
    print(f"journal: {records:,} records, {size:.1f} MiB")
    print(
        f"replay:  {result['replayed']:,} records in {result['seconds']:.2f} s"
        f" = {rate:,.0f} records/s"
    )
    print(
        f"memory:  peak {result['peak_mb']:.0f} MB reopening, {in_memory['peak_mb']:.0f} MB"
        f" building the same state without a journal"
        f" ({result['peak_mb'] / in_memory['peak_mb']:.2f}x)"
    )


if __name__ == "__main__":
    main()
