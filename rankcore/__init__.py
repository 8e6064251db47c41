"""rankcore: an embeddable leaderboard engine.

The public surface is re-exported here; everything else is an implementation detail.
"""

from __future__ import annotations

from rankcore.campaigns import (
    AwardIntervalClosed,
    AwardIntervalNotStarted,
    AwardOutsideCampaign,
    AwardRefused,
    AwardResult,
    AwardTooLate,
    Bracket,
    CampaignEntry,
    CampaignExists,
    CampaignInfo,
    CampaignLeaderboard,
    CampaignNotFound,
    IntervalClosed,
    IntervalInfo,
    IntervalStatus,
    Payout,
    RehookError,
    SourceNotFound,
)
from rankcore.engine import Engine
from rankcore.errors import (
    ClockError,
    EventIdConflict,
    InvalidArgument,
    InvalidArgumentType,
    MemberNotFound,
    RankcoreError,
    ScoreTypeError,
    ScoreValueError,
    VendorError,
)
from rankcore.loyalty import (
    NOT_CAPTURED,
    BadgeGroup,
    CustomerProfile,
    EnrollmentMode,
    LoyaltyError,
    MilestoneReached,
    PeriodClosed,
    Scope,
    ScopeKind,
    StreakAchieved,
    StreakBroken,
    TargetLeaderboard,
    TargetType,
)
from rankcore.persistence.errors import (
    JournalCorrupted,
    JournalError,
    JournalLocked,
    LogUnavailable,
    PersistenceError,
    SnapshotCorrupted,
    SnapshotError,
    SnapshotVersionError,
)
from rankcore.persistence.journal import FsyncPolicy, RecoveryReport
from rankcore.ranking.leaderboard import Leaderboard, Page
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score, Standing
from rankcore.tenancy import Org
from rankcore.timeline.clock import Clock, ManualClock, SystemClock
from rankcore.timeline.recurrence import Interval, Recurrence, Schedule

__version__ = "0.1.0"

__all__ = [
    "NOT_CAPTURED",
    "AwardIntervalClosed",
    "AwardIntervalNotStarted",
    "AwardOutsideCampaign",
    "AwardRefused",
    "AwardResult",
    "AwardTooLate",
    "BadgeGroup",
    "Bracket",
    "CampaignEntry",
    "CampaignExists",
    "CampaignInfo",
    "CampaignLeaderboard",
    "CampaignNotFound",
    "Clock",
    "ClockError",
    "CustomerProfile",
    "Engine",
    "EnrollmentMode",
    "EventIdConflict",
    "FsyncPolicy",
    "Interval",
    "IntervalClosed",
    "IntervalInfo",
    "IntervalStatus",
    "InvalidArgument",
    "InvalidArgumentType",
    "JournalCorrupted",
    "JournalError",
    "JournalLocked",
    "Leaderboard",
    "LogUnavailable",
    "LoyaltyError",
    "ManualClock",
    "MemberNotFound",
    "MilestoneReached",
    "Order",
    "Org",
    "Page",
    "Payout",
    "PeriodClosed",
    "PersistenceError",
    "RankcoreError",
    "RecoveryReport",
    "Recurrence",
    "RehookError",
    "Schedule",
    "Scope",
    "ScopeKind",
    "Score",
    "ScoreTypeError",
    "ScoreValueError",
    "SnapshotCorrupted",
    "SnapshotError",
    "SnapshotVersionError",
    "SourceNotFound",
    "Standing",
    "StreakAchieved",
    "StreakBroken",
    "SystemClock",
    "TargetLeaderboard",
    "TargetType",
    "TiePolicy",
    "VendorError",
    "__version__",
]
