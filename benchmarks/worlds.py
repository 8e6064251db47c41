"""Seeded worlds for the full-path benchmarks, built through the engine's public API only.

- :func:`loyalty_world`: one org, one target group, one 30-day period, a milestone target
  on ``points`` (and, optionally, a streak target on the same metric, so that one activity
  matches both), ``size`` customers each enrolled by one activity at its own time.
- :func:`campaign_world`: one Rehook application with a daily leaderboard campaign and
  ``size`` participants with points in the open interval.
- :func:`board_world`: a board (operator ``best``, one interval) of ``size`` members, filled
  through :meth:`~rankcore.Engine.submit_many`.
- :func:`rollover_world`: ``size`` customers with streaks and campaign points, one step
  before the end of a period and of the campaign's intervals (see :data:`ROLLOVER_AT`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rankcore import Engine, ManualClock
from rankcore.api import Request
from rankcore.commands import MAX_BATCH

IST = ZoneInfo("Asia/Kolkata")
ORG = 50156
USER = 123
GROUP = 232
PERIOD = 243
MILESTONE = 366
STREAK = 367
APP = 7
CAMPAIGN = "camp_bench"
LEADERBOARD_PATH = "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/"
LOYALTY_START = datetime(2024, 6, 1, tzinfo=IST)
CAMPAIGN_START = datetime(2023, 9, 18, tzinfo=UTC)
BRACKETS = [
    {"position": "1-2", "reward_value": "30"},
    {"position": "3", "reward_value": "10", "min_value": 2},
    {"position": "4-100", "reward_value": "5"},
]


@dataclass
class LoyaltyWorld:
    engine: Engine
    size: int
    entries: list[tuple[int, int, datetime]] = field(default_factory=list)
    """(customer, achieved value, last activity time) of every customer, as built."""

    def customer(self, rng: random.Random) -> int:
        return rng.randrange(1, self.size + 1)

    def page_request(self, size: int = 10) -> Request:
        """Capillary's leaderboard request for the first page of ``size``."""
        query = {"targetId": str(MILESTONE), "pageSize": str(size)}
        return Request("GET", f"{LEADERBOARD_PATH}{GROUP}", ORG, USER, query)


def loyalty_world(
    size: int, *, streak: bool = True, profiles: bool = True, seed: int | None = None
) -> LoyaltyWorld:
    """``size`` customers enrolled (by a first activity) in the milestone target (and the
    streak target), with values in ``[0, 10 * size)`` reached at distinct times."""
    rng = random.Random(size if seed is None else seed)
    clock = ManualClock(LOYALTY_START)
    engine = Engine(clock=clock, seed=1)
    engine.add_org(ORG, "Asia/Kolkata")
    engine.create_target_group(ORG, GROUP, "Target")
    engine.add_period(
        ORG, GROUP, PERIOD, ref_code="target_period", name="PERIOD_G_1",
        start=LOYALTY_START, end=LOYALTY_START + timedelta(days=30),
    )  # fmt: skip
    engine.add_target(
        ORG, GROUP, MILESTONE, name="target1", type="MILESTONE", metric="points",
        value=21000, ties="ordinal",
    )  # fmt: skip
    if streak:
        engine.add_target(
            ORG, GROUP, STREAK, name="streak", type="STREAK", metric="points",
            value=1000, streak_length=3,
        )  # fmt: skip
    first = LOYALTY_START + timedelta(hours=1)
    clock.set(LOYALTY_START + timedelta(days=14))
    world = LoyaltyWorld(engine, size)
    for customer in range(1, size + 1):
        if profiles:
            engine.add_customer(
                ORG, customer, first_name=f"first{customer}", last_name="last",
                mobile=f"91{customer:010d}", email=f"c{customer}@example.com",
            )  # fmt: skip
        else:
            engine.add_customer(ORG, customer)
        value = rng.randrange(10 * size)
        at = first + timedelta(seconds=customer)
        engine.record_activity(ORG, customer, "points", value, at)
        world.entries.append((customer, value, at))
    return world


@dataclass
class CampaignWorld:
    engine: Engine
    size: int
    sources: list[str]

    def leaderboard_request(self, source_id: str) -> Request:
        """Rehook's leaderboard request for page 1 with ``source_id``'s own rank."""
        return Request(
            "GET", f"/campaigns/leaderboards/{CAMPAIGN}", APP, USER, {"source_id": source_id}
        )


