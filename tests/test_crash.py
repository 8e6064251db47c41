"""Crash safety: a child process ingests seeded events with ``fsync="always"`` and prints each
acknowledged event id; the parent SIGKILLs it at random moments, reopens the engine and checks
that every acknowledged event is counted exactly once and nothing else is, bar the one event
that may have been journalled but not yet acknowledged when the kill came."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rankcore import Engine, ManualClock

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

EVENTS = 300
ROUNDS = 24
START = datetime(2024, 6, 1, tzinfo=UTC)

CHILD = r"""
import sys
from datetime import UTC, datetime
from rankcore import Engine, ManualClock

path = sys.argv[1]
start = datetime(2024, 6, 1, tzinfo=UTC)
engine = Engine(clock=ManualClock(start), journal=path, fsync="always")
if engine.org(1) is None:
    engine.add_org(1, "UTC")
if engine.campaign(1, "camp") is None:
    engine.create_campaign(1, recurrence="campaign_duration", start=start,
                           end=datetime(2025, 1, 1, tzinfo=UTC), campaign_id="camp")
if engine.customer(1, 7) is None:
    engine.add_customer(1, 7)
if engine.target_group(1, 10) is None:
    engine.create_target_group(1, 10, "group")
if not engine.periods(1, 10):
    engine.add_period(1, 10, 100, ref_code="p", name="P", start=start,
                      end=datetime(2025, 1, 1, tzinfo=UTC))
if not engine.targets(1, 10):
    engine.add_target(1, 10, 11, name="t", type="MILESTONE", metric="points", value=10**9)
print("open", flush=True)
for k in range(int(sys.argv[2])):
    if k % 2 == 0:
        engine.award("camp", f"s{k}", 1, event_id=f"ev{k}")
    else:
        engine.record_activity(1, 7, "points", 1, event_id=f"ev{k}")
    print(f"ack ev{k}", flush=True)
    if k % 97 == 96:
        engine.checkpoint()
"""


def counted(engine: Engine) -> tuple[dict[int, int], int]:
    """Per even event, how often its award counts; and the odd events' total."""
    awards: dict[int, int] = {}
    page = 1
    if engine.org(1) is None or engine.campaign(1, "camp") is None:
        return awards, 0  # killed while setting up
    while entries := engine.campaign_page(1, "camp", page):
        for entry in entries:
            awards[int(entry.source_id[1:])] = int(entry.points)
        page += 1
    if engine.target_group(1, 10) is None or not engine.targets(1, 10):
        return awards, 0
    return awards, int(engine.milestone_progress(1, 10, 11, 7, 100).value)


def test_acknowledged_events_survive_sigkill_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "crash.journal"
    rng = random.Random(20240601)
    acked: set[int] = set()
    maybe: set[int] = set()  # journalled perhaps, but not acknowledged when killed
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for _ in range(ROUNDS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(EVENTS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
        lines = out.decode().splitlines()
        assert child.returncode in (-signal.SIGKILL, 0), err.decode()
        round_acked = {int(line[6:]) for line in lines if line.startswith("ack ")}
        acked |= round_acked
        if lines and lines[0] == "open":
            # the child re-sends every event from 0: the one after its last ack may be in
            maybe.add(max(round_acked, default=-1) + 1)
        # The parent reads on the children's manual clock: opened on a system clock, its
        # reads would close the campaign at today's date, and journal that closing.
        engine = Engine(clock=ManualClock(START), journal=path)
        assert engine.recovery is not None
        awards, activities = counted(engine)
        engine.close()
        assert all(times == 1 for times in awards.values()), "an award counted twice"
        assert set(awards) >= {k for k in acked if k % 2 == 0}, "an acknowledged award is lost"
        assert set(awards) <= {k for k in acked | maybe if k % 2 == 0}
        odd_acked = len({k for k in acked if k % 2 == 1})
        odd_maybe = len({k for k in maybe - acked if k % 2 == 1})
        assert odd_acked <= activities <= odd_acked + odd_maybe
    assert len(acked) > EVENTS // 4, "the children should get some work done"
