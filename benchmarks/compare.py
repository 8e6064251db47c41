"""rankcore against the bare reference and against Redis, one seeded workload, one run.

    python benchmarks/compare.py [--sizes 10000,100000,1000000] [--json FILE]

The workload, identical for every subject at every board size: members with seeded scores,
then (1) submit a score (``incr`` by a seeded delta) and return the player's competition
rank, (2) the top 100 with their ranks, (3) an around-me window of 10 above and 10 below.

Subjects: ``rankcore`` (the kernel's :class:`~rankcore.Leaderboard`), ``reference`` (a dict
and a SortedList, submit + rank only), ``reference+listing`` (the same plus seq -> member, so
it can list), ``redis`` (a sorted set through redis-py: ZINCRBY then ZCOUNT, one round trip
per command), ``redis-pipe100`` (the same pipelined by 100), ``redis-lua`` (ZINCRBY and
ZCOUNT in one Lua script: one round trip) and ``leaderboard-pkg`` (the PyPI ``leaderboard``
package's CompetitionRankingLeaderboard). The Redis subjects run on a private redis-server
started here on a free loopback port (see ``peers.py``); they run a prefix of the same
operation sequence (``--redis-ops``), since they are one to two orders of magnitude slower.

Each round runs every operation on each subject back to back (the order reversed every other
round), and the best round of each counts, so machine noise hits all alike. ``top100+read``
and ``around10+read`` also read every row's fields (member, score, rank, reached-at time; the
kernel decodes the score and time when read), so that lazy decoding cannot hide a cost. The
listing and write goals of issue #14 end the output as PASS/FAIL verdicts. At the largest
size it then measures the issue's other targets in the same run: one loyalty activity
through the engine, Capillary's page-of-10 request through ``handle()`` against the
kernel's ``page(0, 10)`` with the fields a row shows read (rank, score, reached-at time:
standings decode them when read) plus the profile lookups it needs, and memory per enrolled
customer (tracemalloc) against the reference's memory per member.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import json
import platform
import pstats
import random
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import sortedcontainers
from peers import (
    CLIENT_HINT,
    INSTALL_HINT,
    KEY,
    PackageSubject,
    RedisScriptSubject,
    RedisSubject,
    find_server,
    redis_server,
)
from reference import BareReference, ListingReference  # benchmarks/ is on sys.path
from worlds import LOYALTY_START, ORG, loyalty_world

from rankcore import CustomerProfile, Leaderboard, TiePolicy
from rankcore.api import handle

Op = tuple[int, int]
Runner = Callable[[], None]
TOP = 100
BEFORE = AFTER = 10
PIPELINE = 100


# -- workload -------------------------------------------------------------------------------


class Workload:
    """Seeded members, scores and operations for one board size."""

    def __init__(self, size: int, ops: int, seed: int) -> None:
        rng = random.Random(seed * 1_000_003 + size)
        self.size = size
        self.entries = [(m, rng.randrange(10 * size)) for m in range(size)]
        self.incr = [(rng.randrange(size), rng.randrange(-100, 1000)) for _ in range(ops)]
        self.around = [rng.randrange(size) for _ in range(max(1, ops // 10))]
        self.top = max(1, ops // 100)


def _loop_incr(incr: Callable[[int, int], object], ops: Sequence[Op]) -> Runner:
    def run() -> None:
        for member, delta in ops:
            incr(member, delta)

    return run


def _loop_around(around: Callable[[int, int, int], object], members: Sequence[int]) -> Runner:
    def run() -> None:
        for member in members:
            around(member, BEFORE, AFTER)

    return run


def _loop_top(top: Callable[[int], object], count: int) -> Runner:
    def run() -> None:
        for _ in range(count):
            top(TOP)

    return run


def _read_kernel(rows: list[Any]) -> None:
    for s in rows:
        s.member, s.score, s.rank, s.reached_at  # noqa: B018  # reading is the point


def _read_tuples(rows: list[tuple[Any, ...]]) -> None:
    for member, score, rank in rows:  # noqa: B007
        pass


def _loop_incr_rank(board: Leaderboard, ops: Sequence[Op]) -> Runner:
    """rankcore's incr+rank: each write, then the rank read off the standing it returns, in
    the loop itself. The other subjects' ``incr`` returns the rank, so a wrapper function
    here would charge rankcore alone for one more Python call per operation."""
    incr = board.incr

    def run() -> None:
        for member, delta in ops:
            incr(member, delta).rank  # noqa: B018  # reading the rank is the point

    return run


class Subject:
    """A name and, per operation, a runner and how many operations one run does."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.runs: dict[str, tuple[Runner, int]] = {}


