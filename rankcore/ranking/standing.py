"""The immutable answer to "where does this member stand"."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import TYPE_CHECKING, Generic

import attrs

__all__ = ["M", "Score", "Standing"]

if TYPE_CHECKING:
    # A default (PEP 696) makes a bare ``Standing`` or ``Leaderboard`` mean ``[Hashable]``.
    # ``typing.TypeVar`` takes ``default`` only from Python 3.13, so it is a type-checking
    # matter here: at run time the bound is all there is.
    from typing_extensions import TypeVar

    M = TypeVar("M", bound=Hashable, default=Hashable)
else:
    from typing import TypeVar

    M = TypeVar("M", bound=Hashable)
"""The member type of a board (``Leaderboard[str]``); ``Hashable`` when not given."""

Score = int | float
"""A score: an ``int`` (at most 2**53 in magnitude) or a finite ``float``."""


@attrs.frozen(slots=True)
class Standing(Generic[M]):
    """A member's place on a leaderboard at the moment it was read.

    ``reached_at`` is when the member reached its current score (``None`` when the write
    that reached it gave no time): as the write gave it, or in UTC when read back.
    ``rank`` follows the board's tie policy.
    """

    member: M
    score: Score
    rank: int
    reached_at: datetime | None = None
