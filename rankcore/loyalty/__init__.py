"""The Capillary-style loyalty domain: data scopes, customers, target groups with periods,
milestone and streak targets, enrollments, per-period leaderboards and badge groups.

See ``docs/loyalty.md`` for the rules. The engine exposes this domain through its methods;
the names here are the values and errors those methods take and return.
"""

from __future__ import annotations

from rankcore.loyalty.badges import BadgeGroup
from rankcore.loyalty.customers import NOT_CAPTURED, PROFILE_FIELDS, Customer, CustomerProfile
from rankcore.loyalty.errors import (
    AlreadyEnrolled,
    BadgeGroupNameTaken,
    BadgeGroupRankMissing,
    ConnectedOrgsNotSet,
    CustomerNotFound,
    InvalidInput,
    LeaderboardNotEnabled,
    LeaderboardsNotEnabled,
    LoyaltyError,
    NotEnrolled,
    PeriodClosed,
    ScopeAllNotSupported,
    TargetGroupNotFound,
    TargetNotFound,
    TargetNotInGroup,
    TargetPeriodNotFound,
    TargetPeriodNotFoundForTarget,
)
from rankcore.loyalty.events import MilestoneReached, StreakAchieved, StreakBroken
from rankcore.loyalty.periods import Period
from rankcore.loyalty.scope import Scope, ScopeKind, resolve_scope
from rankcore.loyalty.targets import EnrollmentMode, Target, TargetGroup, TargetType
from rankcore.loyalty.views import (
    ActivityResult,
    EnrollmentStatus,
    MilestoneProgress,
    RankingEntry,
    StreakProgress,
    TargetLeaderboard,
    TargetUpdate,
)

__all__ = [
    "NOT_CAPTURED",
    "PROFILE_FIELDS",
    "ActivityResult",
    "AlreadyEnrolled",
    "BadgeGroup",
    "BadgeGroupNameTaken",
    "BadgeGroupRankMissing",
    "ConnectedOrgsNotSet",
    "Customer",
    "CustomerNotFound",
    "CustomerProfile",
    "EnrollmentMode",
    "EnrollmentStatus",
    "InvalidInput",
    "LeaderboardNotEnabled",
    "LeaderboardsNotEnabled",
    "LoyaltyError",
    "MilestoneProgress",
    "MilestoneReached",
    "NotEnrolled",
    "Period",
    "PeriodClosed",
    "RankingEntry",
    "Scope",
    "ScopeAllNotSupported",
    "ScopeKind",
    "StreakAchieved",
    "StreakBroken",
    "StreakProgress",
    "Target",
    "TargetGroup",
    "TargetGroupNotFound",
    "TargetLeaderboard",
    "TargetNotFound",
    "TargetNotInGroup",
    "TargetPeriodNotFound",
    "TargetPeriodNotFoundForTarget",
    "TargetType",
    "TargetUpdate",
    "resolve_scope",
]