def in_process_subjects(w: Workload) -> list[Subject]:
    board = Leaderboard()
    board.load(w.entries)
    rankcore = Subject("rankcore")
    rankcore.runs["incr+rank"] = (_loop_incr_rank(board, w.incr), len(w.incr))
    rankcore.runs["top100"] = (_loop_top(lambda n: board.page(0, n), w.top), w.top)
    rankcore.runs["around10"] = (_loop_around(board.around, w.around), len(w.around))
    rankcore.runs["top100+read"] = (
        _loop_top(lambda n: _read_kernel(board.page(0, n)), w.top),
        w.top,
    )
    rankcore.runs["around10+read"] = (
        _loop_around(lambda m, b, a: _read_kernel(board.around(m, b, a)), w.around),
        len(w.around),
    )

    bare = BareReference()
    bare.load(w.entries)
    reference = Subject("reference")
    reference.runs["incr+rank"] = (_loop_incr(bare.incr, w.incr), len(w.incr))

    listing = ListingReference()
    listing.load(w.entries)
    full = Subject("reference+listing")
    full.runs["incr+rank"] = (_loop_incr(listing.incr, w.incr), len(w.incr))
    full.runs["top100"] = (_loop_top(listing.top, w.top), w.top)
    full.runs["around10"] = (_loop_around(listing.around, w.around), len(w.around))
    full.runs["top100+read"] = (_loop_top(lambda n: _read_tuples(listing.top(n)), w.top), w.top)
    full.runs["around10+read"] = (
        _loop_around(lambda m, b, a: _read_tuples(listing.around(m, b, a)), w.around),
        len(w.around),
    )
    return [rankcore, reference, full]


