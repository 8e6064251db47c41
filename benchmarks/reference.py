"""The bare reference: the fastest leaderboard plain Python and sortedcontainers allow.

A dict of member -> (-score, seq) and a SortedList of those tuples, in a few lines. It has
none of rankcore's semantics (no reached-at times, one tie policy, no validation); rankcore's
kernel is measured against it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from sortedcontainers import SortedList


class BareReference:
    def __init__(self) -> None:
        self.keys: dict[Hashable, tuple[float, int]] = {}
        self.sorted = SortedList()
        self.seq = 0

    def load(self, entries: Iterable[tuple[Hashable, float]]) -> None:
        for member, score in entries:
            self.seq += 1
            self.keys[member] = (-score, self.seq)
        self.sorted.update(self.keys.values())

    def incr(self, member: Hashable, delta: float) -> int:
        """Add ``delta`` and return the member's competition rank."""
        old = self.keys.get(member)
        score = delta
        if old is not None:
            self.sorted.remove(old)
            score -= old[0]
        self.seq += 1
        key = self.keys[member] = (-score, self.seq)
        self.sorted.add(key)
        return int(self.sorted.bisect_left((-score,))) + 1
