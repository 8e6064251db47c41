"""pytest-benchmark cases for whole paths through the engine and the router.

    pytest benchmarks/test_paths.py --benchmark-enable [--sizes 10000,100000] [--rollover 100000]

The ``_batch`` cases time one batch of 100 (activities, awards or submissions): divide by 100
to compare each with its one-call case (``test_activity_two_targets``, ``test_campaign_award``,
``test_board_submit``).

Worlds are built once per size (see :mod:`worlds`; 1,000,000 customers take a few minutes
through the public API) and shared by the cases of that size.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from worlds import (
    APP,
    BOARD,
    CAMPAIGN,
    ORG,
    ROLLOVER_AT,
    BoardWorld,
    CampaignWorld,
    LoyaltyWorld,
    board_world,
    campaign_world,
    loyalty_world,
    rollover_world,
)

from rankcore import Engine, StreakBroken
from rankcore.api import handle
from rankcore.campaigns import IntervalClosed

W = TypeVar("W")
_built: dict[Callable[[int], Any], tuple[int, Any]] = {}


def _once(build: Callable[[int], W], size: int) -> W:
    """``build(size)``, built once per size: each builder keeps only its latest world."""
    held = _built.get(build)
    if held is None or held[0] != size:
        _built.pop(build, None)  # free the last size's world before building the next
        _built[build] = held = (size, build(size))
    world: W = held[1]
    return world


@pytest.fixture(scope="module")
def loyalty(size: int) -> LoyaltyWorld:
    """``size`` customers on a milestone and a streak target (one period)."""
    return _once(loyalty_world, size)


@pytest.fixture(scope="module")
def campaign(size: int) -> CampaignWorld:
    """A campaign interval with ``size`` participants."""
    return _once(campaign_world, size)


@pytest.fixture(scope="module")
def board(size: int) -> BoardWorld:
    """A board with ``size`` members."""
    return _once(board_world, size)


def test_activity_two_targets(benchmark: BenchmarkFixture, loyalty: LoyaltyWorld) -> None:
    """``record_activity`` of a random customer, matching the milestone and the streak."""
    rng = random.Random(3)
    engine = loyalty.engine

    def activity() -> int:
        return len(engine.record_activity(ORG, loyalty.customer(rng), "points", 5).updates)

    assert benchmark(activity) == 2


BATCH = 100


def test_activity_batch_two_targets(benchmark: BenchmarkFixture, loyalty: LoyaltyWorld) -> None:
    """``record_activities`` of 100 random customers' activities (one call, one lock, one
    record), each matching the milestone and the streak; compare its time divided by 100 with
    ``test_activity_two_targets``."""
    rng = random.Random(3)
    engine = loyalty.engine

    def batch() -> int:
        activities = [(loyalty.customer(rng), "points", 5) for _ in range(BATCH)]
        return engine.record_activities(ORG, activities).counted

    assert benchmark(batch) == BATCH


def test_campaign_award(benchmark: BenchmarkFixture, campaign: CampaignWorld) -> None:
    """``award`` to a random participant of the open interval."""
    rng = random.Random(3)
    engine, sources = campaign.engine, campaign.sources

    def award() -> bool:
        return engine.award(CAMPAIGN, sources[rng.randrange(len(sources))], 5).duplicate

    assert benchmark(award) is False


def test_campaign_award_batch(benchmark: BenchmarkFixture, campaign: CampaignWorld) -> None:
    """``award_many`` of 5 points to 100 random participants of the open interval (one call,
    one lock, one record); compare its time divided by 100 with ``test_campaign_award``."""
    rng = random.Random(3)
    engine, sources = campaign.engine, campaign.sources

    def batch() -> int:
        awards = [(sources[rng.randrange(len(sources))], 5) for _ in range(BATCH)]
        return engine.award_many(CAMPAIGN, awards).counted

    assert benchmark(batch) == BATCH


def test_board_submit(benchmark: BenchmarkFixture, board: BoardWorld) -> None:
    """``submit`` of a random score (kept if it is the member's best) by a random member."""
    rng = random.Random(3)
    engine, members, top = board.engine, board.members, 10 * len(board.members)

    def submit() -> int:
        member = members[rng.randrange(len(members))]
        return engine.submit(APP, BOARD, member, rng.randrange(top)).rank

    assert benchmark(submit) >= 1


def test_board_submit_batch(benchmark: BenchmarkFixture, board: BoardWorld) -> None:
    """``submit_many`` of 100 random members' random scores (one call, one lock, one record);
    compare its time divided by 100 with ``test_board_submit``."""
    rng = random.Random(3)
    engine, members, top = board.engine, board.members, 10 * len(board.members)

    def batch() -> int:
        entries = [(members[rng.randrange(len(members))], rng.randrange(top)) for _ in range(BATCH)]
        return engine.submit_many(APP, BOARD, entries).applied

    assert benchmark(batch) == BATCH


def test_capillary_page_of_10(benchmark: BenchmarkFixture, loyalty: LoyaltyWorld) -> None:
    """Capillary's leaderboard request, first page of 10, through ``handle()``."""
    request = loyalty.page_request(10)
    response = benchmark(handle, loyalty.engine, request)
    assert response.status == 200
    assert len(response.body["data"]["rankings"]) == 10


def test_rehook_with_source_id(benchmark: BenchmarkFixture, campaign: CampaignWorld) -> None:
    """Rehook's leaderboard request (page 1 and ``my_rank``) through ``handle()``."""
    rng = random.Random(3)
    engine, sources = campaign.engine, campaign.sources

    def request() -> int:
        source = sources[rng.randrange(len(sources))]
        response = handle(engine, campaign.leaderboard_request(source))
        return int(response.body["my_rank"]["rank"])

    assert benchmark(request) >= 1


@pytest.fixture(scope="module")
def rollover_size(request: pytest.FixtureRequest) -> int:
    return int(request.config.getoption("--rollover"))


def test_rollover_with_payouts(benchmark: BenchmarkFixture, rollover_size: int) -> None:
    """Advance past the end of a period and of a campaign's intervals: half of the
    participants' streaks break and the campaign's busy interval pays out its brackets."""
    closed: list[object] = []

    def setup() -> tuple[tuple[Engine], dict[str, object]]:
        engine = rollover_world(rollover_size)
        closed.clear()
        engine.subscribe(StreakBroken, closed.append)
        engine.subscribe(IntervalClosed, closed.append)
        return (engine,), {}

    def rollover(engine: Engine) -> None:
        engine.advance_to(ROLLOVER_AT)

    benchmark.pedantic(rollover, setup=setup, rounds=3, iterations=1)
    broken = [e for e in closed if isinstance(e, StreakBroken)]
    intervals = [e for e in closed if isinstance(e, IntervalClosed)]
    assert len(broken) == (rollover_size + 1) // 2
    assert len(intervals) == 7
    assert sum(len(e.payouts) for e in intervals) >= 100
