"""Recovery cost: how fast an engine reopens a long journal, and how much memory it takes.

    python benchmarks/recovery.py [--events 200000] [--batch 1000]

Writes journals of ``--events`` mutations (with ``fsync="never"`` and no automatic
checkpoint), each reopened in a fresh child process that reports its replay time and peak
resident memory, all in one run:

- ``mixed``: awards and activities with fresh event ids, one record per call (what a game
  backend calling ``award``/``record_activity`` writes);
- ``activities``: the same activities only, one record per ``record_activity`` call;
- ``batches``: those activities through ``record_activities``, ``--batch`` per call (one
  record per batch);
- ``mixed-batches``: the ``mixed`` events through batches: each ``--batch`` events' activities
  in one ``record_activities`` call, then their awards in one ``award_many`` call.

Rates are events per second (a batch record counts as its activities; for the one-record
journals events and records are the same), and the batch journal's rate is given as a ratio
to the one-record journal of the same activities. The ``mixed`` child's memory is compared
with a child building the same state without a journal. Results are quoted in
``docs/performance.md``.
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

path, mode, events, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
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
if mode == "mixed":
    for k in range(events):
        if k % 2:
            engine.award("camp", f"s{k % 5000}", 1 + k % 7, event_id=f"a{k}")
        else:
            engine.record_activity(1, k % 1000, "points", 1 + k % 5, event_id=f"r{k}")
elif mode == "mixed-batches":
    for first in range(0, events, size):
        ks = range(first, min(first + size, events))
        engine.record_activities(1, [(k % 1000, "points", 1 + k % 5, None, f"r{k}")
                                     for k in ks if not k % 2])
        engine.award_many("camp", [(f"s{k % 5000}", 1 + k % 7, None, f"a{k}")
                                   for k in ks if k % 2])
elif mode == "activities":
    for k in range(events):
        engine.record_activity(1, k % 1000, "points", 1 + k % 5, event_id=f"r{k}")
else:
    for first in range(0, events, size):
        engine.record_activities(1, [(k % 1000, "points", 1 + k % 5, None, f"r{k}")
                                     for k in range(first, min(first + size, events))])
engine.close()
"""

READER = r"""
import json, resource, sys, time
from rankcore import Engine

started = time.perf_counter()
engine = Engine(journal=sys.argv[1], checkpoint_every=None)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
report = engine.recovery
print(json.dumps({"records": report.replayed, "events": report.mutations, "seconds": elapsed,
                  "peak_mb": peak}))
"""

MEMORY = (
    "\nimport json, resource\n"
    "print(json.dumps({'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
)


def _run(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    options = parser.parse_args()
    events, size = str(options.events), str(options.batch)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for mode in ("mixed", "activities", "batches", "mixed-batches"):
            journal = Path(folder) / f"{mode}.journal"
            _run(WRITER, str(journal), mode, events, size)
            result = json.loads(_run(READER, str(journal)))
            result["mib"] = journal.stat().st_size / 2**20
            results[mode] = result
    in_memory = json.loads(_run(WRITER + MEMORY, "-", "mixed", events, size))
    for mode, r in results.items():
        rate = r["events"] / r["seconds"]
        r["rate"] = rate
        print(
            f"{mode:>13}: {r['records']:>9,} records ({r['mib']:6.1f} MiB), {r['events']:>9,}"
            f" events replayed in {r['seconds']:6.2f} s = {rate:>9,.0f} events/s,"
            f" peak {r['peak_mb']:.0f} MB"
        )
    ratio = results["batches"]["rate"] / results["activities"]["rate"]
    print(f"batch records replay {ratio:.1f}x the events/s of one record per activity")
    mixed_ratio = results["mixed-batches"]["rate"] / results["mixed"]["rate"]
    print(f"mixed batch records replay {mixed_ratio:.1f}x the events/s of the mixed journal")
    mixed = results["mixed"]["peak_mb"]
    print(
        f"memory: peak {mixed:.0f} MB reopening the mixed journal, {in_memory['peak_mb']:.0f} MB"
        f" building the same state without a journal ({mixed / in_memory['peak_mb']:.2f}x)"
    )


if __name__ == "__main__":
    main()
