"""pytest-benchmark cases for the kernel: ``pytest benchmarks --benchmark-enable``."""

from __future__ import annotations

import random
from collections.abc import Callable

from pytest_benchmark.fixture import BenchmarkFixture

from rankcore import Leaderboard, Standing


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


def _read(rows: list[Standing]) -> None:
    for s in rows:
        s.member, s.score, s.rank, s.reached_at  # noqa: B018  # reading is the point


def test_page_0_100_read(benchmark: BenchmarkFixture, board: Leaderboard) -> None:
    """A page whose every field is read: the lazily decoded score and time included."""
    benchmark(lambda: _read(board.page(0, 100)))


def test_around_10_10_read(benchmark: BenchmarkFixture, board: Leaderboard, size: int) -> None:
    pick = _members(size)
    benchmark(lambda: _read(board.around(pick(), 10, 10)))


def test_page_after_100(benchmark: BenchmarkFixture, board: Leaderboard) -> None:
    cursor = board.page_after(None, 100).cursor
    benchmark(board.page_after, cursor, 100)


def test_page_0_100_subscore_meta(benchmark: BenchmarkFixture, size: int) -> None:
    """A board with a subscore and metadata on every entry (the costlier kind of board)."""
    rng = random.Random(3)
    rich: Leaderboard = Leaderboard(subscore="asc")
    rich.load((m, rng.randrange(size), None, rng.random(), f"name{m}") for m in range(size))
    benchmark(lambda: _read(rich.page(0, 100)))
