"""Events the boards domain (tournaments and campaigns) publishes through the engine."""

from __future__ import annotations

from datetime import datetime

import attrs

from rankcore.ranking.standing import Score
from rankcore.timeline.recurrence import Recurrence

__all__ = ["IntervalClosed", "Payout"]


@attrs.frozen(slots=True)
class Payout:
    """One participant's reward when an interval closed (``source_id`` is the member).

    ``rank`` is the competition rank the reward was decided on (whatever the campaign's
    display tie policy); ``points`` the participant's final score in the interval.
    """

    source_id: str
    rank: int
    points: Score
    reward_value: str


@attrs.frozen(slots=True)
class IntervalClosed:
    """An interval of a board (a campaign or a tournament) closed: its standings are frozen
    and its rewards final.

    ``campaign_id`` and ``board_id`` both name the board. ``payouts`` lists every participant
    who earned a bracket, in rank order (the listing order of the leaderboard); participants
    who earned nothing are not listed. ``final`` is true for the board's last interval (or the
    one :meth:`~rankcore.Engine.end_board` closed). ``recurrence`` is the board's calendar
    recurrence, ``None`` for a board whose reset is another kind of schedule (``reset`` holds
    its text). Intervals close in the order they close (their end, plus the board's grace),
    across boards.
    """

    campaign_id: str
    org: int
    activity_id: str
    recurrence: Recurrence | None
    sequence: int
    start: datetime
    end: datetime
    participants: int
    payouts: tuple[Payout, ...]
    final: bool
    board_id: str = attrs.field(
        default=attrs.Factory(lambda self: self.campaign_id, takes_self=True)
    )
    reset: str | None = None
