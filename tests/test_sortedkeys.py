"""``SortedKeys.move`` against a plain sorted list, with sublists small enough to cross."""

from __future__ import annotations

from bisect import bisect_left

from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore.ranking.sortedkeys import SortedKeys


@settings(max_examples=300, deadline=None)
@given(
    initial=st.sets(st.integers(-1000, 1000), max_size=60),
    moves=st.lists(st.tuples(st.integers(0, 10**6), st.integers(-1100, 1100), st.integers(-5, 5))),
    load=st.integers(4, 8),
)
def test_move_matches_a_sorted_list(
    initial: set[int], moves: list[tuple[int, int, int]], load: int
) -> None:
    keys = SortedKeys(initial)
    keys._reset(load)
    model = sorted(initial)
    for pick, new, offset in moves:
        if not model or new in model:
            continue
        old = model[pick % len(model)]
        bound = new + offset
        model.remove(old)
        model.append(new)
        model.sort()
        assert keys.move(old, new, bound) == bisect_left(model, bound)
        keys._check()
        assert list(keys) == model


@settings(max_examples=200, deadline=None)
@given(
    initial=st.sets(st.integers(-1000, 1000), min_size=1, max_size=60),
    pick=st.integers(0, 10**6),
    before=st.integers(0, 12),
    after=st.integers(0, 12),
    start=st.integers(0, 70),
    length=st.integers(0, 70),
    load=st.integers(4, 8),
)
def test_window_and_slice_match_a_sorted_list(
    initial: set[int], pick: int, before: int, after: int, start: int, length: int, load: int
) -> None:
    keys = SortedKeys(initial)
    keys._reset(load)
    model = sorted(initial)
    key = model[pick % len(model)]
    index = model.index(key)
    first = max(0, index - before)
    start, window, previous = keys.window(key, before, after)
    assert (start, window) == (first, model[first : index + after + 1])
    assert previous is None or (first > 0 and previous == model[first - 1])
    assert keys.slice(start, start + length) == model[start : start + length]


@settings(max_examples=300, deadline=None)
@given(
    initial=st.sets(st.integers(-(10**40), 10**40), max_size=400),
    picks=st.lists(st.integers(0, 10**6), max_size=40),
    added=st.sets(st.integers(-(10**40), 10**40), max_size=40),
    load=st.integers(4, 8),
)
def test_replace_matches_a_sorted_set(
    initial: set[int], picks: list[int], added: set[int], load: int
) -> None:
    """Few keys swapped in a long list (one at a time) or many (a rebuild): the same keys."""
    keys = SortedKeys(initial)
    keys._reset(load)
    ordered = sorted(initial)
    old = {ordered[p % len(ordered)] for p in picks} if ordered else set()
    new = added - (initial - old)  # none present once the old ones are gone
    keys.replace(list(old), list(new))
    keys._check()
    assert list(keys) == sorted((initial - old) | new)
