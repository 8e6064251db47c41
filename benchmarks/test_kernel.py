"""pytest-benchmark cases for the kernel: ``pytest benchmarks --benchmark-enable``."""

from __future__ import annotations

import random
from collections.abc import Callable

from pytest_benchmark.fixture import BenchmarkFixture

from rankcore import Leaderboard


def _members(size: int) -> Callable[[], int]:
    rng = random.Random(7)
    return lambda: rng.randrange(size)


def test_set(benchmark: BenchmarkFixture, board: Leaderboard, size: int) -> None:
    pick = _members(size)
    rng = random.Random(1)
    benchmark(lambda: board.set(pick(), rng.randrange(10 * size)))


def test_incr_and_rank(benchmark: BenchmarkFixture, board: Leaderboard, size: int) -> None:
    pick = _members(size)
    benchmark(lambda: board.incr(pick(), 3).rank)


def test_rank(benchmark: BenchmarkFixture, board: Leaderboard, size: int) -> None:
    pick = _members(size)
    benchmark(lambda: board.rank(pick()))


def test_page_0_100(benchmark: BenchmarkFixture, board: Leaderboard) -> None:
    benchmark(board.page, 0, 100)


def test_around_10_10(benchmark: BenchmarkFixture, board: Leaderboard, size: int) -> None:
    pick = _members(size)
    benchmark(lambda: board.around(pick(), 10, 10))
