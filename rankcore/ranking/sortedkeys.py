"""The sorted list of a board's keys, with one operation SortedList lacks: ``move``.

Changing a member's score removes its old key and inserts a new one. Done as
``remove`` + ``add`` on a :class:`~sortedcontainers.SortedList`, that is two descents, two
updates of the positional index and, for the rank, a third descent. Most score changes are
small, so the new key usually belongs in the same sublist as the old one: then ``move``
replaces it in place with one descent, leaves every sublist's length (and so the positional
index) untouched, and counts the keys below the rank bound in the sublist it already holds.

This relies on SortedList's documented layout (``_lists``, ``_maxes``, ``_loc``,
``_delete``), stable since sortedcontainers 2.0.
"""

from __future__ import annotations

from bisect import bisect_left, insort

from sortedcontainers import SortedList

__all__ = ["SortedKeys"]


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
                return int(self._loc(pos, bisect_left(sub, bound)))
        else:
            self._delete(pos, bisect_left(sub, old))
            self.add(new)
        return int(self.bisect_left(bound))
