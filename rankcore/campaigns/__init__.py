"""Rehook-style leaderboard campaigns: recurring intervals, reward brackets and payouts.

The engine drives :class:`~rankcore.campaigns.book.CampaignBook`; users reach it through
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
    CampaignExists,
    CampaignNotFound,
    RehookError,
    SourceNotFound,
)
from rankcore.campaigns.events import IntervalClosed, Payout
from rankcore.campaigns.views import (
    DISPLAY_END_OFFSET,
    PAGE_SIZE,
    AwardResult,
    CampaignEntry,
    CampaignInfo,
    CampaignLeaderboard,
    IntervalInfo,
    IntervalStatus,
)

__all__ = [
    "DISPLAY_END_OFFSET",
    "EVENT_ID_WINDOW",
    "NO_REWARD",
    "PAGE_SIZE",
    "AwardIntervalClosed",
    "AwardIntervalNotStarted",
    "AwardOutsideCampaign",
    "AwardRefused",
    "AwardResult",
    "AwardTooLate",
    "Bracket",
    "CampaignEntry",
    "CampaignExists",
    "CampaignInfo",
    "CampaignLeaderboard",
    "CampaignNotFound",
    "IntervalClosed",
    "IntervalInfo",
    "IntervalStatus",
    "Payout",
    "RehookError",
    "SourceNotFound",
]
