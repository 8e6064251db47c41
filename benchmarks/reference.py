"""The bare reference: the fastest leaderboard plain Python and sortedcontainers allow.

:class:`BareReference` is a dict of member -> (-score, seq) and a SortedList of those tuples,
in a few lines: it can only submit a score and return the competition rank.
:class:`ListingReference` adds a seq -> member dict so that it can also list the top entries
and an around-me window. Neither has rankcore's semantics (no reached-at times, one tie
policy, no validation, descending order only); rankcore is measured against both, and every
target is judged against the faster of the two.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from sortedcontainers import SortedList

Key = tuple[float, int]


class BareReference:
    """member -> key, and the keys in a SortedList (best first). Submit + rank only."""

    def __init__(self) -> None:
        self.keys: dict[Hashable, Key] = {}
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


class ListingReference:
    """:class:`BareReference` plus seq -> member, for top-N and around-me listings."""

    def __init__(self) -> None:
        self.keys: dict[Hashable, Key] = {}
        self.members: dict[int, Hashable] = {}
        self.sorted = SortedList()
        self.seq = 0

    def load(self, entries: Iterable[tuple[Hashable, float]]) -> None:
        for member, score in entries:
            self.seq += 1
            self.keys[member] = (-score, self.seq)
            self.members[self.seq] = member
        self.sorted.update(self.keys.values())

    def incr(self, member: Hashable, delta: float) -> int:
        """Add ``delta`` and return the member's competition rank."""
        old = self.keys.get(member)
        score = delta
        if old is not None:
            self.sorted.remove(old)
            del self.members[old[1]]
            score -= old[0]
        self.seq += 1
        key = self.keys[member] = (-score, self.seq)
        self.members[self.seq] = member
        self.sorted.add(key)
        return int(self.sorted.bisect_left((-score,))) + 1

    def _listing(self, start: int, stop: int) -> list[tuple[Hashable, float, int]]:
        """(member, score, competition rank) of entries [start, stop)."""
        keys = list(self.sorted.islice(start, stop))
        if not keys:
            return []
        members = self.members
        rank = int(self.sorted.bisect_left((keys[0][0],))) + 1
        out = [(members[keys[0][1]], -keys[0][0], rank)]
        previous = keys[0][0]
        for i in range(1, len(keys)):
            negated, seq = keys[i]
            if negated != previous:
                rank = start + i + 1
                previous = negated
            out.append((members[seq], -negated, rank))
        return out

    def top(self, count: int) -> list[tuple[Hashable, float, int]]:
        """The first ``count`` entries with their competition ranks."""
        return self._listing(0, count)

    def around(
        self, member: Hashable, before: int, after: int
    ) -> list[tuple[Hashable, float, int]]:
        """``member`` with up to ``before`` entries above and ``after`` below, ranked."""
        index = int(self.sorted.bisect_left(self.keys[member]))
        return self._listing(max(0, index - before), index + after + 1)
