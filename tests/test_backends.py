"""One suite over every log an engine can have: in memory, the file journal, and a Redis
stream. Random histories are played on each; every step must answer alike, every read must
agree after every step, and an engine reopened from its log (a journal reopened, a fresh
replica) must agree too. In the style of a storage-backend matrix: one test, parametrized."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servers import RedisServer
from test_replication import HOUR, T0, build

from rankcore import Engine, ManualClock, RankcoreError

pytest.importorskip("redis")

_prefixes = itertools.count()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


Opener = Callable[[ManualClock], Engine]


@pytest.fixture(params=["journal", "redis"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Opener, Opener]:
    """``(name, open a new engine, reopen it from its log)``."""
    if request.param == "journal":
        folder = tmp_path_factory.mktemp("journal")
        path = folder / "j"

        def open_journal(clock: ManualClock) -> Engine:
            for leftover in folder.iterdir():
                leftover.unlink()
            return Engine(clock=clock, journal=path)

        return "journal", open_journal, lambda clock: Engine(journal=path, clock=clock)
    server: RedisServer = request.getfixturevalue("redis_server")
    state: dict[str, str] = {}

    def open_replica(clock: ManualClock) -> Engine:
        state["url"] = f"redis://127.0.0.1:{server.port}/0?prefix=b{next(_prefixes)}"
        return Engine.connect(state["url"], clock=clock)

    return "redis", open_replica, lambda clock: Engine.connect(state["url"], clock=clock)


step = st.one_of(
    st.tuples(st.just("activity"), st.integers(1, 5), st.integers(-2, 9), st.integers(0, 9)),
    st.tuples(
        st.just("award"),
        st.sampled_from(["ann", "bob", "cy"]),
        st.integers(-1, 6),
        st.integers(0, 9),
    ),
    st.tuples(st.just("advance"), st.integers(0, 20)),
    st.tuples(st.just("badge"), st.sampled_from(["Gold", "gold", "Silver"]), st.integers(0, 2)),
)


def _play(engine: Engine, clock: ManualClock, move: tuple[Any, ...]) -> object:
    """One step; its answer (or the class of its refusal)."""
    try:
        if move[0] == "activity":
            _, customer, value, event = move
            return engine.record_activity(1, customer, "points", value, event_id=f"e{event}")
        if move[0] == "award":
            _, source, points, event = move
            return engine.award("camp", source, points, event_id=f"p{event}").duplicate
        if move[0] == "advance":
            clock.advance(timedelta(hours=move[1]))
            engine.tick()
            return None
        _, name, rank = move
        return engine.create_badge_group(1, name, rank, user=3).name
    except RankcoreError as exc:
        return type(exc)


def _reads(engine: Engine) -> object:
    board = engine.campaign_leaderboard(1, "camp")
    return (
        [(e.source_id, e.points, e.rank, e.reward) for e in board.entries],
        [(i.sequence, i.status) for i in engine.campaign_intervals(1, "camp")],
        [
            (r.customer_id, r.achieved_value, r.rank)
            for r in engine.target_leaderboard(1, 10, 11, period_id=100, limit=50).rankings
        ],
        [(g.name, g.rank) for g in engine.badge_groups(1)],
    )


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(step, min_size=1, max_size=25))
def test_every_log_answers_like_the_engine_in_memory(
    backend: tuple[str, Opener, Opener], moves: list[tuple[Any, ...]]
) -> None:
    _, open_engine, reopen = backend
    reference_clock, clock = ManualClock(T0 + HOUR), ManualClock(T0 + HOUR)
    reference, engine = Engine(clock=reference_clock), open_engine(clock)
    build(reference)
    build(engine)
    for move in moves:
        assert _play(engine, clock, move) == _play(reference, reference_clock, move), move
        assert _reads(engine) == _reads(reference)
    engine.close()  # one writer per journal: the reopened engine takes over
    again = reopen(ManualClock(clock.now()))
    assert _reads(again) == _reads(reference)
    again.close()
