"""The ``rankcore`` command line: ``rankcore demo``, ``rankcore replay FILE`` and
``rankcore --version``.

Exit status: 0 when the command did its work; 2 for a usage error or input it refuses (one
line on stderr says what and where); 1 when the reader of the output went away before the
end (``rankcore ... | head``: nothing more is printed, no traceback); 130 on Ctrl-C. Output
is UTF-8 whatever the locale.
"""

from __future__ import annotations

import argparse
import codecs
import importlib.metadata
import io
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from rankcore.demo import DemoConfig, render_json, render_text, run_demo
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.progress import progress_bar

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "main", "version"]

EXIT_BROKEN_PIPE = 1
"""The exit status when the output's reader closed the pipe first (as Python's documentation
recommends for ``BrokenPipeError``)."""
EXIT_INTERRUPTED = 130
"""The exit status on Ctrl-C (128 + SIGINT, as shells report it)."""
_SHOWN = 20
"""Characters of a refused option value that the message repeats."""


def version() -> str:
    """rankcore's version: the installed distribution's, else the package's ``__version__``.
    O(1)."""
    try:
        return importlib.metadata.version("rankcore")
    except importlib.metadata.PackageNotFoundError:
        from rankcore import __version__

        return __version__


# -- rankcore demo -----------------------------------------------------------------------------


def _integer(text: str) -> int:
    """An integer option, or a usage error that says why in a few words (argparse names the
    option and exits with status 2)."""
    try:
        return int(text)
    except ValueError:
        digits = text.strip().lstrip("+-").replace("_", "")
        if digits.isdigit():  # more digits than Python converts (4,300)
            raise argparse.ArgumentTypeError(
                f"a number of {len(digits):,} digits is too large"
            ) from None
        shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "..."
        raise argparse.ArgumentTypeError(f"expected an integer, got {shown!r}") from None


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defaults = DemoConfig()
    demo = commands.add_parser(
        "demo",
        help="run a seeded loyalty season and print its leaderboards",
        description="Run a seeded loyalty season on the in-memory engine and print its "
        "leaderboards, streak leaders, campaign payouts and one customer's neighbourhood.",
    )
    demo.add_argument(
        "--seed", type=_integer, default=defaults.seed, help="random seed (%(default)s)"
    )
    demo.add_argument(
        "--customers", type=_integer, default=defaults.customers, help="customers (%(default)s)"
    )
    demo.add_argument(
        "--events", type=_integer, default=defaults.events, help="seeded activities (%(default)s)"
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
        sys.stdout.flush()  # a reader that went away stops the run before the summary
        print(result.summary(), file=sys.stderr)
    else:
        print(render_text(result))
    return 0


# -- the command line --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rankcore", description="An embeddable leaderboard.")
    parser.add_argument("--version", action="version", version=f"rankcore {version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_demo(commands)
    run_replay = commands.add_parser(
        "replay",
        help="replay a scenario file, printing one JSON line per request step",
        description="Replay a scenario file (docs/scenarios.md), printing one JSON line per "
        "request step and per refused event. A file that cannot be replayed exits with "
        "status 2 and one line on stderr: rankcore replay: FILE: WHERE: PROBLEM.",
    )
    run_replay.add_argument("file", help="the scenario (JSON; '-' reads standard input)")
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return _demo(args)
    from rankcore.scenario import run_replay as replay_file

    return replay_file(args.file)


def _write_utf8(stream: TextIO | None) -> None:
    """Make a standard stream write UTF-8 whatever the locale (JSON is UTF-8)."""
    if isinstance(stream, io.TextIOWrapper) and codecs.lookup(stream.encoding).name != "utf-8":
        stream.reconfigure(encoding="utf-8")


def _discard_stdout() -> None:
    """Point standard output at the null device, so that flushing it at exit finds no
    broken pipe to complain about (the recipe of Python's documentation on SIGPIPE)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file: nothing will flush
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rankcore`` console script; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        _write_utf8(sys.stdout)
        status = _run(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a reader that went away is noticed here, not at exit
        return status
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
