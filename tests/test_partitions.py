"""Partitioned deployments on real Redis servers: org families placed on partitions, replicas
that agree, a replica following a subset, refusals that change nothing, and a Redis Cluster
whose three masters each hold one partition."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from servers import RedisCluster, RedisServer

from rankcore import (
    Engine,
    InvalidArgument,
    InvalidArgumentType,
    LogUnavailable,
    ManualClock,
    PartitionedEngine,
    PartitionNotFollowed,
    Scope,
)
from rankcore.log.redis import RedisLog
from rankcore.partitioned import DELEGATION

redis = pytest.importorskip("redis")

T0 = datetime(2024, 6, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    process = RedisServer(tmp_path / "redis").start()
    yield process
    process.stop()


def url_of(base: str, count: int, prefix: str = "test") -> str:
    return base.replace("prefix=test", f"prefix={prefix}&partitions={count}")


def connect(url: str, **options: object) -> PartitionedEngine:
    engine = Engine.connect(url, clock=ManualClock(T0 + HOUR), **options)  # type: ignore[arg-type]
    assert isinstance(engine, PartitionedEngine)
    return engine


def families(engine: Engine) -> None:
    """Org 3 on partition 0 (3 % 3), orgs 1 and 4 (connected to 1) on partition 1, org 2
    on partition 2; a campaign per org, and customers."""
    for org in (3, 1, 2):
        engine.add_org(org, "UTC")
    engine.add_org(4, "Asia/Kolkata", connected=[1])
    for org in (1, 2, 3, 4):
        engine.create_campaign(
            org, recurrence="daily", start=T0, end=T0 + 72 * HOUR, campaign_id=f"camp{org}"
        )
        engine.add_customer(org, 100 + org, first_name=f"c{org}")


def test_families_live_on_their_partitions_and_replicas_agree(server: RedisServer) -> None:
    url = url_of(server.url, 3)
    first, second = connect(url), connect(url)
    families(first)
    client = redis.Redis(port=server.port)
    # org 3, org 1 with org 4, org 2: 3 + 6 + 3 entries (org, campaign, customer each)
    assert [client.xlen(f"{{test:p{k}}}:log") for k in range(3)] == [3, 6, 3]
    assert client.hgetall("{test}:directory") == {b"1": b"1", b"2": b"2", b"3": b"0", b"4": b"1"}
    second.sync()
    assert first.award("camp1", "ann", 5, event_id="a").duplicate is False
    assert second.award("camp1", "ann", 5, event_id="a").duplicate is True  # counted once
    assert second.award("camp3", "bob", 2, org=3).duplicate is False
    first.sync()
    second.sync()
    assert first.snapshot() == second.snapshot()
    snapshot = json.loads(first.snapshot())
    assert sorted(snapshot["partitions"]) == ["0", "1", "2"]
    # each partition is an ordinary replica of its own stream
    single = Engine._open_replica(RedisLog(url, partition=1), clock=None, follow=False, seed=0)
    assert single.snapshot().decode() == snapshot["partitions"]["1"]
    # a data-scope read across the family of orgs 1 and 4
    assert [c.id for c in first.customers(1)] == [101]
    found = second.customer(Scope.all_connected(1), 104)
    assert found is not None and found.id == 104
    assert second.customer(Scope.own(1), 104) is None
    assert [o.id for o in first.orgs()] == [3, 1, 4, 2]
    assert second.stats().appended == 2 and first.stats().mutations == second.stats().mutations
    for engine in (first, second, single):
        engine.close()


def test_a_replica_following_a_subset(server: RedisServer) -> None:
    url = url_of(server.url, 3)
    writer = connect(url)
    families(writer)
    one = connect(url, partitions=[1])
    assert one.partitions == (1,)
    assert one.campaign(4, "camp4") is not None  # partition 1 answers
    with pytest.raises(PartitionNotFollowed) as refused:
        one.campaign(3, "camp3")
    assert (refused.value.org, refused.value.partition, refused.value.followed) == (3, 0, (1,))
    assert "partition 0" in str(refused.value) and isinstance(refused.value, LookupError)
    with pytest.raises(PartitionNotFollowed):
        one.org(2)
    with pytest.raises(PartitionNotFollowed):
        one.customer(Scope.own(3), 103)
    before = one.snapshot()
    with pytest.raises(PartitionNotFollowed):  # org 6 would live on partition 0
        one.add_org(6)
    assert redis.Redis(port=server.port).hget("{test}:directory", "6") is None
    assert one.add_org(7).id == 7  # 7 % 3 == 1
    assert one.snapshot() != before
    assert one.award("camp1", "ann", 1).duplicate is False  # found on partition 1
    with pytest.raises(KeyError):  # camp2 is on a partition not followed
        one.award("camp2", "ann", 1)
    assert one.org(99) is None  # unknown everywhere
    with pytest.raises(InvalidArgument, match="not registered"):
        one.customers(99)
    with pytest.raises(InvalidArgument):
        connect(url, partitions=[3])
    with pytest.raises(InvalidArgument):
        connect(url, partitions=[])
    with pytest.raises(InvalidArgumentType):
        connect(url, partitions="1")
    writer.close()
    one.close()


def test_refusals_change_nothing(server: RedisServer) -> None:
    url = url_of(server.url, 3)
    engine = connect(url)
    families(engine)
    client = redis.Redis(port=server.port)
    directory, lengths = (
        client.hgetall("{test}:directory"),
        [client.xlen(f"{{test:p{k}}}:log") for k in range(3)],
    )
    with pytest.raises(InvalidArgument, match="partitions 0 and 1"):
        engine.add_org(5, connected=[3, 1])  # a family lives on one partition
    with pytest.raises(InvalidArgument, match="not registered"):
        engine.add_org(5, connected=[42])
    with pytest.raises(InvalidArgument, match="already exists"):
        engine.add_org(1)
    with pytest.raises(InvalidArgument, match="already exists"):
        engine.add_org(4, connected=[2])  # recorded on partition 1 already
    with pytest.raises(InvalidArgument):
        engine.add_org(5, "Mars/Olympus")
    assert client.hgetall("{test}:directory") == directory
    assert [client.xlen(f"{{test:p{k}}}:log") for k in range(3)] == lengths
    # a crash between the directory and the stream: the retry finds the same value
    client.hset("{test}:directory", "8", "2")
    assert engine.add_org(8).id == 8 and engine.partition_of(8) == 2
    for bad in ("0", "1025", "x"):
        with pytest.raises(InvalidArgument, match="partitions"):
            Engine.connect(url_of(server.url, 1).replace("partitions=1", f"partitions={bad}"))
    plain = Engine.connect(url_of(server.url, 1, prefix="plain"))
    assert type(plain) is Engine and plain.replicated
    also = Engine.connect(url_of(server.url, 1, prefix="plain"), partitions=[0])
    assert type(also) is Engine and also.snapshot() == plain.snapshot()
    with pytest.raises(InvalidArgument):
        Engine.connect(url_of(server.url, 1, prefix="plain"), partitions=[1])
    with pytest.raises(InvalidArgument):
        RedisLog(url_of(server.url, 3), partition=3)
    plain.close()
    also.close()
    engine.close()


def test_an_unreachable_redis_is_log_unavailable(tmp_path: Path) -> None:
    process = RedisServer(tmp_path / "gone").start()
    url = url_of(process.url, 2)
    engine = connect(url)
    engine.add_org(2)
    process.stop()
    with pytest.raises(LogUnavailable):
        engine.add_org(4)
    with pytest.raises(LogUnavailable):
        engine.org(9)  # a directory miss needs Redis
    assert engine.org(2) is not None  # cached, and read locally
    engine.close()


def test_every_public_engine_attribute_is_classified() -> None:
    public = {name for name in dir(Engine) if not name.startswith("_")}
    assert public == set(DELEGATION), "classify new Engine attributes in DELEGATION"
    for name in public:
        assert name in PartitionedEngine.__dict__, name
        member = inspect.getattr_static(Engine, name)
        if DELEGATION[name] == "org":
            assert list(inspect.signature(member).parameters)[1] == "org", name
        elif callable(member) and not isinstance(member, (classmethod, staticmethod)):
            first = list(inspect.signature(member).parameters)[1:2]
            assert first != ["org"], f"{name} takes an org first: classify it 'org'"


def _master_holding(ports: list[int], slot: int) -> int:
    holders = [
        port
        for port in ports
        if redis.Redis(port=port).execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) > 0
    ]
    assert len(holders) == 1
    return holders[0]


def test_families_on_the_three_masters_of_a_cluster(tmp_path: Path) -> None:
    cluster = RedisCluster(tmp_path / "cluster").start()
    try:
        ports = [node.port for node in cluster.nodes]
        node = redis.Redis(port=ports[0])
        owners: dict[int, int] = {}
        for start, end, master, *_ in node.execute_command("CLUSTER", "SLOTS"):
            for slot in range(start, end + 1):
                owners[slot] = int(master[1])

        def slot(key: str) -> int:
            return int(node.execute_command("CLUSTER", "KEYSLOT", key))

        prefix = next(
            f"g{n}"
            for n in range(1000)
            if len({owners[slot(f"{{g{n}:p{k}}}:log")] for k in range(3)}) == 3
        )
        url = url_of(cluster.url, 3, prefix)
        first, second = connect(url), connect(url)
        families(first)
        first.award("camp2", "ann", 3, event_id="x")
        second.sync()
        second.award("camp3", "bob", 4, event_id="y")
        first.checkpoint()
        first.sync()
        second.sync()
        assert first.snapshot() == second.snapshot()
        third = connect(url)
        assert third.snapshot() == first.snapshot()
        masters = {_master_holding(ports, slot(f"{{{prefix}:p{k}}}:log")) for k in range(3)}
        assert masters == set(ports)  # one partition on each master
        for engine in (first, second, third):
            engine.close()
    finally:
        cluster.stop()


def test_time_events_and_whole_engine_calls_reach_every_partition(server: RedisServer) -> None:
    from rankcore import IntervalClosed

    clock = ManualClock(T0 + HOUR)
    engine = Engine.connect(url_of(server.url, 3), clock=clock)
    assert isinstance(engine, PartitionedEngine) and engine.replicated
    closed: list[IntervalClosed] = []
    cancel = engine.subscribe(IntervalClosed, closed.append)
    families(engine)
    engine.award("camp2", "ann", 5)
    engine.award("camp3", "bob", 7)
    engine.advance_to(T0 + 25 * HOUR)
    assert sorted(event.campaign_id for event in closed) == ["camp1", "camp2", "camp3", "camp4"]
    assert engine.now() == T0 + 25 * HOUR and engine.clock is clock
    cancel()
    engine.advance_to(T0 + 49 * HOUR)
    engine.tick()
    assert len(closed) == 4  # cancelled on every partition
    assert engine.try_call(lambda: 42) == (True, 42)
    assert engine.lag() >= 0.0 and engine.recovery is None
    with pytest.raises(InvalidArgument):
        engine.save(server.directory / "x.snapshot")
    with pytest.raises(InvalidArgument):
        PartitionedEngine.load(server.directory / "x.snapshot")
    with pytest.raises(InvalidArgument):
        PartitionedEngine.connect(server.url)
    engine.checkpoint()
    again = Engine.connect(url_of(server.url, 3), clock=clock)
    assert again.snapshot() == engine.snapshot()
    engine.close()
    again.close()
