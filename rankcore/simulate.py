"""``rankcore simulate``: a seeded loyalty season on a manual clock, through batch ingestion.

A simulation is a scenario (see ``docs/scenarios.md``) generated from a seed: one org in a
time zone, ``customers`` customers, a season target group (one period over the whole season,
a milestone on points) and a weekly one (weekly periods, a streak on visits), and ``events``
activities spread over ``days`` days, about 1% of them sent twice (the same event id: counted
once). The engine ingests them with :meth:`~rankcore.Engine.record_activities` in batches
that never cross a local midnight, the clock ticks at every local midnight, and the season
ends with two leaderboard requests through the router.

The same season written as a scenario file (:func:`write_scenario`) replays to the same
output: ``rankcore replay`` prints exactly the lines that :attr:`SimulationResult.lines`
holds, byte for byte.

>>> result = run_simulation(SimulationConfig(seed=1, customers=20, events=500, days=3))
>>> result.counted + result.duplicates == 500
True
>>> [line["status"] for line in result.lines]
[200, 200]
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import IO, Any, Final, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from rankcore.engine import Engine
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.loyalty.events import MilestoneReached, StreakAchieved
from rankcore.progress import NullProgress, Progress
from rankcore.scenario.command import json_line
from rankcore.scenario.loader import load
from rankcore.scenario.model import FORMAT, Call, Step
from rankcore.scenario.replay import Line, Replayer

__all__ = [
    "SimulationConfig",
    "SimulationResult",
    "plot",
    "render_json",
    "render_text",
    "run_simulation",
    "write_scenario",
]

ORG: Final = 50156
SEASON_GROUP: Final = 232
SEASON_PERIOD: Final = 243
SEASON_TARGET: Final = 366
WEEKLY_GROUP: Final = 233
WEEKLY_TARGET: Final = 367
FIRST_CUSTOMER: Final = 381_000_000
BATCH: Final = 2_000
"""Activities per batch (at most): one lock, one journal record each."""
_DUPLICATE_RATE: Final = 0.01
_LEADERBOARD: Final = "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/"
_MAX_CUSTOMERS: Final = 10_000_000
_MAX_EVENTS: Final = 100_000_000
_MAX_DAYS: Final = 3660


def _count(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(f"{name} must be an int, not {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidArgument(f"{name} must lie within {low:,} and {high:,}, got {value:,}")
    return value


@attrs.frozen
class SimulationConfig:
    """What to simulate. Every field is checked when the value is made
    (:class:`~rankcore.InvalidArgument` or :class:`~rankcore.InvalidArgumentType`)."""

    seed: int = 7
    customers: int = 1_000
    events: int = 100_000
    days: int = 28
    zone: str = "Asia/Kolkata"
    start: date = date(2024, 6, 1)
    """The season's first local day: it starts at local midnight."""

    def __attrs_post_init__(self) -> None:
        _count(self.seed, "seed", 0, 2**63 - 1)
        _count(self.customers, "customers", 1, _MAX_CUSTOMERS)
        _count(self.events, "events", 0, _MAX_EVENTS)
        _count(self.days, "days", 1, _MAX_DAYS)
        if not isinstance(self.zone, str):
            raise InvalidArgumentType(f"zone must be a str, not {type(self.zone).__name__}")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidArgument(
                f"zone {self.zone[:40]!r} is not an IANA time zone name (such as Asia/Kolkata)"
            ) from None
        if not isinstance(self.start, date) or isinstance(self.start, datetime):
            raise InvalidArgumentType("start must be a datetime.date")

    def midnight(self, day: int) -> datetime:
        """Local midnight at the start of day ``day`` (0: the season's first), in UTC.
        O(1)."""
        local = datetime.combine(self.start + timedelta(days=day), clock_time(0))
        return local.replace(tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def milestone(self) -> int:
        """The season milestone: twice the points of an average customer (at least 100)."""
        return max(100, round(2 * self.events * 0.8 * 50.5 / self.customers))


@attrs.frozen
class SimulationResult:
    """What a simulation did. ``lines`` are the request steps' output, as ``rankcore replay``
    prints them; ``daily_top`` is, for each day, the top ten of the season board as
    ``(customer, rank)``; ``scores`` every customer's season points at the end."""

    config: SimulationConfig
    counted: int
    duplicates: int
    refused: int
    milestones: int
    streaks: int
    seconds: float
    lines: tuple[Line, ...]
    top: tuple[tuple[int, int, int, datetime | None], ...]
    daily_top: tuple[tuple[tuple[int, int], ...], ...]
    scores: tuple[int, ...]

    @property
    def events_per_second(self) -> float:
        """Activities ingested per second of ingestion (0 for an empty season). O(1)."""
        return self.config.events / self.seconds if self.seconds > 0 else 0.0


# -- the season --------------------------------------------------------------------------------


def world(config: SimulationConfig) -> dict[str, Any]:
    """The season's world as a scenario document without steps. O(weeks)."""
    end = config.midnight(config.days)
    periods = []
    for week in range(0, config.days, 7):
        periods.append(
            {
                "id": 1000 + week // 7,
                "ref_code": f"week_{week // 7 + 1}",
                "name": f"WEEK_{week // 7 + 1}",
                "start": config.midnight(week).isoformat(),
                "end": config.midnight(min(week + 7, config.days)).isoformat(),
            }
        )
    return {
        "format": FORMAT,
        "description": f"rankcore simulate --seed {config.seed} --customers {config.customers} "
        f"--events {config.events} --days {config.days} --zone {config.zone}",
        "start": config.midnight(0).isoformat(),
        "seed": config.seed,
        "orgs": [{"id": ORG, "timezone": config.zone, "leaderboards": True}],
        "customers": [{"org": ORG, "id": FIRST_CUSTOMER, "count": config.customers}],
        "target_groups": [
            {
                "org": ORG,
                "id": SEASON_GROUP,
                "name": "Season",
                "periods": [
                    {
                        "id": SEASON_PERIOD,
                        "ref_code": "season",
                        "name": "SEASON",
                        "start": config.midnight(0).isoformat(),
                        "end": end.isoformat(),
                    }
                ],
                "targets": [
                    {
                        "id": SEASON_TARGET,
                        "name": "season-points",
                        "type": "MILESTONE",
                        "metric": "points",
                        "value": config.milestone,
                        "ties": "ordinal",
                    }
                ],
            },
            {
                "org": ORG,
                "id": WEEKLY_GROUP,
                "name": "Weekly visits",
                "periods": periods,
                "targets": [
                    {
                        "id": WEEKLY_TARGET,
                        "name": "weekly-visits",
                        "type": "STREAK",
                        "metric": "visits",
                        "value": 3,
                        "streak_length": 2,
                        "ties": "competition",
                    }
                ],
            },
        ],
    }


@attrs.frozen
class _Event:
    at: datetime
    customer: int
    metric: str
    value: int
    event_id: str


def _events(config: SimulationConfig) -> Iterator[_Event]:
    """The season's activities in time order (duplicates right after their original).
    O(events log events) for the sort of the times."""
    rng = random.Random(config.seed)
    span = int((config.midnight(config.days) - config.midnight(0)).total_seconds())
    # a few customers are far more active than most (a Pareto-like spread of weights)
    weights = [rng.paretovariate(1.5) for _ in range(config.customers)]
    customers = rng.choices(range(config.customers), weights=weights, k=config.events)
    offsets = sorted(rng.randrange(span) for _ in range(config.events))
    start = config.midnight(0)
    previous: _Event | None = None
    made = 0
    for customer, offset in zip(customers, offsets, strict=True):
        if made == config.events:
            return
        if previous is not None and rng.random() < _DUPLICATE_RATE:
            made += 1
            yield previous  # sent twice: the same event id, the same payload
            continue
        visit = rng.random() < 0.2
        event = _Event(
            start + timedelta(seconds=offset),
            FIRST_CUSTOMER + customer,
            "visits" if visit else "points",
            1 if visit else rng.randint(1, 100),
            f"s{made}",
        )
        made += 1
        previous = event
        yield event


def _request_steps(config: SimulationConfig, first_index: int) -> list[Step]:
    end = config.midnight(config.days)
    last_week = 1000 + (config.days - 1) // 7
    calls = [
        Call(ORG, 1, "GET", _LEADERBOARD + str(SEASON_GROUP),
             {"targetId": str(SEASON_TARGET), "periodId": str(SEASON_PERIOD), "pageSize": "10"}),
        Call(ORG, 1, "GET", _LEADERBOARD + str(WEEKLY_GROUP),
             {"targetId": str(WEEKLY_TARGET), "periodId": str(last_week), "pageSize": "10"}),
    ]  # fmt: skip
    return [Step(first_index + i, end, call) for i, call in enumerate(calls)]


def _steps(config: SimulationConfig) -> Iterator[tuple[str, Any]]:
    """The season as ``("batch", [events])``, ``("tick", at)`` and ``("request", Step)``
    items, in order. O(events)."""
    events = _events(config)
    batch: list[_Event] = []
    index = 0
    pending = next(events, None)
    for day in range(1, config.days + 1):
        midnight = config.midnight(day)
        while pending is not None and pending.at < midnight:
            batch.append(pending)
            if len(batch) == BATCH:
                yield "batch", batch
                index += len(batch)
                batch = []
            pending = next(events, None)
        if batch:
            yield "batch", batch
            index += len(batch)
            batch = []
        yield "tick", midnight
        index += 1
    for step in _request_steps(config, index):
        yield "request", step


def run_simulation(
    config: SimulationConfig,
    *,
    progress: Progress | None = None,
    out: TextIO | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> SimulationResult:
    """Run the season: ingest every activity in batches, tick at every local midnight, then
    answer the closing requests. With ``out``, also write the season as a scenario file
    there (see :func:`write_scenario`). ``progress`` hears of every batch. O(events log n).
    """
    progress = progress or NullProgress()
    replayer = Replayer(load(world(config)))
    engine = replayer.build()
    milestones: list[object] = []
    streaks: list[object] = []
    engine.subscribe(MilestoneReached, milestones.append)
    engine.subscribe(StreakAchieved, streaks.append)
    writer = _ScenarioWriter(out, world(config)) if out is not None else None
    counted = duplicates = refused = 0
    lines: list[Line] = []
    daily: list[tuple[tuple[int, int], ...]] = []
    seconds = 0.0
    for kind, item in _steps(config):
        if kind == "batch":
            began = timer()
            engine.advance_to(item[-1].at)
            result = engine.record_activities(
                ORG, [(e.customer, e.metric, e.value, e.at, e.event_id) for e in item]
            )
            seconds += timer() - began
            counted += result.counted
            duplicates += result.duplicates
            refused += len(result.refusals)
            progress.update(len(item))
            if writer is not None:
                writer.activities(item)
        elif kind == "tick":
            engine.advance_to(item)
            daily.append(_top_ten(engine))
            if writer is not None:
                writer.tick(item)
        else:
            lines.extend(replayer.step(item))
            if writer is not None:
                writer.request(item)
    progress.close()
    if writer is not None:
        writer.close()
    return SimulationResult(
        config=config,
        counted=counted,
        duplicates=duplicates,
        refused=refused,
        milestones=len(milestones),
        streaks=len(streaks),
        seconds=seconds,
        lines=tuple(lines),
        top=_final_top(engine),
        daily_top=tuple(daily),
        scores=_scores(engine, config),
    )


def _top_ten(engine: Engine) -> tuple[tuple[int, int], ...]:
    board = engine.target_leaderboard(
        ORG, SEASON_GROUP, SEASON_TARGET, period_id=SEASON_PERIOD, limit=10
    )
    return tuple((row.customer_id, row.rank) for row in board.rankings)


def _final_top(engine: Engine) -> tuple[tuple[int, int, int, datetime | None], ...]:
    board = engine.target_leaderboard(
        ORG, SEASON_GROUP, SEASON_TARGET, period_id=SEASON_PERIOD, limit=10
    )
    return tuple(
        (row.rank, row.customer_id, int(row.achieved_value), row.last_activity_at)
        for row in board.rankings
    )


def _scores(engine: Engine, config: SimulationConfig) -> tuple[int, ...]:
    scores: list[int] = []
    for offset in range(0, config.customers, 1000):
        board = engine.target_leaderboard(
            ORG, SEASON_GROUP, SEASON_TARGET, period_id=SEASON_PERIOD, offset=offset, limit=1000
        )
        scores.extend(int(row.achieved_value) for row in board.rankings)
    return tuple(scores)


# -- the scenario file -------------------------------------------------------------------------


class _ScenarioWriter:
    """Writes a scenario document step by step (one step a line), so that a season of
    millions of events is never held as one JSON value."""

    def __init__(self, out: IO[str], document: dict[str, Any]) -> None:
        self._out = out
        self._first = True
        head = json.dumps(document, ensure_ascii=False, indent=None)
        out.write(head[:-1] + ', "steps": [\n')

    def _step(self, step: dict[str, Any]) -> None:
        if not self._first:
            self._out.write(",\n")
        self._first = False
        self._out.write(json.dumps(step, ensure_ascii=False))

    def activities(self, events: Sequence[_Event]) -> None:
        for event in events:
            self._step(
                {
                    "at": event.at.isoformat(),
                    "activity": {
                        "org": ORG,
                        "customer": event.customer,
                        "metric": event.metric,
                        "value": event.value,
                        "event_id": event.event_id,
                    },
                }
            )

    def tick(self, at: datetime) -> None:
        self._step({"at": at.isoformat(), "tick": True})

    def request(self, step: Step) -> None:
        call = step.action
        assert isinstance(call, Call)
        self._step(
            {
                "at": step.at.isoformat(),
                "request": {
                    "org": call.org,
                    "user": call.user,
                    "method": call.method,
                    "path": call.path,
                    "query": dict(call.query),
                    "headers": dict(call.headers),
                    "body": call.body,
                },
            }
        )

    def close(self) -> None:
        self._out.write("\n]}\n")
        self._out.flush()


def write_scenario(config: SimulationConfig, out: IO[str]) -> None:
    """Write the season of ``config`` as a scenario file to ``out`` without running it: the
    same file ``rankcore simulate --out`` writes. O(events)."""
    writer = _ScenarioWriter(out, world(config))
    for kind, item in _steps(config):
        if kind == "batch":
            writer.activities(item)
        elif kind == "tick":
            writer.tick(item)
        else:
            writer.request(item)
    writer.close()


# -- output ------------------------------------------------------------------------------------


def render_json(result: SimulationResult) -> str:
    """The request lines as ``rankcore replay`` prints them (no final newline).
    O(size of the lines)."""
    return "\n".join(json_line(line) for line in result.lines)


def render_text(result: SimulationResult) -> str:
    """A summary of the season and its top ten, as a text table. O(1)."""
    config = result.config
    rows = [
        ("seed", f"{config.seed}"),
        ("customers", f"{config.customers:,}"),
        ("days", f"{config.days} ({config.zone}, from {config.start.isoformat()})"),
        ("events", f"{config.events:,}"),
        ("counted", f"{result.counted:,}"),
        ("duplicates", f"{result.duplicates:,} (sent twice, counted once)"),
        ("refused", f"{result.refused:,}"),
        ("season milestone", f"{config.milestone:,} points: reached by {result.milestones:,}"),
        ("weekly streaks", f"3 visits a week, 2 weeks running: {result.streaks:,} achieved"),
        ("ingestion", f"{result.events_per_second:,.0f} events/s ({result.seconds:.2f} s)"),
    ]
    width = max(len(name) for name, _ in rows)
    text = ["rankcore simulate", ""]
    text += [f"  {name.ljust(width)}  {value}" for name, value in rows]
    text += ["", "  season top ten", "  rank  customer        points  reached at"]
    for rank, customer, points, reached in result.top:
        at = "-" if reached is None else reached.isoformat(timespec="seconds")
        text.append(f"  {rank:>4}  {customer:<12}  {points:>8}  {at}")
    return "\n".join(text)


def plot(result: SimulationResult, path: str) -> None:
    """Draw the rank of each day's top ten over the season and the distribution of season
    points into an image at ``path`` (any format matplotlib writes, by its extension).

    Needs matplotlib (``pip install 'rankcore[plot]'``); without it raises
    :class:`ModuleNotFoundError` naming the extra. O(days + customers).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "--plot needs matplotlib: pip install 'rankcore[plot]'", name=exc.name
        ) from exc
    figure, (ranks, spread) = plt.subplots(1, 2, figsize=(12, 4.5))
    days = len(result.daily_top)
    paths: dict[int, list[float]] = {}  # customer -> rank on each day (NaN: not in the top)
    for day, top in enumerate(result.daily_top):
        for customer, rank in top:
            paths.setdefault(customer, [math.nan] * days)[day] = rank
    for customer, trace in paths.items():
        ranks.plot(range(1, days + 1), trace, marker="o", markersize=3, label=str(customer))
    ranks.invert_yaxis()
    ranks.set_xlabel("day")
    ranks.set_ylabel("rank")
    ranks.set_title("season rank of each day's top ten")
    if len(paths) <= 12:
        ranks.legend(fontsize="small")
    spread.hist(result.scores or [0], bins=50)
    spread.set_xlabel("season points")
    spread.set_ylabel("customers")
    spread.set_title(f"season points of the {len(result.scores):,} customers who scored")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
