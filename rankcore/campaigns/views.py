"""Immutable answers to board and campaign queries.

The campaign views are shaped for the Rehook leaderboard response (the request router turns
them into Rehook's JSON; nothing here builds JSON); the board views serve every board.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from rankcore.batch import BatchOutcome
from rankcore.campaigns.brackets import Bracket
from rankcore.errors import RankcoreError
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score, Standing
from rankcore.timeline.recurrence import Recurrence
from rankcore.validate import Choice

__all__ = [
    "DISPLAY_END_OFFSET",
    "PAGE_SIZE",
    "AwardBatchResult",
    "AwardResult",
    "BoardInfo",
    "BoardInterval",
    "BoardStanding",
    "CampaignEntry",
    "CampaignInfo",
    "CampaignLeaderboard",
    "IntervalInfo",
    "IntervalStatus",
    "Operator",
    "SubmitResult",
]

PAGE_SIZE: Final = 20
"""Entries per page of a campaign leaderboard, as in Rehook."""

DISPLAY_END_OFFSET: Final = timedelta(seconds=1, microseconds=1)
"""How much earlier than an interval's (exclusive) end Rehook prints its ``end_date_time``.

Rehook's sample interval ends at local midnight in India, 18:30:00Z, and is printed as
``2023-09-18T18:29:58.999999Z``: one second and one microsecond earlier.
"""


class IntervalStatus(enum.Enum):
    """Whether an interval still takes points."""

    ACTIVE = "active"
    INACTIVE = "inactive"


@attrs.frozen(slots=True)
class CampaignInfo:
    """A campaign's settings. ``zone`` is its tenant's time zone, which sets the calendar."""

    id: str
    org: int
    recurrence: Recurrence
    start: datetime
    end: datetime
    zone: ZoneInfo
    brackets: tuple[Bracket, ...]
    order: Order
    ties: TiePolicy
    retention: int | None


@attrs.frozen(slots=True)
class IntervalInfo:
    """One interval of a campaign ("past leaderboard interval" in Rehook).

    ``sequence`` is Rehook's ``recurrence_type_value`` (from 1). ``[start, end)`` is
    half-open; :attr:`display_end` is the end as Rehook prints it. ``status`` is active
    while the interval takes points; once inactive, ``reward_given`` is true.
    """

    campaign_id: str
    activity_id: str
    recurrence: Recurrence
    sequence: int
    start: datetime
    end: datetime
    status: IntervalStatus
    reward_given: bool
    participants: int

    @property
    def display_end(self) -> datetime:
        """``end`` minus :data:`DISPLAY_END_OFFSET`, as Rehook's ``end_date_time``. O(1)."""
        return self.end - DISPLAY_END_OFFSET


@attrs.frozen(slots=True)
class CampaignEntry:
    """One participant in one interval: ``rank`` under the campaign's tie policy, ``points``,
    and ``reward`` (the bracket's ``reward_value`` by competition rank, or ``"0"``); the reward
    is potential while the interval is active and given once it is inactive."""

    source_id: str
    rank: int
    points: Score
    reward: str


@attrs.frozen(slots=True)
class CampaignLeaderboard:
    """Everything Rehook's leaderboard response shows, read at one moment.

    ``interval`` is the interval shown: the one named by ``activity_id``, else the active one
    (or the last one after the campaign ended). It is ``None`` when ``activity_id`` names no
    retained interval, or the campaign has not started; then ``entries`` is empty and
    ``participants`` is 0. ``me`` is the asked-for participant's entry, ``None`` when they
    have no points in that interval (or none was asked for). ``intervals`` lists every
    retained interval, oldest first, the active one included.
    """

    campaign: CampaignInfo
    interval: IntervalInfo | None
    intervals: tuple[IntervalInfo, ...]
    participants: int
    reward_given: bool
    page: int
    entries: tuple[CampaignEntry, ...]
    me: CampaignEntry | None


@attrs.frozen(slots=True)
class AwardResult:
    """The outcome of awarding points.

    ``duplicate`` is true when the award's ``event_id`` had already been counted for this
    campaign: nothing changed. ``standing`` is the participant's standing (rank under the
    campaign's tie policy) in the interval the points landed in, after the award; for a
    duplicate, the standing of the original event's participant in the original interval
    (``None`` if retention has dropped it).
    """

    campaign_id: str
    source_id: str
    activity_id: str | None
    sequence: int | None
    duplicate: bool
    standing: Standing[Any] | None


class AwardBatchResult(BatchOutcome[AwardResult]):
    """The outcome of :meth:`~rankcore.Engine.award_many`: ``results`` by position (what
    :meth:`~rankcore.Engine.award` would have answered for that award, after the ones before
    it; ``None`` where it was refused) and ``refusals``, the ``(position, error)`` of every
    refused award, in batch order; ``counted``, ``duplicates`` and ``changed`` count them."""

    __slots__ = ()


class Operator(Choice):
    """How a board combines a member's submissions in one interval."""

    BEST = "best"
    """Keep the better of the old and the new score (under the board's order)."""
    SET = "set"
    """The new score replaces the old one."""
    INCR = "incr"
    """The new score is added to the old one (a campaign's points)."""


@attrs.frozen(slots=True)
class BoardInfo:
    """A board's settings (see :meth:`~rankcore.Engine.create_board`).

    ``reset`` is the text of the board's reset schedule (``None``: one interval from
    ``start`` to ``end``; ``end`` ``None``: open-ended). ``campaign`` is true for a board
    made by :meth:`~rankcore.Engine.create_campaign`.
    """

    id: str
    org: int
    order: Order
    ties: TiePolicy
    subscore: Order | None
    operator: Operator
    reset: str | None
    start: datetime
    end: datetime | None
    zone: ZoneInfo
    brackets: tuple[Bracket, ...]
    join_required: bool
    capacity: int | None
    max_submissions: int | None
    grace: timedelta
    retention: int | None
    campaign: bool


@attrs.frozen(slots=True)
class BoardInterval:
    """One interval of a board: ``[start, end)``, ``sequence`` from 1, ``status`` (active
    while it takes submissions, its grace included), ``participants`` (members with a score)
    and ``joined`` (members who joined it, on a board that needs joining)."""

    board_id: str
    activity_id: str
    sequence: int
    start: datetime
    end: datetime
    status: IntervalStatus
    reward_given: bool
    participants: int
    joined: int


@attrs.frozen(slots=True)
class BoardStanding(Standing[str]):
    """A member's standing on a board: a :class:`~rankcore.Standing` with ``submissions``,
    the number of submissions the member made in the interval."""

    submissions: int = 0


@attrs.frozen(slots=True)
class SubmitResult:
    """The outcome of :meth:`~rankcore.Engine.submit_many`: ``standings`` by position (the
    member's standing after its entry, ``None`` where the entry was refused) and
    ``refusals``, the ``(position, error)`` of every refused entry, in order."""

    standings: tuple[Standing[str] | None, ...]
    refusals: tuple[tuple[int, RankcoreError], ...]

    @property
    def applied(self) -> int:
        """How many entries were applied (duplicates included). O(1)."""
        return len(self.standings) - len(self.refusals)