def campaign_world(size: int, seed: int | None = None) -> CampaignWorld:
    """A daily campaign whose open interval has ``size`` participants with points in
    ``[0, 10 * size)``, awarded at distinct times."""
    rng = random.Random(size if seed is None else seed)
    clock = ManualClock(CAMPAIGN_START)
    engine = Engine(clock=clock, seed=1)
    engine.add_org(APP, "UTC")
    engine.create_campaign(
        APP, recurrence="daily", start=CAMPAIGN_START,
        end=CAMPAIGN_START + timedelta(days=7), brackets=BRACKETS, campaign_id=CAMPAIGN,
    )  # fmt: skip
    clock.set(CAMPAIGN_START + timedelta(hours=6))
    sources = [f"src-{i}" for i in range(size)]
    for i, source in enumerate(sources):
        at = CAMPAIGN_START + timedelta(microseconds=10 * i)
        engine.award(CAMPAIGN, source, rng.randrange(10 * size), at)
    return CampaignWorld(engine, size, sources)


BOARD = "board_bench"


@dataclass
class BoardWorld:
    engine: Engine
    members: list[str]


def board_world(size: int) -> BoardWorld:
    """Board :data:`BOARD` of org :data:`APP` (operator ``best``, no reset) with ``size``
    members whose scores are in ``[0, 10 * size)``, submitted at distinct times."""
    rng = random.Random(size)
    clock = ManualClock(CAMPAIGN_START)
    engine = Engine(clock=clock, seed=1)
    engine.add_org(APP, "UTC")
    engine.create_board(APP, BOARD, start=CAMPAIGN_START)
    clock.set(CAMPAIGN_START + timedelta(hours=6))
    members = [f"player-{i}" for i in range(size)]
    for first in range(0, size, MAX_BATCH):
        entries = [
            (member, rng.randrange(10 * size), CAMPAIGN_START + timedelta(microseconds=10 * i))
            for i, member in enumerate(members[first : first + MAX_BATCH], first)
        ]
        engine.submit_many(APP, BOARD, entries)
    return BoardWorld(engine, members)


ROLLOVER_START = datetime(2024, 6, 1, tzinfo=IST)
ROLLOVER_AT = ROLLOVER_START + timedelta(days=14)
"""Where :func:`rollover_world` is to be advanced: the end of period 2 and of the campaign."""


def rollover_world(size: int) -> Engine:
    """``size`` customers one step before a rollover.

    Loyalty: two weekly periods and a streak target on ``visits`` (2 a period, 3 periods);
    everyone reached it in period 1, and in period 2 the even customers reached it again
    while the odd ones have 1 visit. Campaign: daily intervals over period 2, all ``size``
    customers with points in its first interval. Advancing to :data:`ROLLOVER_AT` closes
    period 2 (``size / 2`` streaks broken, each put back at 0 on period 2's board) and the
    campaign's seven intervals (the first pays 100 rewards to ``size`` participants).
    """
    rng = random.Random(size)
    clock = ManualClock(ROLLOVER_START)
    engine = Engine(clock=clock, seed=1)
    engine.add_org(ORG, "Asia/Kolkata")
    engine.create_target_group(ORG, GROUP, "Weekly")
    for week in range(2):
        start = ROLLOVER_START + timedelta(days=7 * week)
        engine.add_period(
            ORG, GROUP, PERIOD + week, ref_code=f"week{week + 1}", name=f"WEEK_{week + 1}",
            start=start, end=start + timedelta(days=7),
        )  # fmt: skip
    engine.add_target(
        ORG, GROUP, STREAK, name="visits", type="STREAK", metric="visits", value=2,
        streak_length=3,
    )  # fmt: skip
    week2 = ROLLOVER_START + timedelta(days=7)
    engine.create_campaign(
        ORG, recurrence="daily", start=week2, end=ROLLOVER_AT, brackets=BRACKETS,
        campaign_id=CAMPAIGN,
    )  # fmt: skip
    clock.set(ROLLOVER_START + timedelta(days=6))
    for customer in range(1, size + 1):
        engine.add_customer(ORG, customer)
        at = ROLLOVER_START + timedelta(seconds=customer)
        engine.record_activity(ORG, customer, "visits", 2, at)
    engine.advance_to(week2 + timedelta(hours=12))
    for customer in range(1, size + 1):
        at = week2 + timedelta(seconds=customer % 40_000)
        engine.record_activity(ORG, customer, "visits", 2 if customer % 2 == 0 else 1, at)
        engine.award(CAMPAIGN, f"src-{customer}", rng.randrange(10 * size), at)
    return engine
