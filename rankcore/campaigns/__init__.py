"""Boards: named, optionally recurring leaderboards of an org (tournaments), with intervals,
reward brackets and payouts. A Rehook-style leaderboard campaign is a board too.

The engine drives :class:`~rankcore.campaigns.book.BoardBook`; users reach it through
:class:`rankcore.Engine` and get back the value objects exported here.
"""

from __future__ import annotations

from rankcore.campaigns.brackets import NO_REWARD, Bracket
from rankcore.campaigns.campaign import EVENT_ID_WINDOW
from rankcore.campaigns.errors import (
    AwardIntervalClosed,
    AwardIntervalNotStarted,
    AwardOutsideCampaign,
    AwardRefused,
    AwardTooLate,
    BoardError,
    BoardExists,
    BoardFull,
    BoardNotFound,
    CampaignExists,
    CampaignNotFound,
    NotJoined,
    RehookError,
    SourceNotFound,
    SubmissionLimit,
)
from rankcore.campaigns.events import IntervalClosed, Payout
from rankcore.campaigns.views import (
    DISPLAY_END_OFFSET,
    PAGE_SIZE,
    AwardBatchResult,
    AwardResult,
    BoardInfo,
    BoardInterval,
    BoardStanding,
    CampaignEntry,
    CampaignInfo,
    CampaignLeaderboard,
    IntervalInfo,
    IntervalStatus,
    Operator,
    SubmitResult,
)

__all__ = [
    "DISPLAY_END_OFFSET",
    "EVENT_ID_WINDOW",
    "NO_REWARD",
    "PAGE_SIZE",
    "AwardBatchResult",
    "AwardIntervalClosed",
    "AwardIntervalNotStarted",
    "AwardOutsideCampaign",
    "AwardRefused",
    "AwardResult",
    "AwardTooLate",
    "BoardError",
    "BoardExists",
    "BoardFull",
    "BoardInfo",
    "BoardInterval",
    "BoardNotFound",
    "BoardStanding",
    "Bracket",
    "CampaignEntry",
    "CampaignExists",
    "CampaignInfo",
    "CampaignLeaderboard",
    "CampaignNotFound",
    "IntervalClosed",
    "IntervalInfo",
    "IntervalStatus",
    "NotJoined",
    "Operator",
    "Payout",
    "RehookError",
    "SourceNotFound",
    "SubmissionLimit",
    "SubmitResult",
]