def redis_subjects(w: Workload, port: int, redis_ops: int) -> tuple[list[Subject], list[Any]]:
    """The Redis subjects, each on its own copy of the loaded set."""
    n = min(redis_ops, len(w.incr))
    incr_ops = w.incr[:n]
    around = w.around[: max(1, n // 10)]
    top = max(1, n // 100)
    base = RedisSubject(port, KEY)
    base.load(w.entries)
    plain = RedisSubject(port, KEY + "-plain")
    piped = RedisSubject(port, KEY + "-pipe")
    script = RedisScriptSubject(port, KEY + "-lua")
    package = PackageSubject(port)
    for other in (plain, piped, script):
        base.client.delete(other.key)
        base.client.copy(KEY, other.key)
    package.copy_from(KEY)
    base.client.delete(KEY)
    base.close()

    redis = Subject("redis")
    redis.runs["incr+rank"] = (_loop_incr(plain.incr, incr_ops), n)
    redis.runs["top100"] = (_loop_top(plain.top, top), top)
    redis.runs["around10"] = (_loop_around(plain.around, around), len(around))

    def pipelined() -> None:
        for i in range(0, n, PIPELINE):
            piped.incr_many(incr_ops[i : i + PIPELINE])

    pipe = Subject("redis-pipe100")
    pipe.runs["incr+rank"] = (pipelined, n)
    lua = Subject("redis-lua")
    lua.runs["incr+rank"] = (_loop_incr(script.incr, incr_ops), n)
    pkg = Subject("leaderboard-pkg")
    pkg_n = max(1, n // 2)
    pkg.runs["incr+rank"] = (_loop_incr(package.incr, incr_ops[:pkg_n]), pkg_n)
    pkg.runs["top100"] = (_loop_top(package.top, top), top)
    pkg.runs["around10"] = (_loop_around(package.around, around), len(around))
    return [redis, pipe, lua, pkg], [plain, piped, script, package]


def check_agreement(subjects: dict[str, Any], w: Workload, count: int = 200) -> None:
    """Every subject gives the same competition ranks for the first ``count`` submissions
    and the same (score, rank) top 100; the pipelined one ends in the same state."""
    ops = w.incr[:count]
    expected = None
    for name, subject in subjects.items():
        if name == "redis-pipe100":
            subject.incr_many(ops)
            continue
        ranks = [subject.incr(m, d) for m, d in ops]
        if expected is None:
            expected = ranks
        elif ranks != expected:
            raise AssertionError(f"{name} disagrees on ranks")
    tops = {
        name: [(float(score), rank) for _m, score, rank in subject.top(TOP)]
        for name, subject in subjects.items()
        if hasattr(subject, "top")
    }
    first = next(iter(tops.values()))
    for name, top in tops.items():
        if top != first:
            raise AssertionError(f"{name} disagrees on the top {TOP}")


class _Facade:
    """Adapts a kernel board to the (member, score, rank) listing interface of the peers."""

    def __init__(self, board: Leaderboard) -> None:
        self.board = board

    def incr(self, member: int, delta: int) -> int:
        return self.board.incr(member, delta).rank

    def top(self, count: int) -> list[tuple[int, float, int]]:
        return [(s.member, s.score, s.rank) for s in self.board.page(0, count)]


def best_times(subjects: list[Subject], rounds: int) -> dict[str, dict[str, float]]:
    """ops/s of each (subject, operation): the best of ``rounds`` rounds. In each round every
    operation runs on each subject that has it back to back, in an order reversed every other
    round, so that the subjects compared in a ratio run seconds apart at most (this
    machine's speed can change by half within a minute) and none always goes first."""
    best: dict[str, dict[str, float]] = {s.name: {} for s in subjects}
    operations = list(dict.fromkeys(op for s in subjects for op in s.runs))
    for round_ in range(rounds):
        order = subjects if round_ % 2 == 0 else subjects[::-1]
        for op in operations:
            for subject in order:
                if op not in subject.runs:
                    continue
                run, count = subject.runs[op]
                gc.collect()
                started = time.perf_counter()
                run()
                elapsed = time.perf_counter() - started
                best[subject.name][op] = max(best[subject.name].get(op, 0.0), count / elapsed)
    return best


def bytes_per_member(build: Callable[[], object], count: int) -> float:
    gc.collect()
    tracemalloc.start()
    built = build()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del built
    return size / count


# -- the other targets --------------------------------------------------------------


def loyalty_targets(members: int, ops: int, rounds: int, seed: int) -> dict[str, Any]:
    """Loyalty activity vs reference incr+rank, Capillary page vs kernel page, and memory."""
    print(f"# building the loyalty world: {members:,} customers, one milestone target", flush=True)
    started = time.perf_counter()
    world = loyalty_world(members, streak=False, profiles=True, seed=seed)
    built = time.perf_counter() - started
    engine = world.engine
    rng = random.Random(seed)
    activity_ops = [(world.customer(rng), rng.randrange(1, 1000)) for _ in range(ops)]
    bare = BareReference()
    bare.load([(c, v) for c, v, _at in world.entries])
    ref_ops = [(c - 1, d) for c, d in activity_ops]

    # Capillary's page of 10: through handle(), through the engine call alone, and the
    # kernel's page(0, 10) plus one profile lookup per entry on a copy of the same board,
    # reading each row's rank, score and reached-at time as the page shows them (standings
    # decode fields when read: a baseline that read none would leave out kernel work).
    kernel = Leaderboard(ties=TiePolicy.ORDINAL)
    kernel.load(world.entries)
    profiles = {c: CustomerProfile(first_name=f"first{c}") for c, _v, _at in world.entries}
    request = world.page_request(10)
    pages = max(1, ops // 10)
    tags = itertools.count()

    def activities() -> None:
        record = engine.record_activity
        for customer, value in activity_ops:
            record(ORG, customer, "points", value)

    def activities_with_ids() -> None:
        record = engine.record_activity
        tag = next(tags)
        for i, (customer, value) in enumerate(activity_ops):
            record(ORG, customer, "points", value, None, f"{tag}-{i}")

    def reference() -> None:
        incr = bare.incr
        for member, delta in ref_ops:
            incr(member, delta)

    def through_handle() -> None:
        for _ in range(pages):
            handle(engine, request)

    def engine_call() -> None:
        for _ in range(pages):
            engine.target_leaderboard(ORG, 232, 366, offset=0, limit=10)

    def kernel_page() -> None:
        for _ in range(pages):
            for standing in kernel.page(0, 10):
                profiles[standing.member]
                standing.rank, standing.score, standing.reached_at  # noqa: B018  # reading is the point

    subjects = {
        "reference incr+rank": (reference, ops),
        "loyalty activity": (activities, ops),
        "loyalty activity with event_id": (activities_with_ids, ops),
        "capillary handle() page 10": (through_handle, pages),
        "engine.target_leaderboard page 10": (engine_call, pages),
        "kernel page(0, 10) + fields + profiles": (kernel_page, pages),
    }
    rates: dict[str, float] = {}
    for _ in range(rounds):
        for name, (run, count) in subjects.items():
            gc.collect()
            t0 = time.perf_counter()
            run()
            rates[name] = max(rates.get(name, 0.0), count / (time.perf_counter() - t0))
    return {"members": members, "build_seconds": built, "rates": rates}


def memory_targets(members: int, seed: int) -> dict[str, Any]:
    """Bytes per enrolled customer (no profile data, one milestone, one period) against the
    reference's bytes per member, with the loyalty side split by allocation site.

    As for the reference, whose member ids are made before measuring, the customer ids,
    values and activity times are made beforehand and kept alive, so they are not counted.
    """
    rng = random.Random(seed)
    entries = [(m, rng.randrange(10 * members)) for m in range(1, members + 1)]
    reference = bytes_per_member(lambda: _built(BareReference(), entries), members)
    kernel = bytes_per_member(lambda: _built(Leaderboard(), entries), members)
    world = loyalty_world(0, streak=False, profiles=False, seed=seed)
    engine = world.engine
    first = LOYALTY_START + timedelta(hours=1)
    times = [first + timedelta(seconds=c) for c, _v in entries]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    base, _ = tracemalloc.get_traced_memory()
    add, record = engine.add_customer, engine.record_activity
    for (customer, value), at in zip(entries, times, strict=True):
        add(ORG, customer)
        record(ORG, customer, "points", value, at)
    size, _ = tracemalloc.get_traced_memory()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    sites: dict[str, float] = {}
    for stat in after.compare_to(before, "lineno"):
        frame = stat.traceback[0]
        name = f"{Path(frame.filename).parent.name}/{Path(frame.filename).name}:{frame.lineno}"
        sites[name] = stat.size_diff / members
    top = dict(sorted(sites.items(), key=lambda kv: -kv[1])[:14])
    return {
        "members": members,
        "reference": reference,
        "kernel": kernel,
        "loyalty": (size - base) / members,
        "sites": top,
    }


def _built(board: Any, entries: list[tuple[int, int]]) -> Any:
    board.load(entries)
    return board


def profile_paths(members: int, ops: int, seed: int) -> dict[str, list[tuple[str, float]]]:
    """Function-level profile (tottime per call, microseconds) of one activity and of one
    Capillary page-of-10 request at ``members`` customers."""
    world = loyalty_world(members, streak=False, profiles=True, seed=seed)
    engine = world.engine
    rng = random.Random(seed + 1)
    activity_ops = [(world.customer(rng), rng.randrange(1, 1000)) for _ in range(ops)]
    request = world.page_request(10)
    pages = max(1, ops // 10)
    out: dict[str, list[tuple[str, float]]] = {}

    def activities() -> None:
        for customer, value in activity_ops:
            engine.record_activity(ORG, customer, "points", value)

    def requests() -> None:
        for _ in range(pages):
            handle(engine, request)

    for name, run, count in [("activity", activities, ops), ("capillary", requests, pages)]:
        profiler = cProfile.Profile()
        profiler.runcall(run)
        stats = pstats.Stats(profiler)
        rows = []
        for (filename, line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            where = f"{Path(filename).name}:{line}({func})"
            rows.append((where, tottime / count * 1e6))
        rows.sort(key=lambda row: -row[1])
        out[name] = rows[:18]
    return out


# -- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--ops", type=int, default=200_000, help="in-process incr+rank ops")
    parser.add_argument("--redis-ops", type=int, default=20_000, help="ops for Redis subjects")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-redis", action="store_true", help="in-process subjects only")
    parser.add_argument("--redis-server", default=None, help="path of the redis-server binary")
    parser.add_argument(
        "--targets",
        type=int,
        default=None,
        help="customers for the loyalty, Capillary and memory targets (default: largest size;"
        " 0 skips them)",
    )
    parser.add_argument("--profile", action="store_true", help="profile the loyalty paths too")
    parser.add_argument("--json", default=None, help="write every figure to this JSON file")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    targets_members = max(sizes) if args.targets is None else args.targets

    server = None
    if not args.no_redis:
        try:
            import leaderboard  # noqa: F401
            import redis
        except ImportError:
            print(f"# {CLIENT_HINT}")
        else:
            server = find_server(args.redis_server)
            if server is None:
                print(f"# {INSTALL_HINT}")

    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
            "system": platform.system(),
            "processor": _cpu(),
            "sortedcontainers": sortedcontainers.__version__,
        },
        "settings": vars(args),
        "sizes": {},
    }
    print(
        f"# Python {platform.python_version()} on {platform.machine()} {platform.system()}, "
        f"{_cpu()}; best of {args.rounds} rounds, subjects back to back per operation"
    )
    if server is not None:
        with redis_server(server) as port:
            import redis

            results["redis_version"] = redis.Redis(port=port, host="127.0.0.1").info()[
                "redis_version"
            ]
            for size in sizes:
                results["sizes"][str(size)] = run_size(size, args, port)
    else:
        for size in sizes:
            results["sizes"][str(size)] = run_size(size, args, None)

    results["verdicts"] = verdicts(results["sizes"])
    print_verdicts(results["verdicts"])
    if targets_members:
        largest = results["sizes"].get(str(targets_members))
        results["loyalty"] = loyalty_targets(targets_members, args.ops, args.rounds, args.seed)
        print_loyalty(results["loyalty"], largest)
        print(f"# measuring memory at {targets_members:,} customers (tracemalloc)", flush=True)
        results["memory"] = memory_targets(targets_members, args.seed)
        print_memory(results["memory"])
        if args.profile:
            results["profile"] = profile_paths(targets_members, args.ops // 4, args.seed)
            print_profile(results["profile"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str) + "\n")
        print(f"# wrote {args.json}")


def run_size(size: int, args: argparse.Namespace, port: int | None) -> dict[str, Any]:
    w = Workload(size, args.ops, args.seed)
    subjects = in_process_subjects(w)
    clients: list[Any] = []
    if port is not None:
        peer_subjects, clients = redis_subjects(w, port, args.redis_ops)
        subjects += peer_subjects
    try:
        board = Leaderboard()
        board.load(w.entries)
        listing = ListingReference()
        listing.load(w.entries)
        agreeing: dict[str, Any] = {"rankcore": _Facade(board), "reference+listing": listing}
        if port is not None:
            plain, piped, script, package = clients
            agreeing.update(
                {
                    "redis": plain,
                    "redis-pipe100": piped,
                    "redis-lua": script,
                    "leaderboard-pkg": package,
                }
            )
        check_agreement(agreeing, w)
        del board, listing, agreeing
        rates = best_times(subjects, args.rounds)
    finally:
        for client in clients:
            client.close()
    memory = {
        "reference": bytes_per_member(lambda: _built(BareReference(), w.entries), size),
        "reference+listing": bytes_per_member(lambda: _built(ListingReference(), w.entries), size),
        "rankcore": bytes_per_member(lambda: _built(Leaderboard(), w.entries), size),
    }
    print_size(size, rates, memory)
    return {"rates": rates, "memory": memory}


# -- issue #14's goals -----------------------------------------------------------------------

# (what, subject's operation, baseline subject, baseline operation, at least, sizes)
GOALS: list[tuple[str, str, str, str, float, tuple[int, ...]]] = [
    ("page(0, 100)", "top100", "reference+listing", "top100", 0.6, (100_000, 1_000_000)),
    ("around(m, 10, 10)", "around10", "reference+listing", "around10", 0.9, (100_000, 1_000_000)),
    ("incr+rank", "incr+rank", "reference", "incr+rank", 1.0, (10_000, 100_000)),
    ("incr+rank", "incr+rank", "reference", "incr+rank", 1.25, (1_000_000,)),
]
MEMORY_GOAL = 1.3  # rankcore bytes per member at most this times the bare reference's, at 1M


def verdicts(sizes: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal at each measured size it names: the ratio, the goal and PASS or FAIL."""
    out: list[dict[str, Any]] = []
    for what, op, base, base_op, goal, at in GOALS:
        for size in at:
            figures = sizes.get(str(size))
            if figures is None:
                continue
            rates = figures["rates"]
            ratio = rates["rankcore"][op] / rates[base][base_op]
            out.append(
                {
                    "goal": f"{what} >= {goal:g}x {base} at {size:,}",
                    "ratio": ratio,
                    "verdict": "PASS" if ratio >= goal else "FAIL",
                }
            )
    figures = sizes.get(str(1_000_000))
    if figures is not None:
        memory = figures["memory"]
        ratio = memory["rankcore"] / memory["reference"]
        out.append(
            {
                "goal": f"bytes/member <= {MEMORY_GOAL:g}x reference at 1,000,000",
                "ratio": ratio,
                "verdict": "PASS" if ratio <= MEMORY_GOAL else "FAIL",
            }
        )
    return out


def print_verdicts(found: list[dict[str, Any]]) -> None:
    print("\n## issue #14 goals (ratios from this run)")
    print("| goal | measured | verdict |")
    print("| --- | ---: | --- |")
    for item in found:
        print(f"| {item['goal']} | {item['ratio']:.2f}x | {item['verdict']} |")


# -- output ---------------------------------------------------------------------------------


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if not a or not b else f"{a / b:.2f}"


def print_size(size: int, rates: dict[str, dict[str, float]], memory: dict[str, float]) -> None:
    ref = rates["reference"]["incr+rank"]
    core = rates["rankcore"]
    print(f"\n## {size:,} members")
    print(
        "| subject | incr+rank ops/s | rankcore x | top-100 ops/s | rankcore x "
        "| around-10/10 ops/s | rankcore x |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, ops in rates.items():
        cells = []
        for op in ("incr+rank", "top100", "around10"):
            rate = ops.get(op)
            cells.append("-" if rate is None else f"{rate:,.0f}")
            cells.append(_ratio(core.get(op), rate))
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nrankcore incr+rank = {core['incr+rank'] / ref:.2f}x reference")
    listing = rates.get("reference+listing", {})
    for op in ("top100+read", "around10+read"):
        if op in core and op in listing:
            print(
                f"rankcore {op} = {core[op] / listing[op]:.2f}x reference+listing "
                f"({core[op]:,.0f} vs {listing[op]:,.0f} ops/s)"
            )
    for name, value in memory.items():
        print(f"bytes/member {name}: {value:,.0f} ({value / memory['reference']:.2f}x reference)")


def print_loyalty(loyalty: dict[str, Any], largest: dict[str, Any] | None) -> None:
    rates = loyalty["rates"]
    print(f"\n## loyalty and router targets, {loyalty['members']:,} customers")
    print(f"(world built in {loyalty['build_seconds']:.0f} s)")
    print("| path | ops/s | us/op |")
    print("| --- | ---: | ---: |")
    for name, rate in rates.items():
        print(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} |")
    cost = rates["reference incr+rank"] / rates["loyalty activity"]
    print(f"\nactivity cost = {cost:.2f}x reference incr+rank (target <= 1.5)")
    baseline = "kernel page(0, 10) + fields + profiles"
    page = rates[baseline] / rates["capillary handle() page 10"]
    print(f"capillary handle() cost = {page:.2f}x {baseline} (target <= 4)")
    if largest is not None:
        kernel = largest["rates"]["rankcore"]["incr+rank"]
        reference = largest["rates"]["reference"]["incr+rank"]
        print(f"kernel incr+rank = {kernel / reference:.2f}x reference (target >= 1.25)")
        for peer, goal in (("redis", 20.0), ("redis-pipe100", 1.0), ("redis-lua", None)):
            rate = largest["rates"].get(peer, {}).get("incr+rank")
            if rate:
                target = "" if goal is None else f" (target >= {goal:g})"
                print(f"kernel incr+rank = {kernel / rate:.1f}x {peer}{target}")


def print_memory(memory: dict[str, Any]) -> None:
    ref = memory["reference"]
    print(f"\n## memory at {memory['members']:,} members (tracemalloc, bytes per member)")
    print(f"reference {ref:,.0f}; kernel {memory['kernel']:,.0f} ({memory['kernel'] / ref:.2f}x)")
    print(
        f"loyalty enrolled customer {memory['loyalty']:,.0f} "
        f"({memory['loyalty'] / ref:.2f}x reference; target <= 2)"
    )
    print("| allocation site | bytes/customer |")
    print("| --- | ---: |")
    for site, value in memory["sites"].items():
        print(f"| {site} | {value:,.1f} |")


def print_profile(profile: dict[str, list[tuple[str, float]]]) -> None:
    for name, rows in profile.items():
        print(f"\n## profile: {name} (cProfile tottime, us per call; cProfile adds overhead)")
        for where, us in rows:
            print(f"{us:8.2f}  {where}")


if __name__ == "__main__":
    main()
