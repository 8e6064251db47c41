"""The ``rankcore`` command line: ``rankcore demo``."""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence

from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.standing import Standing

__all__ = ["main"]


def _table(title: str, standings: Sequence[Standing]) -> str:
    lines = [title, f"{'rank':>6}  {'member':<14}{'score':>12}"]
    lines += [f"{s.rank:>6}  {s.member!s:<14}{s.score:>12,}" for s in standings]
    return "\n".join(lines)


def demo(members: int, updates: int, seed: int) -> str:
    """Build a seeded board of ``members``, apply ``updates`` random increments, report."""
    rng = random.Random(seed)
    started = time.perf_counter()
    board = Leaderboard()
    board.load((f"player-{i:06d}", rng.randrange(1000)) for i in range(members))
    for _ in range(updates):
        board.incr(f"player-{rng.randrange(members):06d}", rng.randrange(-20, 100))
    elapsed = time.perf_counter() - started
    me = f"player-{rng.randrange(members):06d}"
    return "\n\n".join(
        [
            _table("Top 10", board.page(0, 10)),
            _table(f"Around {me}", board.around(me, 3, 3)),
            f"{members:,} members, {updates:,} updates in {elapsed:.2f} s "
            f"({updates / elapsed:,.0f} updates/s)",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rankcore`` console script."""
    parser = argparse.ArgumentParser(prog="rankcore", description="An embeddable leaderboard.")
    commands = parser.add_subparsers(dest="command", required=True)
    run_demo = commands.add_parser("demo", help="rank a seeded board and print it")
    run_demo.add_argument("--seed", type=int, default=1)
    run_demo.add_argument("--members", type=int, default=100_000)
    run_demo.add_argument("--updates", type=int, default=200_000)
    args = parser.parse_args(argv)
    if args.command == "demo":
        print(demo(args.members, args.updates, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
