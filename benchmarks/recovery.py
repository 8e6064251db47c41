"""Recovery cost: how fast an engine reopens a long journal, and how much memory it takes.

    python benchmarks/recovery.py [--events 200000] [--batch 1000] [--baseline REV]

Writes journals of ``--events`` mutations (with ``fsync="never"`` and no automatic
checkpoint), each reopened in a fresh child process that reports its replay time and peak
resident memory, all in one run:

- ``baseline``: the ``mixed`` journal below, written and replayed by the code of
  ``--baseline`` (default: the last revision before batch ingestion, the code issue #14
  measured), taken out of this repository's history with ``git archive``;
- ``mixed``: awards and activities with fresh event ids, one record per call (what a game
  backend calling ``award``/``record_activity`` writes);
- ``activities``: the same activities only, one record per ``record_activity`` call;
- ``batches``: those activities through ``record_activities``, ``--batch`` per call (one
  record per batch);
- ``mixed-batches``: the ``mixed`` events through batches: each ``--batch`` events' activities
  in one ``record_activities`` call, then their awards in one ``award_many`` call.

Rates are events per second (a batch record counts as its activities; for the one-record
journals events and records are the same), and the batch journal's rate is given as a ratio
to the one-record journal of the same activities; both batch journals are judged against
issue #14's goal of 100,000 events/s and compared with the baseline's replay. The ``mixed``
child's memory is compared with a child building the same state without a journal. Needs
``git`` and the repository's history (a full clone). Results are quoted in
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from revisions import BASELINE, HERE, check_import, checkout, run

GOAL = 100_000
"""Issue #14's goal for replaying batch records, in events per second."""

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
import rankcore
from rankcore import Engine

started = time.perf_counter()
engine = Engine(journal=sys.argv[1], checkpoint_every=None)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
report = engine.recovery
events = getattr(report, "mutations", report.replayed)  # older reports: one record, one event
print(json.dumps({"records": report.replayed, "events": events, "seconds": elapsed,
                  "peak_mb": peak, "source": rankcore.__file__}))
"""

MEMORY = (
    "\nimport json, resource\n"
    "print(json.dumps({'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
)


def _replay(tree: Path, journal: Path, mode: str, events: str, size: str) -> dict[str, float]:
    """Write ``journal`` in ``mode`` with ``tree``'s code, then reopen it with the same code
    in a fresh child: its records, events, replay seconds, peak MB and size in MiB."""
    run(tree, WRITER, str(journal), mode, events, size)
    result: dict[str, float] = json.loads(run(tree, READER, str(journal)))
    check_import(tree, result.pop("source"))
    result["mib"] = journal.stat().st_size / 2**20
    result["rate"] = result["events"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--baseline", default=BASELINE, help="the revision to compare with")
    options = parser.parse_args()
    events, size = str(options.events), str(options.batch)
    subjects = ("baseline", "mixed", "activities", "batches", "mixed-batches")
    with tempfile.TemporaryDirectory() as folder:
        old = checkout(options.baseline, Path(folder) / "baseline")
        results = {}
        for name in subjects:
            tree, mode = (old, "mixed") if name == "baseline" else (HERE, name)
            results[name] = _replay(tree, Path(folder) / f"{name}.journal", mode, events, size)
        in_memory = json.loads(run(HERE, WRITER + MEMORY, "-", "mixed", events, size))
    print(f"# {options.events:,} events per journal; baseline: {options.baseline}")
    for name, r in results.items():
        print(
            f"{name:>13}: {r['records']:>9,} records ({r['mib']:6.1f} MiB), {r['events']:>9,}"
            f" events replayed in {r['seconds']:6.2f} s = {r['rate']:>9,.0f} events/s,"
            f" peak {r['peak_mb']:.0f} MB"
        )
    rate = {name: r["rate"] for name, r in results.items()}
    print(f"mixed journal replays {rate['mixed'] / rate['baseline']:.1f}x the baseline's")
    ratio = rate["batches"] / rate["activities"]
    print(f"batch records replay {ratio:.1f}x the events/s of one record per activity")
    mixed_ratio = rate["mixed-batches"] / rate["mixed"]
    print(f"mixed batch records replay {mixed_ratio:.1f}x the events/s of the mixed journal")
    for name in ("batches", "mixed-batches"):
        verdict = "PASS" if rate[name] >= GOAL else "FAIL"
        print(
            f"{name} {rate[name]:,.0f} events/s ({rate[name] / rate['baseline']:.1f}x the"
            f" baseline's): goal >= {GOAL:,} events/s: {verdict}"
        )
    mixed = results["mixed"]["peak_mb"]
    print(
        f"memory: peak {mixed:.0f} MB reopening the mixed journal, {in_memory['peak_mb']:.0f} MB"
        f" building the same state without a journal ({mixed / in_memory['peak_mb']:.2f}x)"
    )


if __name__ == "__main__":
    main()
