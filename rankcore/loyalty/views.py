"""The immutable answers of the loyalty domain's queries and writes.

A router turns these into vendor JSON; they hold everything the vendor shapes need and
nothing vendor-specific.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import attrs

from rankcore.batch import BatchOutcome
from rankcore.loyalty.customers import CustomerProfile
from rankcore.loyalty.periods import Period
from rankcore.loyalty.targets import TargetType
from rankcore.ranking.standing import Score

__all__ = [
    "ActivityResult",
    "BatchResult",
    "EnrollmentStatus",
    "MilestoneProgress",
    "RankingEntry",
    "StreakProgress",
    "TargetLeaderboard",
    "TargetUpdate",
    "UserRanking",
]


@attrs.frozen
class TargetUpdate:
    """What one activity did to one target.

    ``achieved_value`` is the customer's total in the period; ``streak_count`` is the
    streak count afterwards (``None`` for milestones).
    """

    target_id: int
    period_id: int
    achieved_value: Score
    streak_count: int | None = None


@attrs.frozen
class ActivityResult:
    """The outcome of recording one activity.

    ``duplicate`` is true when its ``event_id`` had been recorded before (nothing changed).
    ``updates`` lists each target it counted towards, in target creation order.
    """

    duplicate: bool
    updates: tuple[TargetUpdate, ...] = ()


class BatchResult(BatchOutcome[ActivityResult]):
    """What a batch of activities did (see :meth:`~rankcore.Engine.record_activities`).

    ``results[i]`` is the :class:`~rankcore.loyalty.ActivityResult` of activity ``i`` (its
    ``duplicate`` flag set for a repeated event id), or ``None`` if it was refused;
    ``refusals`` lists ``(position, error)`` for every refused activity, in batch order. The
    other activities were applied as if recorded one by one in batch order; ``counted``,
    ``duplicates`` and ``changed`` count them.
    """

    __slots__ = ()


@attrs.frozen
class EnrollmentStatus:
    """A customer's enrollment in a target after an enroll or unenroll.

    ``period_id`` is the milestone period concerned (``None`` for streaks); ``value`` the
    achieved value (milestones) or the streak count (streaks); ``reenrolled`` whether the
    customer had been enrolled before.
    """

    org: int
    target_group_id: int
    target_id: int
    customer_id: int
    period_id: int | None
    enrolled: bool
    value: Score
    reenrolled: bool = False


@attrs.frozen
class MilestoneProgress:
    """A customer's progress on a milestone in one period.

    ``enrolled`` is false both for customers never enrolled and for unenrolled ones
    (``known`` tells them apart). ``reached`` stays true once the value was reached.
    """

    target_id: int
    period_id: int
    customer_id: int
    known: bool
    enrolled: bool
    value: Score
    reached: bool
    last_activity_at: datetime | None


@attrs.frozen
class StreakProgress:
    """A customer's progress on a streak.

    ``count`` is the current streak count; ``period_id``/``period_total``/``period_reached``
    describe the latest period in which the customer had activity (``None``/0/false if none).
    """

    target_id: int
    customer_id: int
    known: bool
    enrolled: bool
    count: int
    achieved: bool
    period_id: int | None
    period_total: Score
    period_reached: bool


@attrs.frozen
class RankingEntry:
    """One customer's row on a target leaderboard.

    ``achieved_value`` is the total in the period (the streak count for streaks);
    ``last_activity_at`` the time of its last counted activity on that target in that
    period, in the org's time zone (``None`` if it was enrolled without activity).
    """

    rank: int
    customer_id: int
    achieved_value: Score
    last_activity_at: datetime | None
    profile: CustomerProfile


@attrs.frozen
class TargetLeaderboard:
    """A page of one (target, period) leaderboard, with everything Capillary reports.

    ``offset`` counts entries from 0; ``total`` is the number of customers on the board.
    ``last_sync_time`` is when the board last changed, or the query time if it never has;
    it and every ``last_activity_at`` are expressed in ``zone``, the owning org's zone.
    """

    org: int
    zone: ZoneInfo
    target_group_id: int
    target_group_name: str
    period: Period
    target_id: int
    target_name: str
    target_type: TargetType
    offset: int
    limit: int
    total: int
    last_sync_time: datetime
    rankings: tuple[RankingEntry, ...]


@attrs.frozen
class UserRanking:
    """A customer's place on one (target, period) leaderboard, for the user-ranks read.

    ``last_activity_at`` is in the owning org's zone (``None``: enrolled without activity);
    ``changed_at`` is when that board last changed.
    """

    org: int
    target_group_id: int
    target_group_name: str
    period: Period
    target_id: int
    target_name: str
    rank: int
    achieved_value: Score
    last_activity_at: datetime | None
    changed_at: datetime | None
