"""Engines replicated over a real Redis stream: read-your-writes, agreement of replicas in one
process and in several, exactly-once across replicas, closings through the log, checkpoints,
a Redis that goes away and comes back, and replicas killed with SIGKILL mid-write."""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from servers import RedisCluster, RedisServer

from rankcore import Engine, IntervalClosed, LogUnavailable, ManualClock, RankcoreError

pytest.importorskip("redis")

T0 = datetime(2024, 6, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    redis = RedisServer(tmp_path / "redis").start()
    yield redis
    redis.stop()


def build(engine: Engine) -> None:
    """Org 1 (UTC) with a daily campaign ``camp`` paying the top two, a target group 10 with
    a day-long period and a milestone on ``points``, and customers 1 to 4."""
    engine.add_org(1, "UTC")
    engine.create_campaign(
        1, recurrence="daily", start=T0, end=T0 + 72 * HOUR, campaign_id="camp",
        brackets=[{"position": "1-2", "reward_value": "30"}],
    )  # fmt: skip
    engine.create_target_group(1, 10, "group")
    engine.add_period(1, 10, 100, ref_code="d", name="D", start=T0, end=T0 + 24 * HOUR)
    engine.add_target(1, 10, 11, name="t", type="MILESTONE", metric="points", value=10)
    for customer in range(1, 5):
        engine.add_customer(1, customer)


def test_replicas_read_their_writes_and_agree_after_sync(server: RedisServer) -> None:
    clock = ManualClock(T0 + HOUR)
    first = Engine.connect(server.url, clock=clock)
    second = Engine.connect(server.url, clock=clock)
    build(first)
    assert first.award("camp", "ann", 5, event_id="a").duplicate is False  # read-your-writes
    assert first.campaign_entry(1, "camp", "ann") is not None
    second.sync()
    assert second.campaign_entry(1, "camp", "ann") is not None
    second.record_activity(1, 2, "points", 4, event_id="m")
    # the same event sent to both replicas is counted once
    assert second.award("camp", "bob", 3, event_id="b").duplicate is False
    assert first.award("camp", "bob", 3, event_id="b").duplicate is True
    second.sync()  # the duplicate is an entry of the log too, which changes nothing
    assert first.snapshot() == second.snapshot()
    assert first.milestone_progress(1, 10, 11, 2, 100).value == 4
    badge = second.create_badge_group(1, "Gold", 1, user=7)  # a generated id
    first.sync()
    second.sync()
    assert [g.id for g in first.badge_groups(1)] == [badge.id]
    assert first.snapshot() == second.snapshot()
    first.close()
    second.close()


def test_closings_go_through_the_log_and_every_replica_pays_the_same(
    server: RedisServer,
) -> None:
    clock = ManualClock(T0 + HOUR)
    first = Engine.connect(server.url, clock=clock)
    second = Engine.connect(server.url, clock=clock)
    closed: list[list[IntervalClosed]] = [[], []]
    first.subscribe(IntervalClosed, closed[0].append)
    second.subscribe(IntervalClosed, closed[1].append)
    build(first)
    first.award("camp", "ann", 5, event_id="a")
    second.award("camp", "bob", 7, event_id="b")
    clock.set(T0 + 25 * HOUR)
    first.campaign_leaderboard(1, "camp")  # a read sees the end is due: a Sync in the log
    second.sync()
    assert [p.source_id for p in closed[0][0].payouts] == ["bob", "ann"]
    assert closed[0] == closed[1]
    assert first.snapshot() == second.snapshot()
    first.close()
    second.close()


def test_a_replica_started_from_the_checkpoint_agrees(server: RedisServer) -> None:
    clock = ManualClock(T0 + HOUR)
    first = Engine.connect(server.url, clock=clock)
    build(first)
    for n in range(30):
        first.award("camp", f"s{n % 4}", n, event_id=f"e{n}")
    first.checkpoint()
    first.award("camp", "late", 1, event_id="after-the-checkpoint")
    import redis

    client = redis.Redis(port=server.port)
    assert client.xlen("{test:p0}:log") <= 2  # trimmed up to the checkpoint's entry
    third = Engine.connect(server.url, clock=clock)
    assert third.snapshot() == first.snapshot()
    first.close()
    third.close()


def _sees(engine: Engine, source: str) -> bool:
    try:
        return engine.campaign_entry(1, "camp", source) is not None
    except RankcoreError:  # the campaign or the source is not there yet
        return False


def test_a_follower_applies_what_others_write(server: RedisServer) -> None:
    clock = ManualClock(T0 + HOUR)
    writer = Engine.connect(server.url, clock=clock)
    follower = Engine.connect(server.url, clock=clock, follow=True)
    build(writer)
    writer.award("camp", "ann", 2, event_id="a")
    deadline = time.monotonic() + 10
    while not _sees(follower, "ann") and time.monotonic() < deadline:
        time.sleep(0.01)  # the follower's thread applies the write; no sync() here
    assert _sees(follower, "ann")
    assert follower.lag() < 10
    writer.close()
    follower.close()


def test_an_unreachable_log_refuses_writes_and_keeps_reads(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", aof=True).start()
    clock = ManualClock(T0 + HOUR)
    engine = Engine.connect(server.url, clock=clock)
    build(engine)
    engine.award("camp", "ann", 5, event_id="a")
    before = engine.snapshot()
    server.stop()
    with pytest.raises(LogUnavailable):
        engine.award("camp", "ann", 1, event_id="while-down")
    assert engine.snapshot() == before  # nothing applied locally
    assert engine.campaign_entry(1, "camp", "ann") is not None  # reads answer
    clock.advance(timedelta(seconds=5))
    assert engine.lag() >= 5
    # Redis comes back with its append-only file: nothing acknowledged was lost
    server = RedisServer(tmp_path / "redis", aof=True, port=server.port).start()
    try:
        engine.award("camp", "ann", 1, event_id="after")
        fresh = Engine.connect(server.url, clock=clock)
        assert fresh.snapshot() == engine.snapshot()
        entry = fresh.campaign_entry(1, "camp", "ann")
        assert entry is not None and entry.points == 6
        fresh.close()
        engine.close()
    finally:
        server.stop()


CHILD = r"""
import random, sys
from datetime import UTC, datetime, timedelta
from rankcore import AwardRefused, Engine, EventIdConflict

url, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
engine = Engine.connect(url)
rng = random.Random(seed)
print("open", flush=True)
for k in range(count):
    shared = rng.random() < 0.3
    event = f"shared-{k}" if shared else f"own-{seed}-{k}"
    try:
        if k % 3 == 2:
            engine.record_activity(1, 1 + k % 4, "points", 1, event_id=event)
        else:
            campaign = "short" if k % 2 else "camp"
            engine.award(campaign, f"s{k % 5}", 1, event_id=event)
    except AwardRefused:
        pass
    print(f"ack {event}", flush=True)
print("written", flush=True)
sys.stdin.readline()  # the parent says when both are done
engine.sync()
import hashlib
print("state", hashlib.sha256(engine.snapshot()).hexdigest(), flush=True)
engine.close()
"""


def test_two_replica_processes_agree_with_one_that_reads_the_merged_log(
    server: RedisServer,
) -> None:
    setup = Engine.connect(server.url)
    now = setup.now()
    setup.add_org(1, "UTC")
    setup.create_campaign(
        1, recurrence="daily", start=now - HOUR, end=now + 48 * HOUR, campaign_id="camp"
    )
    setup.create_campaign(  # ends while the children write: awards across an end
        1, recurrence="campaign_duration", start=now - HOUR,
        end=now + timedelta(milliseconds=1500), campaign_id="short",
    )  # fmt: skip
    setup.create_target_group(1, 10, "group")
    setup.add_period(1, 10, 100, ref_code="d", name="D", start=now - HOUR, end=now + 48 * HOUR)
    setup.add_target(1, 10, 11, name="t", type="MILESTONE", metric="points", value=10**6)
    for customer in range(1, 5):
        setup.add_customer(1, customer)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, server.url, str(seed), "300"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            while (line := child.stdout.readline()) and line.strip() != "written":
                assert line.startswith(("open", "ack"))
        states = []
        for child in children:
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write("go\n")
            child.stdin.flush()
            states.append(child.stdout.readline().split()[1])
            assert child.wait(timeout=60) == 0
    finally:
        for child in children:
            if child.poll() is None:  # pragma: no cover
                child.kill()
    setup.sync()
    merged = Engine.connect(server.url)
    expected = hashlib.sha256(merged.snapshot()).hexdigest()
    assert states == [expected, expected]
    assert hashlib.sha256(setup.snapshot()).hexdigest() == expected
    # shared events were sent by both children and counted once
    merged.checkpoint()
    late = Engine.connect(server.url)
    assert late.snapshot() == merged.snapshot()
    for engine in (setup, merged, late):
        engine.close()


KILLED = r"""
import sys
from rankcore import Engine

url, name = sys.argv[1], sys.argv[2]
engine = Engine.connect(url)
print("open", flush=True)
for k in range(100000):
    engine.award("camp", name, 1, event_id=f"{name}-{k}")
    print(f"ack {k}", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_replica_killed_mid_write_loses_nothing_acknowledged(server: RedisServer) -> None:
    setup = Engine.connect(server.url)
    now = setup.now()
    setup.add_org(1, "UTC")
    setup.create_campaign(
        1, recurrence="campaign_duration", start=now - HOUR, end=now + 48 * HOUR,
        campaign_id="camp",
    )  # fmt: skip
    rng = random.Random(7)
    acknowledged: dict[str, int] = {}
    for round_ in range(20):
        name = f"r{round_}"
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED, server.url, name], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "open"
        time.sleep(rng.uniform(0.01, 0.15))
        child.send_signal(signal.SIGKILL)
        output = child.stdout.read()  # the same buffered reader: nothing read ahead is lost
        child.wait(timeout=30)
        lines = output.splitlines()
        acks = sum(1 for line in lines if line.startswith("ack ") and line.count(" ") == 1)
        acknowledged[name] = acks
    setup.sync()
    for name, acks in acknowledged.items():
        entry = setup.campaign_entry(1, "camp", name)
        points = 0 if entry is None else entry.points
        # every acknowledged award is there once; at most the one in flight besides
        assert acks <= points <= acks + 1, (name, acks, points)
    setup.close()


def test_replicas_on_a_redis_cluster_agree(tmp_path: Path) -> None:
    """A partition's stream and checkpoint share one hash slot: a cluster of three masters
    serves them like one server, the checkpoint's script included."""
    cluster = RedisCluster(tmp_path / "cluster").start()
    try:
        clock = ManualClock(T0 + HOUR)
        first = Engine.connect(cluster.url, clock=clock)
        second = Engine.connect(cluster.url, clock=clock)
        build(first)
        second.sync()
        second.award("camp", "ann", 4, event_id="a")
        first.award("camp", "bob", 2, event_id="b")
        first.checkpoint()
        second.sync()
        third = Engine.connect(cluster.url, clock=clock)
        assert first.snapshot() == second.snapshot() == third.snapshot()
        for engine in (first, second, third):
            engine.close()
    finally:
        cluster.stop()


def test_a_subscriber_that_writes_on_a_replica_writes_through_the_log(
    server: RedisServer,
) -> None:
    clock = ManualClock(T0 + HOUR)
    first = Engine.connect(server.url, clock=clock)
    second = Engine.connect(server.url, clock=clock)

    def reward_the_winner(event: IntervalClosed) -> None:  # a bonus in the next interval
        first.award("camp", event.payouts[0].source_id, 100, event_id=f"bonus-{event.sequence}")

    first.subscribe(IntervalClosed, reward_the_winner)
    build(first)
    first.award("camp", "ann", 5, event_id="a")
    clock.set(T0 + 25 * HOUR)
    first.tick()  # the closing is applied, then the handler's award goes through the log
    second.sync()
    entry = second.campaign_entry(1, "camp", "ann")
    assert entry is not None and entry.points == 100
    first.sync()
    assert first.snapshot() == second.snapshot()
    first.close()
    second.close()


def test_a_write_after_redis_dropped_the_connection_is_appended_once(
    server: RedisServer,
) -> None:
    """The log's client never resends a command (a resent XADD whose reply was lost would
    append it twice); a pooled connection the server closed is replaced before use, so
    the write after it goes through, once."""
    import redis

    engine = Engine.connect(server.url, clock=ManualClock(T0 + HOUR))
    build(engine)
    admin = redis.Redis(port=server.port)
    stream = "{test:p0}:log"
    for round_ in range(3):
        before = admin.xlen(stream)
        assert admin.client_kill_filter(_type="normal", skipme=True) >= 1
        engine.award("camp", "ann", 5, event_id=f"after-kill-{round_}")
        assert admin.xlen(stream) == before + 1
    entry = engine.campaign_entry(1, "camp", "ann")
    assert entry is not None and entry.points == 15
    admin.close()
    engine.close()
