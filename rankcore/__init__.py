"""rankcore: an embeddable leaderboard engine.

The public surface is re-exported here; everything else is an implementation detail.
"""

from __future__ import annotations

from rankcore.engine import Engine
from rankcore.errors import (
    InvalidArgument,
    InvalidArgumentType,
    MemberNotFound,
    RankcoreError,
    ScoreTypeError,
    ScoreValueError,
    VendorError,
)
from rankcore.ranking.leaderboard import Leaderboard
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score, Standing
from rankcore.tenancy import Org
from rankcore.timeline.clock import Clock, ManualClock, SystemClock

__version__ = "0.1.0"

__all__ = [
    "Clock",
    "Engine",
    "InvalidArgument",
    "InvalidArgumentType",
    "Leaderboard",
    "ManualClock",
    "MemberNotFound",
    "Order",
    "Org",
    "RankcoreError",
    "Score",
    "ScoreTypeError",
    "ScoreValueError",
    "Standing",
    "SystemClock",
    "TiePolicy",
    "VendorError",
    "__version__",
]
