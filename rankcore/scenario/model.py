"""A scenario as checked, immutable values: the world to build and the timed steps to run.

:func:`rankcore.scenario.load` produces these from a JSON document; the replayer consumes
them. Every value here has already been validated, so building and running never meet a
malformed field. See ``docs/scenarios.md`` for the file format.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from rankcore.campaigns.brackets import Bracket
from rankcore.campaigns.views import Operator
from rankcore.errors import InvalidArgument
from rankcore.loyalty.targets import EnrollmentMode, TargetType
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.timeline.recurrence import Recurrence

__all__ = [
    "FORMAT",
    "Action",
    "Activity",
    "BoardSpec",
    "Call",
    "CampaignSpec",
    "CustomerSpec",
    "Join",
    "OrgSpec",
    "PeriodSpec",
    "Points",
    "Scenario",
    "ScenarioError",
    "Step",
    "Submit",
    "TargetGroupSpec",
    "TargetSpec",
    "Tick",
]

FORMAT: Final = "rankcore.scenario/1"
"""The value of a scenario's ``format`` field that this version reads."""


class ScenarioError(InvalidArgument):
    """A scenario that cannot be loaded or built: ``where`` names the place (such as
    ``steps[3].activity.value``, or ``""`` for the document as a whole) and ``problem`` says
    what is wrong with it."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem)


# -- the world ---------------------------------------------------------------------------------


@attrs.frozen
class OrgSpec:
    """An organisation (or a Rehook application): id, IANA time zone, links."""

    id: int
    timezone: str
    leaderboards: bool = True
    connected: tuple[int, ...] = ()


@attrs.frozen
class CustomerSpec:
    """A customer of ``org`` with its profile (``None``: never captured).

    ``count`` > 1 registers ``count`` customers with consecutive ids from ``id``, each with
    the same profile.
    """

    org: int
    id: int
    first_name: str | None = None
    last_name: str | None = None
    mobile: str | None = None
    email: str | None = None
    gender: str | None = None
    birthday: str | None = None
    anniversary: str | None = None
    count: int = 1


@attrs.frozen
class PeriodSpec:
    """A period ``[start, end)`` of a target group."""

    id: int
    ref_code: str
    name: str
    start: datetime
    end: datetime


@attrs.frozen
class TargetSpec:
    """A milestone or streak target of a target group."""

    id: int
    name: str
    type: TargetType
    metric: str
    value: Score
    streak_length: int | None = None
    leaderboard: bool = True
    ties: TiePolicy = TiePolicy.COMPETITION
    enrollment: EnrollmentMode = EnrollmentMode.AUTO
    order: Order = Order.DESC


@attrs.frozen
class TargetGroupSpec:
    """A target group of ``org`` with its periods and targets."""

    org: int
    id: int
    name: str
    active: bool = True
    leaderboard: bool = True
    periods: tuple[PeriodSpec, ...] = ()
    targets: tuple[TargetSpec, ...] = ()


@attrs.frozen
class CampaignSpec:
    """A Rehook leaderboard campaign of ``org``.

    ``activity_ids``, when given, are the ids its intervals get, in order (the engine
    generates ids for the intervals after them).
    """

    org: int
    id: str
    recurrence: Recurrence
    start: datetime
    end: datetime
    reward_brackets: tuple[Bracket, ...] = ()
    ties: TiePolicy = TiePolicy.COMPETITION
    order: Order = Order.DESC
    activity_ids: tuple[str, ...] = ()


@attrs.frozen
class BoardSpec:
    """A named board of ``org`` (a tournament; see ``docs/tournaments.md``).

    ``reset`` is the text :meth:`rankcore.timeline.reset.Reset.parse` reads (``None``: one
    interval); ``grace`` is in seconds; ``start`` defaults to the scenario's start and
    ``end`` to never.
    """

    org: int
    id: str
    order: Order = Order.DESC
    ties: TiePolicy = TiePolicy.COMPETITION
    subscore: Order | None = None
    operator: Operator = Operator.BEST
    reset: str | None = None
    reward_brackets: tuple[Bracket, ...] = ()
    join_required: bool = False
    capacity: int | None = None
    max_submissions: int | None = None
    grace: float = 0
    start: datetime | None = None
    end: datetime | None = None
    retention: int | None = None


# -- the steps ---------------------------------------------------------------------------------


@attrs.frozen
class Activity:
    """Record ``value`` of ``metric`` for customer ``customer`` of ``org``.

    ``count`` > 1 records it for ``count`` customers with consecutive ids from ``customer``;
    their event ids (when ``event_id`` is given) are ``"<event_id>-<k>"`` for k from 0.
    """

    org: int
    customer: int
    metric: str
    value: Score
    event_id: str | int | None = None
    count: int = 1


@attrs.frozen
class Points:
    """Award ``points`` to ``source_id`` in campaign ``campaign``."""

    campaign: str
    source_id: str
    points: Score
    event_id: str | None = None


@attrs.frozen
class Submit:
    """Submit ``score`` (and ``subscore``) for ``member`` on board ``board`` of ``org``, under
    the board's operator, at the step's time. ``meta``: a JSON value kept with the entry."""

    org: int
    board: str
    member: str
    score: Score
    subscore: Score | None = None
    meta: Any = None
    event_id: str | int | None = None


@attrs.frozen
class Join:
    """Enter ``member`` in the current interval of board ``board`` of ``org``."""

    org: int
    board: str
    member: str


@attrs.frozen
class Tick:
    """Only move the clock, closing whatever is due."""


@attrs.frozen
class Call:
    """A request to the vendor API router, made by principal ``org`` / ``user``.

    ``id``, when given, is the id the engine hands out to what this request creates (a badge
    group, say) instead of a generated one.
    """

    org: int
    user: int
    method: str
    path: str
    query: Mapping[str, str] = attrs.field(factory=dict)
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: Any = None
    id: str | None = None


Action = Activity | Points | Tick | Call | Submit | Join
"""What a step does."""


@attrs.frozen
class Step:
    """One step: at time ``at``, do ``action``. ``index`` is its position in ``steps``."""

    index: int
    at: datetime
    action: Action
    note: str | None = None

    @property
    def kind(self) -> str:
        """The step's kind as the file names it: activity, points, tick, request, submit or
        join. O(1)."""
        return _KIND_NAMES[type(self.action)]


_KIND_NAMES: Final[dict[type, str]] = {
    Activity: "activity",
    Points: "points",
    Tick: "tick",
    Call: "request",
    Submit: "submit",
    Join: "join",
}


@attrs.frozen
class Scenario:
    """A checked scenario: the world at ``start`` and the steps to run in order.

    ``seed`` seeds the engine's id generator, so a replay is reproducible.
    """

    start: datetime
    orgs: tuple[OrgSpec, ...] = ()
    customers: tuple[CustomerSpec, ...] = ()
    target_groups: tuple[TargetGroupSpec, ...] = ()
    campaigns: tuple[CampaignSpec, ...] = ()
    steps: tuple[Step, ...] = ()
    seed: int = 0
    description: str | None = None
    format: str = FORMAT
    boards: tuple[BoardSpec, ...] = ()
