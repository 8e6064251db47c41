"""The season demo behind ``rankcore demo``: a whole loyalty season on the embedded engine.

One organisation in India runs a four-week season on a manual clock: a target group with
weekly periods, a milestone target (points a week) and a streak target (visits a week, several
weeks in a row), and a Rehook-style daily leaderboard campaign with reward brackets. A few
thousand customers produce a few hundred thousand seeded activities spread over the season;
every purchase counts towards the milestone and is awarded to the campaign too.

Everything shown is read the way a client would read it: the leaderboards through the vendor
router (:func:`rankcore.api.handle`), the payouts from the :class:`~rankcore.IntervalClosed`
events the engine published. The season is also ingested on a second engine through batches
(:meth:`~rankcore.Engine.record_activities`), the two engines taking turns a campaign day
each, to compare the two rates and check that both engines end the same; and a short kernel
section plays a tournament on a bare :class:`~rankcore.Leaderboard`. The same seed always
gives the same season and the same tables; only the two timing lines differ between runs.

>>> result = run_demo(DemoConfig(seed=3, customers=20, events=300))
>>> (result.activities, result.calls[0].response.status)
(300, 200)
"""

from __future__ import annotations

import enum
import gc
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from itertools import accumulate, groupby
from typing import Final
from zoneinfo import ZoneInfo

import attrs

from rankcore.api import Request, Response, handle
from rankcore.api.http import JSON
from rankcore.campaigns import Bracket, IntervalClosed
from rankcore.engine import Engine
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.loyalty import MilestoneReached, StreakAchieved, StreakBroken
from rankcore.progress import NullProgress, Progress
from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.policy import TiePolicy
from rankcore.timeline.clock import ManualClock

__all__ = [
    "BRACKETS",
    "CUSTOMER_BASE",
    "MILESTONE_POINTS",
    "MILESTONE_TARGET",
    "NOW",
    "ORG",
    "SEASON_START",
    "STREAK_TARGET",
    "STREAK_VISITS",
    "STREAK_WEEKS",
    "TARGET_GROUP",
    "WEEKS",
    "ZONE",
    "AroundMe",
    "AroundRow",
    "BatchRun",
    "DemoConfig",
    "DemoResult",
    "EventKind",
    "KernelBoard",
    "SeasonEvent",
    "VendorCall",
    "build_engine",
    "customer_ids",
    "render_json",
    "render_text",
    "run_demo",
    "season_events",
    "tournament",
]

ORG: Final = 50156
"""The demo organisation (also the Rehook application running the campaign)."""
USER: Final = 1
"""The acting user of the demo's vendor requests."""
ZONE: Final = ZoneInfo("Asia/Kolkata")
TARGET_GROUP: Final = 232
FIRST_PERIOD: Final = 243
MILESTONE_TARGET: Final = 366
STREAK_TARGET: Final = 367
WEEKS: Final = 4
SEASON_START: Final = datetime(2024, 6, 3, tzinfo=ZONE)
"""A Monday, local midnight: the first weekly period and the campaign start here."""
NOW: Final = SEASON_START + timedelta(weeks=WEEKS - 1, days=3, hours=21)
"""Where the demo stops the clock: Thursday evening of the last week."""
MILESTONE_POINTS: Final = 5000
STREAK_VISITS: Final = 5
STREAK_WEEKS: Final = 3
CUSTOMER_BASE: Final = 381_300_000
"""Customer ``i`` (from 0) has id ``CUSTOMER_BASE + i``; its Rehook source id is the same
number as text."""
BRACKETS: Final = (
    Bracket("1", "1000"),
    Bracket("2-3", "500"),
    Bracket("4-10", "100"),
    Bracket("11-20", "20", minimum=1000),
)
PURCHASE_SHARE: Final = 0.7
"""The share of seeded activities that are purchases (the rest are store visits)."""
AROUND: Final = 3
"""Rows shown before and after the featured customer in the around-me window."""
REHOOK_PAGE: Final = 20
LEADERBOARD_PATH: Final = (
    f"/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/{TARGET_GROUP}"
)
CAMPAIGN_PATH: Final = "/campaigns/leaderboards/"
BATCH: Final = 5000
"""The most activities the batch run sends in one :meth:`~rankcore.Engine.record_activities`
call (a batch also ends where a campaign day does)."""
PLAYERS: Final = 1000
"""Players of the kernel section's tournament board."""
KERNEL_PAGE: Final = 8

