"""Events of the loyalty domain, returned by the domain and published by the engine."""

from __future__ import annotations

from datetime import datetime

import attrs

from rankcore.ranking.standing import Score

__all__ = ["MilestoneReached", "StreakAchieved", "StreakBroken"]


@attrs.frozen
class MilestoneReached:
    """A customer's achieved value reached a milestone's target value in a period.

    Published once per customer, target and period. ``at`` is the time of the activity that
    reached it (or the enrollment time, when an initial balance reached it).
    """

    org: int
    target_group_id: int
    target_id: int
    period_id: int
    customer_id: int
    value: Score
    at: datetime


@attrs.frozen
class StreakAchieved:
    """A customer's streak count reached the target's ``streak_length``.

    ``period_id`` is the period whose total completed it; ``at`` the activity's time.
    """

    org: int
    target_group_id: int
    target_id: int
    period_id: int
    customer_id: int
    count: int
    at: datetime


@attrs.frozen
class StreakBroken:
    """A period closed without the customer reaching the target: its streak reset to 0.

    ``count`` is the streak count before the reset; ``at`` the end of the period.
    """

    org: int
    target_group_id: int
    target_id: int
    period_id: int
    customer_id: int
    count: int
    at: datetime
