"""``SortedKeys`` against a plain dict of key -> member sorted by brute force, with sublists
small enough that every operation splits, merges and crosses them."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore.ranking.sortedkeys import SortedKeys


def _built(model: dict[int, str], load: int) -> SortedKeys:
    keys = SortedKeys()
    keys._load = load
    keys.replace((), {member: key for key, member in model.items()})
    keys._check()
    return keys


def _agrees(keys: SortedKeys, model: dict[int, str]) -> None:
    keys._check()
    assert list(keys.items()) == sorted(model.items())
    assert len(keys) == len(model)


def _member(key: int) -> str:
    return f"m{key}"


@settings(max_examples=300, deadline=None)
@given(
    initial=st.sets(st.integers(-1000, 1000), max_size=60),
    moves=st.lists(st.tuples(st.integers(0, 10**6), st.integers(-1100, 1100), st.integers(-5, 5))),
    load=st.integers(4, 8),
)
def test_move_matches_a_sorted_dict(
    initial: set[int], moves: list[tuple[int, int, int]], load: int
) -> None:
    model = {key: _member(key) for key in initial}
    keys = _built(model, load)
    for pick, new, offset in moves:
        if not model or new in model:
            continue
        old = sorted(model)[pick % len(model)]
        bound = new + offset
        member = model.pop(old) + "'"  # the member moves along, as the object last written
        model[new] = member
        assert keys.move(old, new, member, bound) == bisect_left(sorted(model), bound)
        _agrees(keys, model)


@settings(max_examples=300, deadline=None)
@given(
    initial=st.sets(st.integers(-1000, 1000), max_size=60),
    steps=st.lists(st.tuples(st.booleans(), st.integers(-1100, 1100))),
    load=st.integers(4, 8),
)
def test_add_and_remove_match_a_sorted_dict(
    initial: set[int], steps: list[tuple[bool, int]], load: int
) -> None:
    model = {key: _member(key) for key in initial}
    keys = _built(model, load)
    for adding, number in steps:
        if adding and number not in model:
            model[number] = _member(number)
            keys.add(number, _member(number))
        elif not adding and model:
            key = sorted(model)[number % len(model)]
            del model[key]
            keys.remove(key)
        _agrees(keys, model)
        for probe in (number - 1, number, number + 1):
            assert keys.bisect_left(probe) == bisect_left(sorted(model), probe)
            assert keys.bisect_right(probe) == bisect_right(sorted(model), probe)


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
def test_reads_match_a_sorted_dict(
    initial: set[int], pick: int, before: int, after: int, start: int, length: int, load: int
) -> None:
    model = {key: _member(key) for key in initial}
    keys = _built(model, load)
    ordered = sorted(model)
    key = ordered[pick % len(ordered)]
    index = ordered.index(key)
    first = max(0, index - before)
    stop = index + after + 1
    got_start, window, members, previous = keys.window(key, before, after)
    assert (got_start, window) == (first, ordered[first:stop])
    assert members == [model[k] for k in ordered[first:stop]]
    assert previous is None or (first > 0 and previous == ordered[first - 1])
    sliced = ordered[start : start + length]
    assert keys.slice(start, start + length) == (sliced, [model[k] for k in sliced])
    assert keys.key_at(index) == key
    assert keys.member_of(key) == model[key]


@settings(max_examples=300, deadline=None)
@given(
    initial=st.sets(st.integers(-(10**40), 10**40), max_size=400),
    picks=st.lists(st.integers(0, 10**6), max_size=40),
    added=st.sets(st.integers(-(10**40), 10**40), max_size=40),
    load=st.integers(4, 8),
)
def test_replace_matches_a_sorted_dict(
    initial: set[int], picks: list[int], added: set[int], load: int
) -> None:
    """Few keys swapped in a long list (one at a time) or many (a rebuild): the same
    entries, each new key with its member."""
    model = {key: _member(key) for key in initial}
    keys = _built(model, load)
    ordered = sorted(initial)
    old = {ordered[p % len(ordered)] for p in picks} if ordered else set()
    new = added - (initial - old)  # none present once the old ones are gone
    keys.replace(list(old), {f"new{key}": key for key in new})
    for key in old:
        del model[key]
    model.update({key: f"new{key}" for key in new})
    _agrees(keys, model)
