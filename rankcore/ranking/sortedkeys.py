"""A board's sort keys in order, each with its member beside it.

A :class:`~sortedcontainers.SortedKeyList` keeps two lists of sublists in step: the sort
keys and the values they sort. Here the keys are a board's ``int`` keys and the values its
members, so a listing copies its rows' members out of the same sublist as their keys (one
C-level list slice each) instead of looking each key up in a dict, and the board keeps no
key -> member dict at all. Everything is addressed by key: a member is only carried along.

Changing a member's score removes its old key and inserts a new one. Done as remove + add,
that is two descents, two updates of the positional index and, for the rank, a third
descent. Most score changes are small, so the new key usually belongs in the same sublist as
the old one: then :meth:`SortedKeys.move` moves it within that sublist with one descent,
leaves every sublist's length (and so the positional index) untouched, and counts the keys
below the rank bound in the sublist it already holds. :meth:`SortedKeys.replace` swaps many
keys at once (a batch): past a few, rebuilding the lists in C costs less than a descent per
key.

This relies on SortedKeyList's documented layout (``_lists``, ``_keys``, ``_maxes``, the
positional index ``_index`` with ``_offset`` and ``_build_index``, ``_pos``, ``_expand``,
``_delete``), stable since sortedcontainers 2.0: the dependency is held below 3.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator, Mapping
from itertools import chain, compress, pairwise
from operator import itemgetter, not_
from typing import Any, Final

from sortedcontainers import SortedKeyList

__all__ = ["SortedKeys"]

_REBUILD: Final = 16
"""``replace`` rebuilds the lists when it swaps more than one key in this many."""


class SortedKeys(SortedKeyList):  # type: ignore[misc]  # sortedcontainers is untyped
    """Unique ``int`` keys in ascending order, each with a member.

    Only the methods below (and ``len``) are part of it: SortedKeyList's methods that take
    a value instead of a key are not used.
    """

    _len: int  # SortedKeyList's count of keys
    DEFAULT_LOAD_FACTOR = 500
    """Sublists hold 250 to 1,000 entries (SortedKeyList's default is twice that): a write
    shifts the tail of two sublists, its keys' and its members', so shorter sublists keep
    writes as fast as they were with one list of keys, and a deeper index costs a bisection
    step at most."""

    bisect_left = SortedKeyList.bisect_key_left
    """How many keys are smaller than ``key``. O(log n)."""

    bisect_right = SortedKeyList.bisect_key_right
    """How many keys are at most ``key``. O(log n)."""

    def add(self, key: int, member: Any) -> None:
        """Insert ``key`` (which must be absent) with its member. O(log n)."""
        keys, members, maxes = self._keys, self._lists, self._maxes
        if not maxes:
            keys.append([key])
            members.append([member])
            maxes.append(key)
        else:
            pos = bisect_right(maxes, key)
            if pos == len(maxes):
                pos -= 1
                keys[pos].append(key)
                members[pos].append(member)
                maxes[pos] = key
            else:
                idx = bisect_left(keys[pos], key)
                keys[pos].insert(idx, key)
                members[pos].insert(idx, member)
            self._expand(pos)
        self._len += 1

    def remove(self, key: int) -> None:
        """Remove ``key`` (which must be present) and its member. O(log n)."""
        pos = bisect_left(self._maxes, key)
        self._delete(pos, bisect_left(self._keys[pos], key))

    def move(self, old: int, new: int, member: Any, bound: int) -> int:
        """Replace the key ``old`` (which must be present) by ``new``, now with ``member``;
        return how many keys are then smaller than ``bound``. O(log n); one descent when
        ``new`` stays in the sublist of ``old``, no shift of it when ``new`` takes the
        place of ``old``, and no bisection for ``bound`` when it lies next to ``new``.
        """
        keys = self._keys
        maxes = self._maxes
        pos = bisect_left(maxes, old)
        sub = keys[pos]
        if (pos == 0 or maxes[pos - 1] < new) and (pos == len(maxes) - 1 or new < keys[pos + 1][0]):
            gone = bisect_left(sub, old)
            # Where new goes once old is gone: among the keys on the side it moves to.
            if new < old:
                idx = bisect_left(sub, new, 0, gone)
            else:
                idx = bisect_left(sub, new, gone + 1) - 1
            members = self._lists[pos]
            if idx == gone:
                sub[idx] = new
                members[idx] = member
            else:
                del sub[gone]
                sub.insert(idx, new)
                del members[gone]
                members.insert(idx, member)
            maxes[pos] = sub[-1]
            if (pos == 0 or maxes[pos - 1] < bound) and bound <= sub[-1]:
                # The bound is mostly next to new (a competition bound is new's own tie's
                # first key, and few keys tie): check there before bisecting.
                below: int
                if bound <= new:
                    if idx == 0 or sub[idx - 1] < bound:
                        below = idx
                    else:
                        below = bisect_left(sub, bound, 0, idx)
                elif bound <= sub[idx + 1]:  # new is not last: sub[-1] >= bound > new
                    below = idx + 1
                else:
                    below = bisect_left(sub, bound, idx + 1)
                if pos:  # add the keys of the sublists before: SortedList._loc, inlined
                    index = self._index
                    if not index:
                        self._build_index()
                    node = pos + self._offset
                    while node:  # from this sublist's leaf of the positional index to its root
                        if not node & 1:  # a right child: count its left sibling's keys
                            below += index[node - 1]
                        node = (node - 1) >> 1
                return below
        else:
            self._delete(pos, bisect_left(sub, old))
            self.add(new, member)
        found: int = self.bisect_left(bound)
        return found

    def replace(self, old: Collection[int], new: Mapping[Any, int]) -> None:
        """Remove the keys ``old`` (each present) and add the keys of ``new`` (member ->
        key, none present). O((r + a) log n) for r removed and a added, one key at a time;
        when they are more than one in :data:`_REBUILD` of the list, O(n + a log a) in C: the
        kept keys are one sorted run, which ``sorted`` merges with the new ones.
        """
        if (len(old) + len(new)) * _REBUILD <= self._len:
            for key in old:
                self.remove(key)
            for member, key in new.items():
                self.add(key, member)
            return
        gone = set(old)
        flat = chain.from_iterable
        keep = list(map(not_, map(gone.__contains__, flat(self._keys))))
        keys = list(compress(flat(self._keys), keep))
        keys += new.values()
        members = list(compress(flat(self._lists), keep))
        members += new.keys()
        # Sort the positions by key (ints compared in C, no pair built per entry), then
        # read both lists in that order.
        order = sorted(range(len(keys)), key=keys.__getitem__)
        keys = list(map(keys.__getitem__, order))
        members = list(map(members.__getitem__, order))
        self.clear()
        load = self._load
        for start in range(0, len(keys), load):
            self._keys.append(keys[start : start + load])
            self._lists.append(members[start : start + load])
        self._maxes.extend(map(itemgetter(-1), self._keys))
        self._len = len(keys)

    def key_at(self, index: int) -> int:
        """The key at ``index`` (from 0, less than ``len``). O(log n)."""
        pos, idx = self._pos(index)
        key: int = self._keys[pos][idx]
        return key

    def member_of(self, key: int) -> Any:
        """The member beside ``key`` (which must be present). O(log n)."""
        pos = bisect_left(self._maxes, key)
        return self._lists[pos][bisect_left(self._keys[pos], key)]

    def items(self) -> Iterator[tuple[int, Any]]:
        """Every ``(key, member)`` in key order. O(1) to start, O(1) per entry."""
        return zip(chain.from_iterable(self._keys), chain.from_iterable(self._lists), strict=True)

    def window(
        self, key: int, before: int, after: int
    ) -> tuple[int, list[int], list[Any], int | None]:
        """The index of ``key`` (which must be present) less up to ``before``; the keys from
        there to ``after`` past ``key`` and their members; and the key just before them when
        it came for free (else ``None``). O(log n + k); one bisection of the index when the
        window lies in the sublist of ``key``."""
        keys = self._keys
        pos = bisect_left(self._maxes, key)
        sub = keys[pos]
        idx = bisect_left(sub, key)
        index = int(self._loc(pos, idx)) if pos else idx
        start = max(0, index - before)
        if idx >= before and idx + after < len(sub):
            low, high = idx - before, idx + after + 1
            previous: int | None = sub[low - 1] if low else None
            return start, sub[low:high], self._lists[pos][low:high], previous
        return start, *self.slice(start, index + after + 1), None

    def slice(self, start: int, stop: int) -> tuple[list[int], list[Any]]:
        """The keys at indexes ``[start, stop)`` (clipped to the list) and their members, as
        two new lists. O(log n + k) for k keys; one list slice each when they lie in one
        sublist."""
        count = min(stop, self._len) - start
        if count <= 0:
            return [], []
        keys, members = self._keys, self._lists
        if start == 0:
            pos = idx = 0
        else:
            pos, idx = self._pos(start)
        end = idx + count
        got_keys: list[int] = keys[pos][idx:end]
        got_members: list[Any] = members[pos][idx:end]
        while len(got_keys) < count:
            pos += 1
            need = count - len(got_keys)
            got_keys += keys[pos][:need]
            got_members += members[pos][:need]
        return got_keys, got_members

    def _check(self) -> None:
        """Verify the layout; raise ``AssertionError`` if it is broken. O(n log n)."""
        keys, members, maxes = self._keys, self._lists, self._maxes
        assert len(keys) == len(members) == len(maxes)
        flat = list(chain.from_iterable(keys))
        assert len(flat) == self._len == sum(map(len, members))
        assert all(a < b for a, b in pairwise(flat))
        for sub, beside, top in zip(keys, members, maxes, strict=True):
            assert sub and len(sub) == len(beside) and sub[-1] == top
            assert len(sub) <= 2 * self._load
        for index, key in enumerate(flat):
            assert self.key_at(index) == key and self.bisect_left(key) == index
