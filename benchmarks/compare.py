"""rankcore's kernel against the bare reference, in one process, one seeded workload.

    python benchmarks/compare.py [--members 1000000] [--ops 200000] [--rounds 3] [--seed 1]

Both subjects get the same members, initial scores and operation sequence: ``incr`` of a
random member by a random delta, then that member's competition rank. Rounds alternate
between the subjects and the best round of each counts, so machine noise hits both alike.
Memory per member is measured with tracemalloc while a board is built (member ids are made
beforehand and not counted). Prints throughput and memory with their ratios to the reference.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import time
import tracemalloc
from collections.abc import Callable

from reference import BareReference  # benchmarks/ is on sys.path when run as a script

from rankcore import Leaderboard

Op = tuple[int, int]


def build_rankcore(entries: list[tuple[int, int]]) -> Leaderboard:
    board = Leaderboard()
    board.load(entries)
    return board


def build_reference(entries: list[tuple[int, int]]) -> BareReference:
    board = BareReference()
    board.load(entries)
    return board


def rankcore_runner(board: Leaderboard) -> Callable[[list[Op]], None]:
    def run(ops: list[Op]) -> None:
        incr = board.incr
        for member, delta in ops:
            incr(member, delta).rank  # noqa: B018 - the rank is the point of the call

    return run


def reference_runner(board: BareReference) -> Callable[[list[Op]], None]:
    def run(ops: list[Op]) -> None:
        incr = board.incr
        for member, delta in ops:
            incr(member, delta)

    return run


def bytes_per_member(build: Callable[[list[tuple[int, int]]], object], entries: list) -> float:
    gc.collect()
    tracemalloc.start()
    board = build(entries)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del board
    return size / len(entries)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--ops", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    n = args.members
    entries = [(m, rng.randrange(10 * n)) for m in range(n)]
    ops = [(rng.randrange(n), rng.randrange(-100, 1000)) for _ in range(args.ops)]

    memory = {
        "reference": bytes_per_member(build_reference, entries),
        "rankcore": bytes_per_member(build_rankcore, entries),
    }
    runners = {
        "reference": reference_runner(build_reference(entries)),
        "rankcore": rankcore_runner(build_rankcore(entries)),
    }
    best = dict.fromkeys(runners, float("inf"))
    for _ in range(args.rounds):
        for name, run in runners.items():
            gc.collect()
            started = time.perf_counter()
            run(ops)
            best[name] = min(best[name], time.perf_counter() - started)

    print(f"# {n:,} members, {args.ops:,} incr+rank ops, best of {args.rounds} rounds")
    print(f"# Python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print("| subject | incr+rank ops/s | x reference | bytes/member | x reference |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in runners:
        rate = args.ops / best[name]
        ref_rate = args.ops / best["reference"]
        print(
            f"| {name} | {rate:,.0f} | {rate / ref_rate:.2f} | {memory[name]:,.0f} "
            f"| {memory[name] / memory['reference']:.2f} |"
        )


if __name__ == "__main__":
    main()
