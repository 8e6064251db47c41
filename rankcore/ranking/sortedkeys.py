"""The sorted list of a board's keys, with operations SortedList lacks: ``move``, ``slice``.

Changing a member's score removes its old key and inserts a new one. Done as
``remove`` + ``add`` on a :class:`~sortedcontainers.SortedList`, that is two descents, two
updates of the positional index and, for the rank, a third descent. Most score changes are
small, so the new key usually belongs in the same sublist as the old one: then ``move``
replaces it in place with one descent, leaves every sublist's length (and so the positional
index) untouched, and counts the keys below the rank bound in the sublist it already holds.
``slice`` copies a run of keys straight out of the sublist that holds them (one C-level list
slice) where ``islice`` would chain iterators over the sublists. ``replace`` swaps many keys
at once (a batch): past a few, rebuilding the list in C costs less than a descent per key.

This relies on SortedList's documented layout (``_lists``, ``_maxes``, ``_loc``,
``_delete``), stable since sortedcontainers 2.0.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Collection
from itertools import chain, filterfalse
from typing import Final

from sortedcontainers import SortedList

__all__ = ["SortedKeys"]

_REBUILD: Final = 16
"""``replace`` rebuilds the list when it swaps more than one key in this many."""


class SortedKeys(SortedList):  # type: ignore[misc]  # sortedcontainers is untyped
    """A :class:`~sortedcontainers.SortedList` of unique ``int`` keys with :meth:`move`."""

    def move(self, old: int, new: int, bound: int) -> int:
        """Replace the key ``old`` (which must be present) by ``new``; return how many keys
        are then smaller than ``bound``. O(log n); one descent when ``new`` stays in the
        sublist of ``old``.
        """
        lists = self._lists
        maxes = self._maxes
        pos = bisect_left(maxes, old)
        sub = lists[pos]
        if (pos == 0 or maxes[pos - 1] < new) and (
            pos == len(maxes) - 1 or new < lists[pos + 1][0]
        ):
            del sub[bisect_left(sub, old)]
            insort(sub, new)
            maxes[pos] = sub[-1]
            if (pos == 0 or maxes[pos - 1] < bound) and bound <= sub[-1]:
                below: int = self._loc(pos, bisect_left(sub, bound))
                return below
        else:
            self._delete(pos, bisect_left(sub, old))
            self.add(new)
        below = self.bisect_left(bound)
        return below

    def replace(self, old: Collection[int], new: Collection[int]) -> None:
        """Remove the keys ``old`` (each present) and add the keys ``new`` (none present).
        O((r + a) log n) for r removed and a added, one key at a time; when they are more
        than one in :data:`_REBUILD` of the list, O(n + a log a) in C: the kept keys and the
        sorted new ones are two sorted runs, which one ``sorted`` merges.
        """
        if (len(old) + len(new)) * _REBUILD <= self._len:
            for key in old:
                self.remove(key)
            self.update(new)
            return
        gone = set(old)
        kept = filterfalse(gone.__contains__, chain.from_iterable(self._lists))
        keys = sorted(chain(kept, sorted(new)))
        self.clear()
        self.update(keys)

    def window(self, key: int, before: int, after: int) -> tuple[int, list[int], int | None]:
        """The index of ``key`` (which must be present) less up to ``before``, the keys from
        there to ``after`` past ``key``, and the key just before them when it came for free
        (else ``None``). O(log n + k); one bisection of the index when the window lies in
        the sublist of ``key``."""
        lists = self._lists
        pos = bisect_left(self._maxes, key)
        sub = lists[pos]
        idx = bisect_left(sub, key)
        index = int(self._loc(pos, idx)) if pos else idx
        start = max(0, index - before)
        if idx >= before and idx + after < len(sub):
            keys: list[int] = sub[idx - before : idx + after + 1]
            previous: int | None = sub[idx - before - 1] if idx > before else None
            return start, keys, previous
        return start, self.slice(start, index + after + 1), None

    def slice(self, start: int, stop: int) -> list[int]:
        """The keys at indexes ``[start, stop)`` (clipped to the list), as a new list.
        O(log n + k) for k keys; one list slice when they lie in one sublist."""
        lists = self._lists
        keys: list[int]
        if start == 0:
            if lists and stop <= len(lists[0]):
                keys = lists[0][:stop]
                return keys
        elif start < self._len:
            pos, idx = self._pos(start)
            sub = lists[pos]
            if idx + stop - start <= len(sub):
                keys = sub[idx : idx + stop - start]
                return keys
        return list(self.islice(start, stop))
