"""The ``rankcore`` command line: ``rankcore demo``, ``rankcore replay FILE``, ``rankcore
simulate``, ``rankcore serve`` (the HTTP server, with the ``server`` extra), ``rankcore
passwd`` and ``rankcore --version``.

Exit status: 0 when the command did its work; 2 for a usage error or input it refuses (one
line on stderr says what and where); 1 when the reader of the output went away before the
end (``rankcore ... | head``: nothing more is printed, no traceback); 130 on Ctrl-C. Output
is UTF-8 whatever the locale.
"""

from __future__ import annotations

import argparse
import atexit
import codecs
import getpass
import importlib.metadata
import io
import json
import logging
import logging.handlers
import os
import queue
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any, TextIO

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


# -- rankcore simulate -------------------------------------------------------------------------


def _add_simulate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from rankcore.simulate import SimulationConfig

    defaults = SimulationConfig()
    simulate = commands.add_parser(
        "simulate",
        help="run a seeded season through batch ingestion and print a summary",
        description="Run a seeded loyalty season on a manual clock through the batch "
        "ingestion path and print a summary table (--json: the closing requests' JSON lines, "
        "exactly as rankcore replay prints them for the --out file).",
    )
    simulate.add_argument(
        "--seed", type=_integer, default=defaults.seed, help="random seed (%(default)s)"
    )
    simulate.add_argument(
        "--customers", type=_integer, default=defaults.customers, help="customers (%(default)s)"
    )
    simulate.add_argument(
        "--events", type=_integer, default=defaults.events, help="activities (%(default)s)"
    )
    simulate.add_argument(
        "--days", type=_integer, default=defaults.days, help="days of the season (%(default)s)"
    )
    simulate.add_argument(
        "--zone", default=defaults.zone, help="the org's IANA time zone (%(default)s)"
    )
    simulate.add_argument(
        "--json", action="store_true", help="print the request lines that replay prints"
    )
    simulate.add_argument("--out", metavar="FILE", help="also write the season as a scenario")
    simulate.add_argument(
        "--plot", metavar="FILE", help="draw ranks and the score distribution (extra 'plot')"
    )


def _simulate(args: argparse.Namespace) -> int:
    from rankcore.simulate import SimulationConfig, plot, render_json, render_text, run_simulation

    def refuse(message: str) -> int:
        print(f"rankcore simulate: error: {message}", file=sys.stderr)
        return 2

    try:
        config = SimulationConfig(args.seed, args.customers, args.events, args.days, args.zone)
    except (InvalidArgument, InvalidArgumentType) as exc:
        return refuse(str(exc))
    if args.plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ModuleNotFoundError:
            return refuse("--plot needs matplotlib: pip install 'rankcore[plot]'")
    out: TextIO | None = None
    if args.out is not None:
        try:
            out = open(args.out, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            return refuse(f"--out {args.out}: {exc.strerror or exc}")
    progress = progress_bar(config.events, "simulating", sys.stderr, unit="events")
    try:
        result = run_simulation(config, progress=progress, out=out)
    finally:
        if out is not None:
            out.close()
    if args.plot is not None:
        try:
            plot(result, args.plot)
        except (OSError, ValueError) as exc:
            return refuse(f"--plot {args.plot}: {exc}")
    if args.json:
        if result.lines:
            print(render_json(result))
        sys.stdout.flush()
        print(render_text(result), file=sys.stderr)
    else:
        print(render_text(result))
    return 0


# -- rankcore serve ----------------------------------------------------------------------------

NEEDS_EXTRA = "rankcore serve needs the 'server' extra: pip install 'rankcore[server]'"
GRACEFUL_SECONDS = 30
"""How long ``rankcore serve`` lets requests in flight finish after SIGTERM or Ctrl-C."""


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the vendor endpoints over HTTP (needs the 'server' extra)",
        description="Serve the Capillary and Rehook endpoints over HTTP with Uvicorn, behind "
        "HTTP Basic authentication (docs/server.md). SIGTERM drains the requests in flight, "
        "checkpoints the journal and exits 0.",
    )
    serve.add_argument(
        "--world",
        metavar="FILE",
        help="a scenario file whose orgs, customers, target groups and campaigns the engine "
        "starts with (its steps are ignored; not applied to a journal that holds state)",
    )
    serve.add_argument(
        "--journal", metavar="PATH", help="a write-ahead journal (default: in memory only)"
    )
    serve.add_argument(
        "--redis",
        metavar="URL",
        help="serve a replica of a Redis log (redis://host:port/db?prefix=NAME; needs the "
        "'redis' extra): every worker and host on one URL shares one state",
    )
    serve.add_argument(
        "--credentials",
        metavar="FILE",
        required=True,
        help="a JSON list of {username, password_hash, org, user} (see rankcore passwd)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (%(default)s)")
    serve.add_argument("--port", type=_integer, default=8000, help="port (%(default)s)")
    serve.add_argument(
        "--workers",
        type=_integer,
        default=1,
        help="worker processes (%(default)s); more than 1 only without --journal: with --redis "
        "they share the log's state, without it each has its own in-memory engine",
    )


