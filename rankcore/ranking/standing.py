"""The immutable answer to "where does this member stand"."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime

import attrs

__all__ = ["Score", "Standing"]

Score = int | float
"""A score: an ``int`` (at most 2**53 in magnitude) or a finite ``float``."""


@attrs.frozen(slots=True)
class Standing:
    """A member's place on a leaderboard at the moment it was read.

    ``reached_at`` is when the member reached its current score (``None`` when the write
    that reached it gave no time): as the write gave it, or in UTC when read back.
    ``rank`` follows the board's tie policy.
    """

    member: Hashable
    score: Score
    rank: int
    reached_at: datetime | None = None