_FIRST_NAMES: Final = (
    "Aarav", "Diya", "Ishaan", "Meera", "Kabir", "Anaya", "Rohan", "Saanvi",
    "Vihaan", "Tara", "Arjun", "Nisha", "Dev", "Priya", "Kiran", "Zara",
)  # fmt: skip
_LAST_NAMES: Final = (
    "Sharma", "Iyer", "Patel", "Reddy", "Nair", "Gupta", "Khan", "Das",
    "Menon", "Rao", "Joshi", "Singh",
)  # fmt: skip
_LIMITS: Final = {"customers": (1, 1_000_000), "events": (0, 50_000_000)}


def _check_count(name: str) -> Callable[[object, attrs.Attribute[int], int], None]:
    low, high = _LIMITS[name]

    def check(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgumentType(f"{name} must be an int, not {type(value).__name__}")
        if not low <= value <= high:
            shown = f"{value:,}" if abs(value) < 10**20 else "a number of more than 20 digits"
            raise InvalidArgument(f"{name} must be between {low:,} and {high:,}, got {shown}")

    return check


def _check_seed(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(f"seed must be an int, not {type(value).__name__}")


def _check_flag(_instance: object, _attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise InvalidArgumentType(f"batches must be a bool, not {type(value).__name__}")


@attrs.frozen
class DemoConfig:
    """The size of the season: ``customers`` and ``events`` (seeded activities), and the
    ``seed`` everything random is drawn from. ``batches`` also ingests the season on a second
    engine, through :meth:`~rankcore.Engine.record_activities`, to compare the two paths."""

    seed: int = attrs.field(default=1, validator=_check_seed)
    customers: int = attrs.field(default=3000, validator=_check_count("customers"))
    events: int = attrs.field(default=200_000, validator=_check_count("events"))
    batches: bool = attrs.field(default=True, validator=_check_flag)


class EventKind(enum.Enum):
    """What a seeded activity is."""

    PURCHASE = "purchase"
    """Points: counted towards the milestone and awarded to the campaign."""
    VISIT = "visit"
    """One store visit: counted towards the streak."""


@attrs.frozen(slots=True)
class SeasonEvent:
    """One seeded activity: a customer's purchase (``value`` points) or visit (``value`` 1)."""

    at: datetime
    customer: int
    kind: EventKind
    value: int


@attrs.frozen
class VendorCall:
    """One vendor request the demo made and the router's response."""

    name: str
    request: Request
    response: Response


@attrs.frozen
class AroundRow:
    """One row of the around-me window, as Rehook's leaderboard lists it."""

    rank: int
    source_id: str
    points: int | float
    reward: str


@attrs.frozen
class AroundMe:
    """A customer's neighbourhood on the open campaign interval.

    ``position`` is the customer's place in the listing (from 0), ``rows`` the customers
    listed around it (itself included), ``participants`` the interval's participants.
    """

    source_id: str
    name: str
    rank: int
    position: int
    participants: int
    sequence: int
    day: date
    rows: tuple[AroundRow, ...]


@attrs.frozen
class BatchRun:
    """The season ingested on a second engine through batches, a campaign day in turn with
    the first engine's one call per event: activities in
    :meth:`~rankcore.Engine.record_activities` calls of up to :data:`BATCH` (a batch ends
    where a campaign day does), then that batch's campaign awards in one
    :meth:`~rankcore.Engine.award_many` call.

    ``agrees`` says whether both engines ended with the same boards (every row of both
    targets' current boards, the open campaign interval) and the same payouts.
    """

    engine: Engine = attrs.field(eq=False, repr=False)
    calls: int
    agrees: bool
    elapsed: float


@attrs.frozen
class KernelBoard:
    """The kernel section: a seeded tournament on a bare :class:`~rankcore.Leaderboard`.

    ``top`` lists the first :data:`KERNEL_PAGE` players as ``(player, score, competition,
    modified competition, dense, ordinal)`` ranks; ``around`` the featured player's window
    (three above, three below) as ``(player, score, competition, ordinal)`` ranks.
    """

    board: Leaderboard[str] = attrs.field(eq=False, repr=False)
    top: tuple[tuple[str, int, int, int, int, int], ...]
    featured: str
    around: tuple[tuple[str, int, int, int], ...]


@attrs.frozen
class DemoResult:
    """What one demo run produced: the vendor calls, the campaign closings, the counts, the
    engine itself (its clock stopped at :data:`NOW`) for further questions, the batch run
    and the kernel section.

    ``elapsed`` (seconds spent ingesting) and ``batch.elapsed`` are the only values that
    vary between runs with the same configuration.
    """

    config: DemoConfig
    engine: Engine = attrs.field(eq=False, repr=False)
    campaign_id: str
    calls: tuple[VendorCall, ...]
    closings: tuple[IntervalClosed, ...]
    around: AroundMe | None
    activities: int
    awards: int
    milestones_reached: int
    streaks_achieved: int
    streaks_broken: int
    elapsed: float
    batch: BatchRun | None = None
    kernel: KernelBoard | None = None

    @property
    def ingested(self) -> int:
        """Events the engine ingested: activities plus campaign awards. O(1)."""
        return self.activities + self.awards

    def call(self, name: str) -> VendorCall | None:
        """The vendor call named ``name``, or ``None``. O(calls)."""
        return next((c for c in self.calls if c.name == name), None)

    def summary(self) -> str:
        """The summary: events ingested and events per second, one call per event; then,
        after a batch run, the same through batches and the ratio. O(1)."""
        rate = _rate(self.ingested, self.elapsed)
        line = (
            f"Ingested {self.ingested:,} events ({self.activities:,} activities, "
            f"{self.awards:,} campaign awards) in {self.elapsed:.2f} s: {rate:,.0f} events/s"
        )
        batch = self.batch
        if batch is None:
            return line
        fast = _rate(self.ingested, batch.elapsed)
        ratio = f"{fast / rate:.1f}x" if 0 < rate < float("inf") else "-"
        return (
            f"{line}\nThrough batches ({batch.calls:,} batches: record_activities, then"
            f" award_many): {batch.elapsed:.2f} s: {fast:,.0f} events/s ({ratio}); same boards and"
            f" payouts: {'yes' if batch.agrees else 'NO'}"
        )


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


# -- the season -------------------------------------------------------------------------------


def customer_ids(count: int) -> range:
    """The demo's customer ids. O(1)."""
    return range(CUSTOMER_BASE, CUSTOMER_BASE + count)


def season_events(config: DemoConfig) -> list[SeasonEvent]:
    """The seeded activities of the season, in time order, all before :data:`NOW`.

    Customers are unequally active (log-normal weights), baskets too; times are spread
    uniformly over the season at one-second resolution. Deterministic for a configuration.
    O(e log e) for e events.
    """
    rng = random.Random(f"rankcore demo events {config.seed}")
    ids = customer_ids(config.customers)
    weights = list(accumulate(rng.lognormvariate(0.0, 0.6) for _ in ids))
    who = rng.choices(ids, cum_weights=weights, k=config.events)
    span = int((NOW - SEASON_START).total_seconds())
    seconds = sorted(rng.choices(range(span), k=config.events))
    purchase, visit, start, second = (
        EventKind.PURCHASE,
        EventKind.VISIT,
        SEASON_START,
        timedelta(seconds=1),
    )
    draw, basket = rng.random, rng.lognormvariate
    events = []
    for customer, offset in zip(who, seconds, strict=True):
        at = start + offset * second
        if draw() < PURCHASE_SHARE:
            points = 10 * max(2, int(basket(2.5, 0.8)))  # a long tail of big baskets
            events.append(SeasonEvent(at, customer, purchase, points))
        else:
            events.append(SeasonEvent(at, customer, visit, 1))
    return events


def _add_customers(engine: Engine, config: DemoConfig) -> None:
    """Every customer with a seeded profile; some fields are never captured."""
    rng = random.Random(f"rankcore demo customers {config.seed}")
    for customer in customer_ids(config.customers):
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        mobile = f"91{rng.randrange(7_000_000_000, 10_000_000_000)}"
        gender = rng.choice(("Male", "Female"))
        email = f"{first}.{last}.{customer % 100_000}@example.com".lower()
        birthday = date(1970, 1, 1) + timedelta(days=rng.randrange(12_000))
        engine.add_customer(
            ORG,
            customer,
            first_name=first,
            last_name=last,
            mobile=mobile,
            email=email if rng.random() < 0.8 else None,
            gender=gender,
            birthday=birthday if rng.random() < 0.3 else None,
        )


def build_engine(config: DemoConfig) -> tuple[Engine, ManualClock, str]:
    """The season's world before any activity: the org, its customers, the target group
    with its weekly periods and two targets, and the daily campaign.

    Returns the engine, its manual clock (at :data:`SEASON_START`) and the campaign id.
    O(customers + weeks).
    """
    clock = ManualClock(SEASON_START)
    engine = Engine(clock=clock, seed=config.seed)
    engine.add_org(ORG, ZONE)
    _add_customers(engine, config)
    engine.create_target_group(ORG, TARGET_GROUP, "Monsoon season")
    for week in range(WEEKS):
        engine.add_period(
            ORG,
            TARGET_GROUP,
            FIRST_PERIOD + week,
            ref_code=f"week_{week + 1}",
            name=f"PERIOD_G_{TARGET_GROUP}_{week + 1}",
            start=SEASON_START + timedelta(weeks=week),
            end=SEASON_START + timedelta(weeks=week + 1),
        )
    engine.add_target(
        ORG, TARGET_GROUP, MILESTONE_TARGET, name="weekly-points", type="MILESTONE",
        metric="points", value=MILESTONE_POINTS, ties="ordinal",
    )  # fmt: skip
    engine.add_target(
        ORG, TARGET_GROUP, STREAK_TARGET, name="weekly-visits", type="STREAK",
        metric="visits", value=STREAK_VISITS, streak_length=STREAK_WEEKS, ties="competition",
    )  # fmt: skip
    campaign = engine.create_campaign(
        ORG,
        recurrence="daily",
        start=SEASON_START,
        end=SEASON_START + timedelta(weeks=WEEKS),
        brackets=BRACKETS,
    )
    return engine, clock, campaign.id


def _days(events: Sequence[SeasonEvent]) -> list[tuple[int, Sequence[SeasonEvent]]]:
    """The season cut at campaign days (local midnight: IST has no DST): each day's events
    with the index of its first. O(e)."""
    day, days, first = timedelta(days=1), [], 0
    for _, same_day in groupby(events, key=lambda event: (event.at - SEASON_START) // day):
        count = sum(1 for _ in same_day)
        days.append((first, events[first : first + count]))
        first += count
    return days


def _ingest(
    engine: Engine, clock: ManualClock, campaign_id: str, events: Sequence[SeasonEvent], first: int
) -> int:
    """Feed ``events`` (the first has index ``first`` in the season) to the engine one call
    each, in time order; returns the number of awards."""
    record, award, move = engine.record_activity, engine.award, clock.set
    purchase = EventKind.PURCHASE
    awards = 0
    for index, event in enumerate(events, first):
        at = move(event.at)
        if event.kind is purchase:
            record(ORG, event.customer, "points", event.value, at, index)
            award(campaign_id, str(event.customer), event.value, at, event_id=f"p{index}", org=ORG)
            awards += 1
        else:
            record(ORG, event.customer, "visits", 1, at, index)
    return awards


def _ingest_batches(
    engine: Engine, clock: ManualClock, campaign_id: str, events: Sequence[SeasonEvent], first: int
) -> tuple[int, int]:
    """Feed one campaign day's ``events`` (the first has index ``first``) through batches: up
    to :data:`BATCH` activities in one ``record_activities`` call at the time of the batch's
    last activity, then that batch's awards in one ``award_many`` call. Returns the awards
    and the ``record_activities`` calls made."""
    record, award, move = engine.record_activities, engine.award_many, clock.set
    purchase = EventKind.PURCHASE
    awards = calls = 0
    for start in range(0, len(events), BATCH):
        batch: list[tuple[int, str, int, datetime, int]] = []
        paid: list[tuple[str, int, datetime, str]] = []
        for index, event in enumerate(events[start : start + BATCH], first + start):
            if event.kind is purchase:
                batch.append((event.customer, "points", event.value, event.at, index))
                paid.append((str(event.customer), event.value, event.at, f"p{index}"))
            else:
                batch.append((event.customer, "visits", 1, event.at, index))
        move(batch[-1][3])
        record(ORG, batch)
        if paid:
            award(campaign_id, paid, org=ORG)
        awards += len(paid)
        calls += 1
    return awards, calls


def _timed_batches(
    fast: tuple[Engine, ManualClock, str],
    events: Sequence[SeasonEvent],
    first: int,
    timer: Callable[[], float],
) -> tuple[int, int, float]:
    """:func:`_ingest_batches` on the engine, clock and campaign ``fast``, with the time it
    took by ``timer``. O(e log n) for e events."""
    started = timer()
    paid, made = _ingest_batches(*fast, events, first)
    return paid, made, timer() - started


def _boards(engine: Engine, campaign_id: str) -> list[object]:
    """Everything the two ingest paths must agree on: every row of both targets' current
    boards (rank, customer, value, last activity), the open interval's listing and every
    closed interval's payouts."""
    seen: list[object] = []
    for target in (MILESTONE_TARGET, STREAK_TARGET):
        first = engine.target_leaderboard(ORG, TARGET_GROUP, target, limit=1)
        rows = engine.target_leaderboard(ORG, TARGET_GROUP, target, limit=max(first.total, 1))
        seen.append([(r.rank, r.customer_id, r.achieved_value, r.last_activity_at)
                     for r in rows.rankings])  # fmt: skip
    for interval in engine.campaign_intervals(ORG, campaign_id):
        payouts = engine.campaign_payouts(ORG, campaign_id, interval.activity_id)
        seen.append((interval.sequence, interval.start, payouts))
    page = 1
    while listed := engine.campaign_page(ORG, campaign_id, page):
        seen.append(listed)
        page += 1
    return seen


@contextmanager
def _own_heap() -> Iterator[None]:
    """Where the timed ingests run: the cyclic garbage collector first collects, then
    freezes every object that exists (the season's events, the fresh engines), so that the
    collections walk what the ingests allocate; the objects are unfrozen afterwards."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# -- the kernel -------------------------------------------------------------------------------


def tournament(seed: int) -> KernelBoard:
    """The kernel section: :data:`PLAYERS` players each add three seeded rounds of 0 to 20
    points to a bare :class:`~rankcore.Leaderboard` (so ties abound), read back as the
    first page under each tie policy and a seeded player's around-me window.
    O(p log p) for p players.
    """
    rng = random.Random(f"rankcore demo tournament {seed}")
    board: Leaderboard[str] = Leaderboard(ties=TiePolicy.DENSE)  # dense can answer every policy
    players = [f"player-{n:04d}" for n in range(1, PLAYERS + 1)]
    for round_ in range(3):
        for offset, player in enumerate(players):
            at = SEASON_START + timedelta(minutes=round_, seconds=offset / 100)
            board.incr(player, rng.randint(0, 20), at)
    pages = [
        board.page(0, KERNEL_PAGE, ties=policy)
        for policy in (
            TiePolicy.COMPETITION,
            TiePolicy.MODIFIED_COMPETITION,
            TiePolicy.DENSE,
            TiePolicy.ORDINAL,
        )
    ]
    top = tuple(
        (c.member, int(c.score), c.rank, m.rank, d.rank, o.rank)
        for c, m, d, o in zip(*pages, strict=True)
    )
    featured = players[rng.randrange(PLAYERS)]
    windows = [
        board.around(featured, AROUND, AROUND, ties=policy)
        for policy in (TiePolicy.COMPETITION, TiePolicy.ORDINAL)
    ]
    around = tuple((c.member, int(c.score), c.rank, o.rank) for c, o in zip(*windows, strict=True))
    return KernelBoard(board, top, featured, around)


# -- reading it back --------------------------------------------------------------------------


def _call(engine: Engine, name: str, path: str, **query: str) -> VendorCall:
    request = Request("GET", path, ORG, USER, query=query)
    return VendorCall(name, request, handle(engine, request))


def _name(engine: Engine, source_id: str) -> str:
    customer = engine.customer(ORG, int(source_id))
    if customer is None:
        return ""
    profile = customer.profile
    return " ".join(part for part in (profile.first_name, profile.last_name) if part)


def _around_me(
    engine: Engine, config: DemoConfig, campaign_id: str, calls: list[VendorCall]
) -> AroundMe | None:
    """Pick a participant of the open interval (seeded) and read its neighbourhood through
    Rehook's endpoint: the page holding it (with ``my_rank``), and the pages next to it when
    the window spills over."""
    path = CAMPAIGN_PATH + campaign_id
    first = _call(engine, "rehook_leaderboard", path).response.body
    participants = first.get("number_of_participants", 0)
    if not participants or first.get("leaderboard") is None:
        return None
    position = random.Random(f"rankcore demo featured {config.seed}").randrange(participants)
    page = position // REHOOK_PAGE + 1
    listed = _call(engine, "rehook_page", path, page=str(page)).response.body["leaderboard"]
    source_id = listed[position % REHOOK_PAGE]["source_id"]
    mine = _call(engine, "rehook_around_me", path, source_id=source_id, page=str(page))
    calls.append(mine)
    rows: dict[int, JSON] = {}
    last_page = (participants - 1) // REHOOK_PAGE + 1
    for number in (n for n in (page - 1, page, page + 1) if 1 <= n <= last_page):
        body = (
            mine.response.body
            if number == page
            else _call(engine, "rehook_page", path, page=str(number)).response.body
        )
        for offset, row in enumerate(body["leaderboard"]):
            rows[(number - 1) * REHOOK_PAGE + offset] = row
    window = range(max(0, position - AROUND), min(participants, position + AROUND + 1))
    interval = next(
        i for i in mine.response.body["past_leaderboard_intervals"] if i["status"] == "active"
    )
    start = datetime.fromisoformat(interval["start_date_time"]).astimezone(ZONE)
    return AroundMe(
        source_id=source_id,
        name=_name(engine, source_id),
        rank=mine.response.body["my_rank"]["rank"],
        position=position,
        participants=participants,
        sequence=interval["recurrence_type_value"],
        day=start.date(),
        rows=tuple(
            AroundRow(r["rank"], r["source_id"], r["points"], r["reward"])
            for r in (rows[i] for i in window)
        ),
    )


def run_demo(
    config: DemoConfig | None = None,
    *,
    progress: Progress | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> DemoResult:
    """Build the season, ingest its activities one call each (reporting to ``progress``),
    stop the clock at :data:`NOW` and read the boards back through the vendor router; unless
    ``config.batches`` is false, ingest the season through batches too, on a second engine,
    taking turns a campaign day each (the batches first every other day), and check that it
    ends the same (:class:`BatchRun`); and play the kernel section's tournament
    (:func:`tournament`).

    ``timer`` measures each day's ingest on each engine (it is not engine time). O(e log n)
    for e events.
    """
    config = config if config is not None else DemoConfig()
    events = season_events(config)
    engine, clock, campaign_id = build_engine(config)
    closings: list[IntervalClosed] = []
    reached: list[object] = []
    achieved: list[object] = []
    broken: list[object] = []
    engine.subscribe(IntervalClosed, closings.append)
    engine.subscribe(MilestoneReached, reached.append)
    engine.subscribe(StreakAchieved, achieved.append)
    engine.subscribe(StreakBroken, broken.append)
    progress = progress if progress is not None else NullProgress()
    fast = build_engine(config) if config.batches else None
    awards = fast_awards = batch_calls = 0
    elapsed = fast_elapsed = 0.0
    try:
        with _own_heap():
            # The two paths take turns, a campaign day each, so that both run under the
            # same conditions (a shared machine's speed can change by half within seconds),
            # the batches first every other day, so that neither always runs second.
            for number, (first, day) in enumerate(_days(events)):
                batched: tuple[int, int, float] | None = None
                if fast is not None and number % 2:
                    batched = _timed_batches(fast, day, first, timer)
                started = timer()
                awards += _ingest(engine, clock, campaign_id, day, first)
                elapsed += timer() - started
                if fast is not None:
                    if batched is None:
                        batched = _timed_batches(fast, day, first, timer)
                    paid, made, took = batched
                    fast_elapsed += took
                    fast_awards, batch_calls = fast_awards + paid, batch_calls + made
                progress.update(len(day))
    finally:
        progress.close()
    engine.advance_to(NOW)

    calls = [
        _call(engine, "capillary_leaderboard", LEADERBOARD_PATH, targetId=str(MILESTONE_TARGET)),
        _call(engine, "capillary_streaks", LEADERBOARD_PATH, targetId=str(STREAK_TARGET)),
    ]
    if closings:
        calls.append(
            _call(
                engine,
                "rehook_last_closed_interval",
                CAMPAIGN_PATH + campaign_id,
                activity_id=closings[-1].activity_id,
            )
        )
    around = _around_me(engine, config, campaign_id, calls)
    batch = None
    if fast is not None:
        fast[0].advance_to(NOW)
        agrees = fast_awards == awards and _boards(fast[0], fast[2]) == _boards(engine, campaign_id)
        batch = BatchRun(fast[0], batch_calls, agrees, fast_elapsed)
    return DemoResult(
        config=config,
        engine=engine,
        campaign_id=campaign_id,
        calls=tuple(calls),
        closings=tuple(closings),
        around=around,
        activities=len(events),
        awards=awards,
        milestones_reached=len(reached),
        streaks_achieved=len(achieved),
        streaks_broken=len(broken),
        elapsed=elapsed,
        batch=batch,
        kernel=tournament(config.seed),
    )


# -- rendering --------------------------------------------------------------------------------


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], left: Iterable[int] = ()
) -> str:
    """A plain text table; columns are right-aligned except those listed in ``left``."""
    text = [[f"{cell:,}" if isinstance(cell, int) else str(cell) for cell in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in text)]) for i, h in enumerate(headers)]
    lefts = set(left)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in lefts else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), *(line(r) for r in text)])


def _full_name(details: Mapping[str, str]) -> str:
    parts = (details.get("first_name"), details.get("last_name"))
    return " ".join(p for p in parts if p and p != "NOT-CAPTURED")


def _capillary(call: VendorCall, title: str, value_header: str, time_header: str) -> str:
    body = call.response.body
    query = "&".join(f"{k}={v}" for k, v in call.request.query.items())
    head = f"GET {call.request.path}?{query} -> {call.response.status}"
    data = body["data"]
    if data is None:
        return f"{title}\n{head}: {body['errors']}"
    rows = [
        (
            r["rank"],
            str(r["userId"]),
            _full_name(r["userEnrichmentDetails"]),
            r["achievedValue"],
            r["lastActivityTime"] or "-",
        )
        for r in data["rankings"]
    ]
    about = (
        f"target {data['targetRuleId']} {data['targetRuleName']!r}, "
        f"period {data['periodId']} ({data['periodRefCode']}), "
        f"{body['pagination']['total']:,} on the board, last sync {data['lastSyncTime']}"
    )
    table = _table(("rank", "userId", "name", value_header, time_header), rows, left=(2, 4))
    return f"{title}: {about}\n{head}\n{table if rows else '(nobody on the board yet)'}"


def _payouts(result: DemoResult) -> str:
    rows: list[tuple[object, ...]] = []
    total_paid = total_rewards = 0
    for c in result.closings:
        rewards = sum(int(p.reward_value) for p in c.payouts)
        winner = c.payouts[0] if c.payouts and c.payouts[0].rank == 1 else None
        rows.append(
            (
                c.sequence,
                c.start.astimezone(ZONE).date().isoformat(),
                c.participants,
                len(c.payouts),
                rewards,
                winner.source_id if winner else "-",
                winner.points if winner else "-",
            )
        )
        total_paid += len(c.payouts)
        total_rewards += rewards
    title = (
        f"Campaign {result.campaign_id}: payouts of the {len(result.closings)} closed daily "
        f"intervals (from the IntervalClosed events)"
    )
    if not rows:
        return f"{title}\n(no interval has closed yet)"
    rows.append(("all", "", "", total_paid, total_rewards, "", ""))
    headers = ("#", "day", "participants", "paid", "rewards", "winner", "points")
    return f"{title}\n{_table(headers, rows, left=(1, 5))}"


def _around(result: DemoResult) -> str:
    me = result.around
    if me is None:
        return "Around me: nobody has points in the open campaign interval yet"
    title = (
        f"Around customer {me.source_id} ({me.name}) in the open campaign interval "
        f"#{me.sequence} ({me.day.isoformat()}): rank {me.rank:,}, "
        f"listed {me.position + 1:,} of {me.participants:,}"
    )
    rows = [
        (r.rank, r.source_id, r.points, r.reward, "<- me" if r.source_id == me.source_id else "")
        for r in me.rows
    ]
    return f"{title}\n{_table(('rank', 'source_id', 'points', 'reward', ''), rows, left=(1, 4))}"


def _header(result: DemoResult) -> str:
    c = result.config
    brackets = ", ".join(
        f"{b.position}: {b.reward_value}"
        + ("" if b.minimum is None else f" (at least {b.minimum:,} points)")
        for b in BRACKETS
    )
    return "\n".join(
        [
            f"rankcore season demo (seed {c.seed}): org {ORG} in {ZONE.key}, "
            f"{c.customers:,} customers, {c.events:,} seeded activities",
            f"  season: {WEEKS} weekly periods from {SEASON_START:%Y-%m-%d (%a)}; "
            f"the clock stops at {NOW:%Y-%m-%d %H:%M} {NOW.tzname()}",
            f"  target {MILESTONE_TARGET} 'weekly-points': milestone, {MILESTONE_POINTS:,} "
            "points a week",
            f"  target {STREAK_TARGET} 'weekly-visits': streak, {STREAK_VISITS} visits a week "
            f"for {STREAK_WEEKS} weeks in a row",
            f"  campaign {result.campaign_id}: daily, reward brackets {brackets}",
        ]
    )


def _kernel(kernel: KernelBoard) -> str:
    title = (
        f"The kernel: a tournament on a bare rankcore.Leaderboard, {len(kernel.board):,}"
        " players, three rounds of 0 to 20 points (incr)\n"
        "First page (page(0, 8)), ranked under each tie policy: 1224 competition,"
        " 1334 modified competition, 1223 dense, 1234 ordinal"
    )
    headers = ("player", "points", "1224", "1334", "1223", "1234")
    top = _table(headers, kernel.top, left=(0,))
    mine = f"Around {kernel.featured}: around(player, 3, 3), ranked 1224 and 1234"
    rows = [(*row, "<- me" if row[0] == kernel.featured else "") for row in kernel.around]
    window = _table(("player", "points", "1224", "1234", ""), rows, left=(0, 4))
    return f"{title}\n{top}\n{mine}\n{window}"


def render_text(result: DemoResult) -> str:
    """The demo's readable report: the season, the kernel's tournament board, the
    Capillary leaderboard's first page, the streak leaders, the closed intervals' payouts,
    one customer's around-me window, and the summary last. O(size of the report)."""
    milestone = result.call("capillary_leaderboard")
    streaks = result.call("capillary_streaks")
    assert milestone is not None and streaks is not None
    season = (
        f"Season so far: {result.milestones_reached:,} weekly milestones reached, "
        f"{result.streaks_achieved:,} streaks achieved, {result.streaks_broken:,} broken"
    )
    kernel = [] if result.kernel is None else [_kernel(result.kernel)]
    return "\n\n".join(
        [
            _header(result),
            *kernel,
            _capillary(milestone, "Capillary leaderboard", "points", "last activity"),
            _capillary(streaks, "Streak leaders", "streak", "last visit") + "\n" + season,
            _payouts(result),
            _around(result),
            result.summary(),
        ]
    )


def render_json(result: DemoResult) -> str:
    """The raw vendor responses, one JSON object per line: the call's name, its request
    (method, path, query), the status and the body, keys in the vendor's order.
    O(size of the responses)."""
    lines = []
    for call in result.calls:
        record = {
            "name": call.name,
            "request": {
                "method": call.request.method,
                "path": call.request.path,
                "query": dict(call.request.query),
            },
            "status": call.response.status,
            "body": call.response.body,
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return "\n".join(lines)
