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
        self._seed: str | None = None  # a reseed not yet done (most entries make no id)

    def _generator(self) -> random.Random:
        if self._seed is not None:
            self._random.seed(self._seed, version=2)
            self._seed = None
        return self._random

    def token(self, prefix: str, length: int) -> str:
        """``prefix`` followed by ``length`` letters and digits, e.g. ``camp_29vfKDh0...``."""
        return prefix + "".join(self._generator().choices(_ALPHANUMERIC, k=length))

    def hex(self, length: int) -> str:
        """``length`` lowercase hexadecimal digits, e.g. a 24-digit badge group id."""
        return f"{self._generator().getrandbits(4 * length):0{length}x}"

    def reseed(self, seed: str) -> None:
        """Start the sequence afresh from ``seed``: replicas that reseed with the same log
        entry's id generate the same ids whatever they applied before. O(1): the seeding
        (a hash of ``seed``) happens when the next id is made, if one is."""
        self._seed = seed

    def getstate(self) -> Any:
        """The generator's state, for snapshots."""
        return self._generator().getstate()

    def setstate(self, state: Any) -> None:
        """Restore a state returned by :meth:`getstate`."""
        self._seed = None
        self._random.setstate(state)
