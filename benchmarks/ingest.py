"""The demo season's ingest rates in one run, against the single-event path of a past revision.

    python benchmarks/ingest.py [--baseline REV] [--events 200000]

Issue #14 set its batch goal against the rate its own measurement gave the single-event path
(about 24-29k events/s through ``rankcore demo``). ``rankcore demo`` compares batches with
the single-event path of the same code, which the issue's work has made faster too. This
script measures both comparisons in one run. Three child processes each build the demo's
season (:class:`~rankcore.demo.DemoConfig` with ``--events``) and take turns a campaign day
each, the order reversed every other day:

- ``baseline``: the code of ``--baseline`` (default: the last revision before batch
  ingestion), one call per event, taken out of this repository's history with
  ``git archive`` into a temporary directory;
- ``single``: this tree, one call per event (the first rate ``rankcore demo`` prints);
- ``batches``: this tree through ``record_activities`` and ``award_many`` (its second).

Each prints its events/s (activities plus awards, as the demo counts them) and the ratios,
with the verdict on the goal of 3x. Needs ``git`` and the repository's history (a full
clone). Results are quoted in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

from revisions import BASELINE, HERE, check_import, checkout, spawn

GOAL = 3.0

WORKER = r"""
import gc, sys, time
from datetime import timedelta
from itertools import groupby
from rankcore import demo

mode, events = sys.argv[1], int(sys.argv[2])
config = demo.DemoConfig(events=events)
season = demo.season_events(config)
engine, clock, campaign = demo.build_engine(config)
days, first = [], 0
for _, same_day in groupby(season, key=lambda e: (e.at - demo.SEASON_START) // timedelta(days=1)):
    count = sum(1 for _ in same_day)
    days.append((first, season[first : first + count]))
    first += count
awards = 0

def one_call_each(day, first):
    # What rankcore demo's single-event ingest does, through the API both revisions have.
    global awards
    record, award, move = engine.record_activity, engine.award, clock.set
    purchase, org = demo.EventKind.PURCHASE, demo.ORG
    for index, event in enumerate(day, first):
        at = move(event.at)
        if event.kind is purchase:
            record(org, event.customer, "points", event.value, at, index)
            award(campaign, str(event.customer), event.value, at, event_id=f"p{index}", org=org)
            awards += 1
        else:
            record(org, event.customer, "visits", 1, at, index)

def batches(day, first):
    global awards
    awards += demo._ingest_batches(engine, clock, campaign, day, first)[0]

ingest = batches if mode == "batches" else one_call_each
gc.collect()
gc.freeze()
print(demo.__file__, len(days), flush=True)
for line in sys.stdin:
    first, day = days[int(line)]
    started = time.perf_counter()
    ingest(day, first)
    print(time.perf_counter() - started, flush=True)
print(len(season) + awards, flush=True)
"""


def _start(tree: Path, mode: str, events: int) -> tuple[subprocess.Popen[str], int]:
    worker = spawn(tree, WORKER, mode, str(events), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    source, days = _read(worker.stdout).rsplit(maxsplit=1)
    check_import(tree, source)
    return worker, int(days)


def _read(stream: IO[str] | None) -> str:
    assert stream is not None
    line = stream.readline()
    if not line:
        sys.exit("a worker stopped early (see its error above)")
    return line


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="the revision to compare with")
    parser.add_argument("--events", type=int, default=200_000, help="the season's activities")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        old = checkout(args.baseline, Path(folder))
        subjects = {
            "baseline": (old, "single"),
            "single": (HERE, "single"),
            "batches": (HERE, "batches"),
        }
        workers = {name: _start(tree, mode, args.events) for name, (tree, mode) in subjects.items()}
        days = {count for _, count in workers.values()}
        if len(days) != 1:
            sys.exit(f"the workers' seasons differ: {sorted(days)} campaign days")
        seconds = dict.fromkeys(workers, 0.0)
        names = list(workers)
        for day in range(days.pop()):
            for name in names if day % 2 == 0 else names[::-1]:
                worker = workers[name][0]
                assert worker.stdin is not None
                worker.stdin.write(f"{day}\n")
                worker.stdin.flush()
                seconds[name] += float(_read(worker.stdout))
        ingested = {}
        for name, (worker, _) in workers.items():
            assert worker.stdin is not None
            worker.stdin.close()
            ingested[name] = int(_read(worker.stdout))
            worker.wait()
    if len(set(ingested.values())) != 1:
        sys.exit(f"the workers ingested different event counts: {ingested}")
    events = ingested["batches"]
    rates = {name: events / spent for name, spent in seconds.items()}
    print(f"# the demo season, {events:,} events; baseline: {args.baseline}")
    for name, rate in rates.items():
        print(f"{name:9} {seconds[name]:7.2f} s  {rate:9,.0f} events/s")
    versus_baseline = rates["batches"] / rates["baseline"]
    versus_single = rates["batches"] / rates["single"]
    print(f"single   / baseline {rates['single'] / rates['baseline']:.2f}x")
    print(f"batches  / single   {versus_single:.2f}x  (what rankcore demo prints)")
    verdict = "PASS" if versus_baseline >= GOAL else "FAIL"
    print(f"batches  / baseline {versus_baseline:.2f}x  goal >= {GOAL:g}x: {verdict}")


if __name__ == "__main__":
    main()
