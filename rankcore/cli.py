"""The ``rankcore`` command line: ``rankcore demo`` and ``rankcore replay FILE``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rankcore.demo import DemoConfig, render_json, render_text, run_demo
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.progress import progress_bar

__all__ = ["main"]


# -- rankcore demo -----------------------------------------------------------------------------


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defaults = DemoConfig()
    demo = commands.add_parser(
        "demo",
        help="run a seeded loyalty season and print its leaderboards",
        description="Run a seeded loyalty season on the in-memory engine and print its "
        "leaderboards, streak leaders, campaign payouts and one customer's neighbourhood.",
    )
    demo.add_argument("--seed", type=int, default=defaults.seed, help="random seed (%(default)s)")
    demo.add_argument(
        "--customers", type=int, default=defaults.customers, help="customers (%(default)s)"
    )
    demo.add_argument(
        "--events", type=int, default=defaults.events, help="seeded activities (%(default)s)"
    )
    demo.add_argument(
        "--json", action="store_true", help="print the raw vendor responses, one per line"
    )


def _demo(args: argparse.Namespace) -> int:
    try:
        config = DemoConfig(args.seed, args.customers, args.events)
    except (InvalidArgument, InvalidArgumentType) as exc:
        print(f"rankcore demo: error: {exc}", file=sys.stderr)
        return 2
    progress = progress_bar(config.events, "ingesting", sys.stderr, unit="activities")
    result = run_demo(config, progress=progress)
    if args.json:
        print(render_json(result))
        print(result.summary(), file=sys.stderr)
    else:
        print(render_text(result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rankcore`` console script."""
    parser = argparse.ArgumentParser(prog="rankcore", description="An embeddable leaderboard.")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_demo(commands)
    run_replay = commands.add_parser(
        "replay", help="replay a scenario file, printing one JSON line per request step"
    )
    run_replay.add_argument("file", help="the scenario (JSON; '-' reads standard input)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    if args.command == "replay":
        from rankcore.scenario import run_replay as replay_file

        return replay_file(args.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
