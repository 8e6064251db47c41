"""Thread safety: threads of mixed writes and reads against one engine end in exactly the
state a sequential model of the same events gives, with every kernel invariant intact, and
every read along the way sees a consistent engine."""

from __future__ import annotations

import random
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from test_snapshot import CUSTOMERS, HOUR, SOURCES, T0, small_world

from rankcore import Engine
from rankcore.ranking.leaderboard import Leaderboard

THREADS = 6
OPERATIONS = 400


@contextmanager
def fast_switching() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def boards(engine: Engine) -> list[Leaderboard]:
    found: list[Leaderboard] = []
    for campaign in engine._state.campaigns._campaigns.values():
        found.extend(s.board for s in campaign.intervals.values() if s.board is not None)
    for group in engine._state.loyalty._groups.values():
        for tracker in group.trackers.values():
            found.extend(b.board for b in tracker.boards.values())
    return found


def payload(n: int) -> tuple[str, int, int]:
    """The source, points and customer of operation ``n``'s event: an event id names one
    event, so a retry (``n`` and ``n + 1`` share an id) repeats its payload."""
    event = n // 2
    return SOURCES[event % len(SOURCES)], 1 + event % 3, sorted(CUSTOMERS)[event % len(CUSTOMERS)]


def run(engine: Engine, worker: int, errors: list[BaseException], reads: Counter[str]) -> None:
    rng = random.Random(worker)
    try:
        for n in range(OPERATIONS):
            roll = rng.random()
            event = f"w{worker}-{n // 2}"  # every event is sent twice: once is a retry
            source, points, customer = payload(n)
            if roll < 0.35:
                engine.award("camp", source, points, event_id=f"a-{event}")
            elif roll < 0.7:
                engine.record_activity(1, customer, "points", 1, event_id=f"r-{event}")
            elif roll < 0.85:
                board = engine.campaign_leaderboard(1, "camp")
                points = [e.points for e in board.entries]
                assert points == sorted(points, reverse=True)
                assert board.participants >= len(board.entries)
                reads["campaign"] += 1
            else:
                page = engine.target_leaderboard(1, 10, 11, limit=100)
                values = [r.achieved_value for r in page.rankings]
                assert values == sorted(values, reverse=True) and page.total == len(values)
                reads["target"] += 1
    except BaseException as error:  # reported by the main thread
        errors.append(error)


def model(engine_threads: int) -> tuple[Counter[str], Counter[int]]:
    """The sequential model: replay every thread's events one thread after another, once
    each, and total them per source and per customer."""
    awards: Counter[str] = Counter()
    activities: Counter[int] = Counter()
    for worker in range(engine_threads):
        rng = random.Random(worker)
        seen: set[str] = set()
        for n in range(OPERATIONS):
            roll = rng.random()
            event = f"w{worker}-{n // 2}"
            source, points, customer = payload(n)
            if roll < 0.35:
                if f"a-{event}" not in seen:
                    seen.add(f"a-{event}")
                    awards[source] += points
            elif roll < 0.7 and f"r-{event}" not in seen:
                seen.add(f"r-{event}")
                activities[customer] += 1
    return awards, activities


def test_threads_of_mixed_writes_and_reads_match_the_sequential_model(tmp_path: Path) -> None:
    engine = small_world(journal=tmp_path / "j")
    engine.advance_to(T0 + 3 * HOUR)
    errors: list[BaseException] = []
    reads: Counter[str] = Counter()
    threads = [
        threading.Thread(target=run, args=(engine, worker, errors, reads))
        for worker in range(THREADS)
    ]
    with fast_switching():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert reads["campaign"] > 0 and reads["target"] > 0
    awards, activities = model(THREADS)
    board = engine.campaign_leaderboard(1, "camp")
    assert {e.source_id: e.points for e in board.entries} == dict(awards)
    ranking = engine.target_leaderboard(1, 10, 11, limit=100).rankings
    assert {r.customer_id: r.achieved_value for r in ranking} == dict(activities)
    for leaderboard in boards(engine):
        leaderboard._check()
    # the journal holds the same history, in the order the lock admitted it
    engine.close()
    assert Engine(journal=tmp_path / "j").snapshot() == engine.snapshot()


def test_a_snapshot_taken_while_threads_write_is_a_consistent_state(tmp_path: Path) -> None:
    engine = small_world()
    engine.advance_to(T0 + timedelta(hours=3))
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            engine.award("camp", SOURCES[n % 4], 1, event_id=f"x{n}")
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for n in range(5):
            path = tmp_path / f"s{n}"
            engine.save(path)
            copy = Engine.load(path)
            board = copy.campaign_leaderboard(1, "camp")
            total = sum(e.points for e in board.entries)
            # every counted award is remembered, and nothing else: the two agree
            ids = copy._state.campaigns._campaigns["camp"].seen
            assert total == len(ids)
    finally:
        stop.set()
        thread.join()
