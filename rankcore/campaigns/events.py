"""Events the campaigns domain publishes through the engine."""

from __future__ import annotations

from datetime import datetime

import attrs

from rankcore.ranking.standing import Score
from rankcore.timeline.recurrence import Recurrence

__all__ = ["IntervalClosed", "Payout"]


@attrs.frozen(slots=True)
class Payout:
    """One participant's reward when an interval closed.

    ``rank`` is the competition rank the reward was decided on (whatever the campaign's
    display tie policy); ``points`` the participant's final score in the interval.
    """

    source_id: str
    rank: int
    points: Score
    reward_value: str


@attrs.frozen(slots=True)
class IntervalClosed:
    """An interval of a campaign ended: its standings are frozen and its rewards final.

    ``payouts`` lists every participant who earned a bracket, in rank order (the listing order
    of the leaderboard); participants who earned nothing are not listed. ``final`` is true for
    the campaign's last interval. Intervals close in the order they end, across campaigns.
    """

    campaign_id: str
    org: int
    activity_id: str
    recurrence: Recurrence
    sequence: int
    start: datetime
    end: datetime
    participants: int
    payouts: tuple[Payout, ...]
    final: bool