class _Terminated(BaseException):
    """SIGTERM arrived: stop and exit 0 (after Uvicorn's graceful shutdown, if it ran)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def access_handler() -> logging.Handler:
    """The handler of the access lines: it queues each line for a thread that writes it to
    standard output, so that a request never waits on the write (the logging cookbook's
    answer to handlers that block). The thread writes what is queued, then stops, at exit."""
    lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(lines, logging.StreamHandler(sys.stdout))
    listener.start()
    atexit.register(listener.stop)
    return _Queued(lines)


class _Queued(logging.handlers.QueueHandler):
    """A queue handler that hands the record over as it is: the access lines are one
    ready string each, so formatting and copying it (what the base class does, for records
    whose arguments might change) is left to the writing thread's handler."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def _log_config() -> dict[str, Any]:
    """Uvicorn's logging, plus rankcore's: the ``rankcore.server`` access lines (JSON, one
    per request) on standard output, other rankcore messages on standard error."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = json.loads(json.dumps(LOGGING_CONFIG))  # a deep copy
    config["formatters"]["rankcore"] = {"format": "%(message)s"}
    config["formatters"]["rankcore.other"] = {"format": "%(levelname)s %(name)s: %(message)s"}
    config["handlers"]["rankcore"] = {"()": access_handler, "formatter": "rankcore"}
    config["handlers"]["rankcore.other"] = {
        "class": "logging.StreamHandler",
        "formatter": "rankcore.other",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["rankcore"] = {"handlers": ["rankcore.other"], "level": "INFO"}
    config["loggers"]["rankcore.server"] = {
        "handlers": ["rankcore"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def _serve(args: argparse.Namespace) -> int:
    from rankcore.scenario.command import one_line

    def refuse(message: str) -> int:
        print(one_line(f"rankcore serve: {message}"), end="", file=sys.stderr)
        return 2

    try:
        import prometheus_client  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        print(NEEDS_EXTRA, file=sys.stderr)
        return 2
    from rankcore.persistence.errors import PersistenceError
    from rankcore.scenario import ScenarioError, load
    from rankcore.server import Credentials, CredentialsError
    from rankcore.server.app import CONFIG_ENV, DEFAULT_MAX_BODY, create_app, open_engine

    if args.workers < 1:
        return refuse("--workers must be at least 1")
    if args.journal is not None and args.redis is not None:
        return refuse("--journal and --redis: choose one log")
    if args.journal is not None and args.workers > 1:
        return refuse(
            f"--workers {args.workers} with --journal: a journal has one writer, so a "
            "journalled server runs one worker"
        )
    if not 0 <= args.port <= 65535:
        return refuse(f"--port must be from 0 to 65535, got {args.port}")
    try:
        credentials = Credentials.load(args.credentials)
    except CredentialsError as exc:
        return refuse(f"{args.credentials}: {exc}")
    world = None
    if args.world is not None:
        try:
            world = load(args.world)
        except ScenarioError as exc:
            return refuse(f"{args.world}: {exc.where or 'file'}: {exc.problem}")
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": _log_config(),
        "access_log": False,  # rankcore.server writes one JSON line per request
        "timeout_graceful_shutdown": GRACEFUL_SECONDS,
    }
    if args.workers > 1:
        if args.redis is not None:  # apply the world once, before the workers replicate it
            try:
                open_engine(world, None, args.redis).close()
            except (ScenarioError, PersistenceError, InvalidArgument) as exc:
                return refuse(
                    f"{args.world if isinstance(exc, ScenarioError) else args.redis}: {exc}"
                )
        os.environ[CONFIG_ENV] = json.dumps(
            {
                "world": args.world,
                "credentials": args.credentials,
                "max_body": DEFAULT_MAX_BODY,
                "redis": args.redis,
            }
        )
        uvicorn.run(
            "rankcore.server.app:app_from_environment",
            factory=True,
            workers=args.workers,
            **options,
        )
        return 0
    previous = signal.signal(signal.SIGTERM, _terminate)
    engine = None
    try:
        try:
            engine = open_engine(world, args.journal, args.redis)
        except (ScenarioError, PersistenceError, InvalidArgument) as exc:
            where = args.world if isinstance(exc, ScenarioError) else args.journal or args.redis
            return refuse(f"{where}: {exc}")
        app = create_app(engine, credentials)
        server = uvicorn.Server(uvicorn.Config(app, **options))
        try:
            server.run()  # SIGTERM: drain, lifespan shutdown, then _Terminated
        except SystemExit:  # Uvicorn could not start (it logged why)
            return 2
        return 0 if server.started else 2
    except _Terminated:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if engine is not None:
            engine.close()  # idempotent: the app's shutdown normally closed it


# -- rankcore passwd ---------------------------------------------------------------------------


def _passwd(args: argparse.Namespace) -> int:
    from rankcore.server.auth import hash_password

    if sys.stdin is None:
        print("rankcore passwd: standard input is closed", file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
    else:
        password = sys.stdin.read()
        password = password.removesuffix("\n").removesuffix("\r")
    if not password:
        print("rankcore passwd: the password is empty", file=sys.stderr)
        return 2
    print(hash_password(password))
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
    _add_serve(commands)
    _add_simulate(commands)
    commands.add_parser(
        "passwd",
        help="print the hash of a password read on standard input, for a credentials file",
        description="Read a password on standard input (one trailing newline is dropped; "
        "from a terminal it is asked for without echo) and print its scrypt hash for the "
        "password_hash field of a rankcore serve credentials file.",
    )
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return _demo(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "passwd":
        return _passwd(args)
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
