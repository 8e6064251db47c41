"""Benchmarks are not part of the test run: ``pytest benchmarks --benchmark-enable``.

``--sizes 10000,100000`` picks the board sizes (default 10k, 100k and 1M members) and
``--rollover 100000`` the participants of the rollover case.
"""

from __future__ import annotations

import random

import pytest

from rankcore import Leaderboard


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--sizes", default="10000,100000,1000000", help="board sizes, comma-separated")
    parser.addoption("--rollover", default="100000", help="participants in the rollover benchmark")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "size" in metafunc.fixturenames:
        sizes = [int(s) for s in metafunc.config.getoption("--sizes").split(",")]
        metafunc.parametrize("size", sizes, ids=[f"{s:,}" for s in sizes], scope="module")


_boards: dict[int, Leaderboard] = {}


@pytest.fixture(scope="module")
def board(size: int) -> Leaderboard:
    """A seeded board of ``size`` members with scores in [0, 10 * size)."""
    if size not in _boards:
        _boards.clear()
        rng = random.Random(size)
        board = Leaderboard()
        board.load((m, rng.randrange(10 * size)) for m in range(size))
        _boards[size] = board
    return _boards[size]
