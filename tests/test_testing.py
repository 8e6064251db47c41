"""``rankcore.testing``: the reference model against literal examples, the kernel against the
reference model, and the strategies' promises (valid worlds, replayable scenarios)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rankcore import (
    InvalidArgument,
    InvalidArgumentType,
    Leaderboard,
    Order,
    RankcoreError,
    ScoreTypeError,
    ScoreValueError,
    Standing,
    TiePolicy,
)
from rankcore.scenario import load, replay
from rankcore.testing import (
    ZONES,
    World,
    boards,
    event_streams,
    members,
    reference_ranks,
    scenarios,
    scores,
    worlds,
)

T = datetime(2024, 6, 1, tzinfo=UTC)
# The tie policies' own examples (rankcore.ranking.policy): four members, two of them tied.
FOUR = [("a", 40), ("b", 30), ("c", 30), ("d", 10)]


def ranks(
    entries: list[Any], order: Any = "desc", ties: Any = "competition", subscore: Any = None
) -> list[Any]:
    return [(s.member, s.rank) for s in reference_ranks(entries, order, ties, subscore)]


@pytest.mark.parametrize(
    ("ties", "expected"),
    [
        ("competition", [1, 2, 2, 4]),  # "1224"
        ("modified_competition", [1, 3, 3, 4]),  # "1334"
        ("dense", [1, 2, 2, 3]),  # "1223"
        ("ordinal", [1, 2, 3, 4]),  # "1234"
    ],
)
def test_reference_ranks_follow_each_policy_example(ties: str, expected: list[int]) -> None:
    assert ranks(FOUR, ties=ties) == list(zip("abcd", expected, strict=True))


@pytest.mark.parametrize(
    ("ties", "expected"),
    [
        ("competition", [("d", 1), ("b", 2), ("c", 2), ("a", 4)]),
        ("modified_competition", [("d", 1), ("b", 3), ("c", 3), ("a", 4)]),
        ("dense", [("d", 1), ("b", 2), ("c", 2), ("a", 3)]),
        ("ordinal", [("d", 1), ("b", 2), ("c", 3), ("a", 4)]),
    ],
)
def test_reference_ranks_ascending(ties: str, expected: list[tuple[str, int]]) -> None:
    assert ranks(FOUR, "asc", ties) == expected


def test_capillary_sample_ties_are_ordered_by_reached_at() -> None:
    # Capillary's leaderboard sample: three customers at 21000, ranked 1, 2, 3 by the time
    # they reached it (ordinal), whatever order they arrived in.
    entries = [
        (345651201, 21000, T + timedelta(hours=3)),
        (381329844, 21000, T + timedelta(hours=1)),
        (387765489, 21000, T + timedelta(hours=2)),
        (1, 500, T),
    ]
    assert ranks(entries, ties="ordinal") == [
        (381329844, 1),
        (387765489, 2),
        (345651201, 3),
        (1, 4),
    ]
    assert ranks(entries, ties="competition") == [
        (381329844, 1),
        (387765489, 1),
        (345651201, 1),
        (1, 4),
    ]


def test_no_time_lists_after_every_time_then_arrival_order() -> None:
    entries = [("late", 5), ("timed", 5, T + timedelta(days=9999)), ("later", 5), ("first", 5, T)]
    assert [s.member for s in reference_ranks(entries)] == ["first", "timed", "late", "later"]


def test_equal_numbers_tie_whatever_their_type_and_scores_come_back_as_given() -> None:
    result = reference_ranks([("i", 1), ("f", 1.0), ("z", -0.0), ("big", 2**53)], ties="dense")
    assert [(s.member, s.score, s.rank) for s in result] == [
        ("big", 2**53, 1),
        ("i", 1, 2),
        ("f", 1.0, 2),
        ("z", 0.0, 3),
    ]
    assert isinstance(result[1].score, int) and isinstance(result[2].score, float)
    assert str(result[3].score) == "0.0"


@pytest.mark.parametrize(
    ("ties", "expected"),
    [
        ("competition", [("a", 1), ("b", 2), ("c", 2), ("d", 4)]),
        ("modified_competition", [("a", 1), ("b", 3), ("c", 3), ("d", 4)]),
        ("dense", [("a", 1), ("b", 2), ("c", 2), ("d", 3)]),
        ("ordinal", [("a", 1), ("b", 2), ("c", 3), ("d", 4)]),
    ],
)
def test_a_subscore_breaks_ties_of_the_score(ties: str, expected: list[Any]) -> None:
    # equal points, fewer seconds (subscore ascending) is better; b and c tie on both
    entries = [("d", 5, None, 30), ("c", 5, None, 20), ("b", 5, T, 20), ("a", 5, None, 10)]
    assert ranks(entries, ties=ties, subscore="asc") == expected
    assert [s.subscore for s in reference_ranks(entries, subscore="asc")] == [10, 20, 20, 30]
    higher = [(s.member, s.rank) for s in reference_ranks(entries, ties=ties, subscore="desc")]
    assert [member for member, _ in higher] == ["d", "b", "c", "a"]


def test_reference_ranks_returns_standings_with_reached_at() -> None:
    assert reference_ranks([("a", 1, T), ("b", 2)]) == [Standing("b", 2, 1), Standing("a", 1, 2, T)]
    assert reference_ranks([]) == []


@pytest.mark.parametrize(
    ("entries", "error"),
    [
        ([("a", True)], ScoreTypeError),
        ([("a", "1")], ScoreTypeError),
        ([("a", None)], ScoreTypeError),
        ([("a", float("nan"))], ScoreValueError),
        ([("a", float("inf"))], ScoreValueError),
        ([("a", 2**53 + 1)], ScoreValueError),
        ([("a", -(2**53) - 1)], ScoreValueError),
        ([("a", 1), ("a", 2)], InvalidArgument),
        ([("a", 1, datetime(2024, 1, 1))], InvalidArgument),
        ([("a", 1, "2024-01-01")], InvalidArgument),
        ([("a",)], InvalidArgument),
        ([("a", 1, T, "x")], InvalidArgument),
        ([("a", 1, T, 2)], InvalidArgument),
        ([("a", 1, T, 2, 3)], InvalidArgument),
        (["ab"], InvalidArgumentType),
        ([5], InvalidArgumentType),
        ([([], 1)], InvalidArgumentType),
    ],
)
def test_reference_ranks_refuses_what_the_kernel_refuses(
    entries: list[Any], error: type[RankcoreError]
) -> None:
    with pytest.raises(error):
        reference_ranks(entries)


def test_reference_ranks_checks_subscores_on_a_board_with_one() -> None:
    with pytest.raises(ScoreTypeError):
        reference_ranks([("a", 1, T, "x")], subscore="asc")
    with pytest.raises(ScoreValueError):
        reference_ranks([("a", 1, T, float("nan"))], subscore="asc")
    with pytest.raises(InvalidArgument):
        reference_ranks([("a", 1, T)], subscore="asc")


def test_reference_ranks_refuses_unknown_settings() -> None:
    with pytest.raises(InvalidArgument):
        reference_ranks(FOUR, order="up")
    with pytest.raises(InvalidArgument):
        reference_ranks(FOUR, ties="olympic")
    assert ranks(FOUR, "DESC", "Dense") == ranks(FOUR, Order.DESC, TiePolicy.DENSE)


# -- the kernel against the reference ---------------------------------------------------------

writes = st.lists(
    st.tuples(
        st.sampled_from(["set", "incr", "best", "remove"]),
        st.sampled_from(["a", "b", "c", "d", 1, 2]),
        st.one_of(st.integers(-3, 3), scores()),
        st.one_of(st.none(), st.sampled_from([T, T + timedelta(hours=1), T - timedelta(hours=1)])),
        st.one_of(st.integers(-2, 2), scores()),
    ),
    max_size=40,
)


def rows(standings: Any) -> list[tuple[Any, ...]]:
    """What ranking decides, with the types of the numbers (1 and 1.0 are not the same)."""
    return [
        (s.member, s.score, type(s.score), s.rank, s.reached_at, s.subscore, type(s.subscore))
        for s in standings
    ]


@settings(max_examples=400, deadline=None)
@given(
    order=st.sampled_from(list(Order)),
    ties=st.sampled_from(list(TiePolicy)),
    sub_order=st.sampled_from([None, Order.DESC, Order.ASC]),
    script=writes,
)
def test_the_kernel_matches_the_reference_model(
    order: Order,
    ties: TiePolicy,
    sub_order: Order | None,
    script: list[tuple[str, Hashable, Any, datetime | None, Any]],
) -> None:
    board: Leaderboard[Hashable] = Leaderboard(order, ties, subscore=sub_order)

    def better(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
        if a[0] != b[0]:
            return a[0] > b[0] if order is Order.DESC else a[0] < b[0]
        return sub_order is not None and (a[1] > b[1] if sub_order is Order.DESC else a[1] < b[1])

    # the model: member -> ((score, subscore), reached_at), in the order of each member's last
    # change (a dict keeps insertion order)
    state: dict[Hashable, tuple[tuple[Any, Any], datetime | None]] = {}
    for operator, member, value, at, sub_value in script:
        sub = None if sub_order is None else sub_value
        old = state.get(member)
        if operator == "remove":
            state.pop(member, None)
            board.remove(member)
            continue
        if operator == "set":
            new = (value, sub)
        elif operator == "incr":
            new = (value if old is None else old[0][0] + value, sub)
        elif old is None or better((value, sub), old[0]):
            new = (value, sub)
        else:
            new = old[0]
        try:
            getattr(board, operator)(member, value, at, subscore=sub)
        except ScoreValueError:
            assert abs(new[0]) > 2**53 or new[0] != new[0] or abs(new[0]) == float("inf")
            continue
        if old is None or new != old[0]:
            state.pop(member, None)
            state[member] = (new, at)
    entries = [(m, s, at, sub) for m, ((s, sub), at) in state.items()]
    expected = reference_ranks(
        [entry if sub_order is not None else entry[:3] for entry in entries],
        order,
        ties,
        subscore=sub_order,
    )
    assert rows(board) == rows(expected)
    for standing in expected:
        assert board.rank(standing.member) == standing.rank


@settings(max_examples=100, deadline=None)
@given(boards(subscore=None))
def test_boards_rank_as_the_reference_does(board: Leaderboard[Hashable]) -> None:
    listed = list(board)
    entries = [(s.member, s.score, s.reached_at, s.subscore) for s in listed]
    if board.subscore is None:
        entries = [entry[:3] for entry in entries]
    assert rows(listed) == rows(reference_ranks(entries, board.order, board.ties, board.subscore))


@settings(max_examples=50, deadline=None)
@given(boards(order="asc", ties="dense", members=st.integers(0, 3), max_writes=5))
def test_boards_take_fixed_settings(board: Leaderboard[Hashable]) -> None:
    assert board.order is Order.ASC and board.ties is TiePolicy.DENSE
    assert len(board) <= 4 and all(isinstance(s.member, int) for s in board)


@settings(max_examples=200, deadline=None)
@given(value=scores(), bounded=scores(min_value=-10, max_value=10, floats=False))
def test_scores_are_accepted_by_the_kernel(value: Any, bounded: Any) -> None:
    board: Leaderboard[str] = Leaderboard()
    assert board.set("a", value).score == value
    assert type(bounded) is int and -10 <= bounded <= 10


@settings(max_examples=100, deadline=None)
@given(member=members(), number=members(text=False))
def test_members_are_accepted_by_the_kernel(member: Hashable, number: Hashable) -> None:
    board: Leaderboard[Hashable] = Leaderboard()
    board.set(member, 1)
    assert member in board and isinstance(number, int)


def test_members_needs_a_kind() -> None:
    with pytest.raises(ValueError):
        members(ints=False, text=False)


# -- worlds and streams ------------------------------------------------------------------------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_every_world_builds(world: World) -> None:
    engine = world.engine()
    assert engine.now() == world.start
    for org in world.orgs:
        assert engine.org(org["id"]) is not None
        assert org["timezone"] in ZONES
    for org, group_id, target in world.targets():
        assert target["id"] in {t.id for t in engine.targets(org, group_id)}
    for campaign in world.campaigns:
        assert engine.campaign(campaign["org"], campaign["id"]) is not None
        assert datetime.fromisoformat(campaign["end"]) < world.horizon
    for group in world.target_groups:
        for period in group["periods"]:
            assert datetime.fromisoformat(period["end"]) < world.horizon
    for board in world.boards:
        info = engine.board(board["org"], board["id"])
        assert info is not None and info.join_required == board["join_required"]


@settings(max_examples=30, deadline=None)
@given(worlds(zones=["Asia/Kolkata"], max_orgs=1, max_groups=0, max_campaigns=0, max_boards=0))
def test_worlds_take_limits(world: World) -> None:
    assert [org["timezone"] for org in world.orgs] == ["Asia/Kolkata"]
    assert not world.target_groups and not world.campaigns and not world.boards


def test_worlds_need_a_zone() -> None:
    with pytest.raises(ValueError):
        worlds(zones=[])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_event_streams_hold_every_kind_of_event_and_replay(data: st.DataObject) -> None:
    world = data.draw(worlds())
    steps = data.draw(event_streams(world, min_size=5, max_size=30, bad=True))
    assert 5 <= len(steps) <= 30
    clock = world.start
    for step in steps:
        at = datetime.fromisoformat(step["at"])
        if "activity" in step or "points" in step or "submit" in step:
            continue  # may be late
        assert at >= clock
        clock = at
    lines = list(replay(json.loads(json.dumps(world.document(steps)))))
    indexes = [line["step"] for line in lines]
    assert indexes == sorted(indexes)
    for line in lines:
        assert ("status" in line) != ("error" in line)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_streams_without_requests_or_bad_events_only_count(data: st.DataObject) -> None:
    world = data.draw(worlds())
    steps = data.draw(event_streams(world, max_size=20, requests=False))
    assert not any("request" in step for step in steps)
    ids = [
        (kind, step[kind]["event_id"])
        for step in steps
        for kind in ("activity", "points", "submit")
        if kind in step and "event_id" in step[kind]
    ]
    payloads: dict[Any, Any] = {}
    for step in steps:  # a repeated event id always repeats the same event
        for kind in ("activity", "points", "submit"):
            if kind in step and "event_id" in step[kind]:
                key = step[kind]["event_id"]
                assert payloads.setdefault(key, step) == step
    assert len(payloads) == len(set(ids))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_steps=15))
def test_scenarios_load(document: dict[str, Any]) -> None:
    scenario = load(json.loads(json.dumps(document)))
    assert len(scenario.steps) == len(document["steps"]) <= 15


def test_a_missing_hypothesis_is_a_clear_error() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import rankcore.testing\n"
        "except ModuleNotFoundError as e:\n    print(e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "pip install 'rankcore[testing]'" in result.stdout
