"""A seeded generator of the ids rankcore hands out (campaigns, intervals, badge groups).

Seeded so that replays and simulations produce the same ids every run.
"""

from __future__ import annotations

import random
import string
from typing import Any

__all__ = ["IdGenerator"]

_ALPHANUMERIC = string.ascii_letters + string.digits


class IdGenerator:
    """Deterministic ids from a seed. Not for secrets: ids are guessable by design."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)

    def token(self, prefix: str, length: int) -> str:
        """``prefix`` followed by ``length`` letters and digits, e.g. ``camp_29vfKDh0...``."""
        return prefix + "".join(self._random.choices(_ALPHANUMERIC, k=length))

    def hex(self, length: int) -> str:
        """``length`` lowercase hexadecimal digits, e.g. a 24-digit badge group id."""
        return f"{self._random.getrandbits(4 * length):0{length}x}"

    def reseed(self, seed: str) -> None:
        """Start the sequence afresh from ``seed``: replicas that reseed with the same log
        entry's id generate the same ids whatever they applied before. O(len(seed))."""
        self._random.seed(seed, version=2)

    def getstate(self) -> Any:
        """The generator's state, for snapshots."""
        return self._random.getstate()

    def setstate(self, state: Any) -> None:
        """Restore a state returned by :meth:`getstate`."""
        self._random.setstate(state)
