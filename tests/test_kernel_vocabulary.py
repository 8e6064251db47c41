"""Metadata, a second sort key and saved state, with literal expected values."""

from __future__ import annotations

import copy
import json
import math
import pickle
from datetime import UTC, datetime

import pytest

from rankcore import (
    InvalidArgument,
    InvalidArgumentType,
    Leaderboard,
    MemberNotFound,
    Order,
    ScoreTypeError,
    ScoreValueError,
    Standing,
    TiePolicy,
)

T1 = datetime(2024, 6, 1, 10, tzinfo=UTC)
T2 = datetime(2024, 6, 1, 11, tzinfo=UTC)


def race(ties: TiePolicy = TiePolicy.COMPETITION) -> Leaderboard[str]:
    """Score high, time taken low: a 10 in 30.5 s, b 10 in 25 s, c 9 in 1 s, d 10 in 25 s."""
    board: Leaderboard[str] = Leaderboard(ties=ties, subscore=Order.ASC)
    board.set("a", 10, subscore=30.5)
    board.set("b", 10, subscore=25)
    board.set("c", 9, subscore=1.0)
    board.set("d", 10, subscore=25)
    return board


@pytest.mark.parametrize(
    ("ties", "ranks"),
    [
        (TiePolicy.COMPETITION, [1, 1, 3, 4]),
        (TiePolicy.MODIFIED_COMPETITION, [2, 2, 3, 4]),
        (TiePolicy.DENSE, [1, 1, 2, 3]),
        (TiePolicy.ORDINAL, [1, 2, 3, 4]),
    ],
)
def test_members_tie_only_when_score_and_subscore_are_equal(
    ties: TiePolicy, ranks: list[int]
) -> None:
    board = race(ties)
    assert [(s.member, s.score, s.subscore, s.rank) for s in board] == [
        ("b", 10, 25, ranks[0]),
        ("d", 10, 25, ranks[1]),
        ("a", 10, 30.5, ranks[2]),
        ("c", 9, 1.0, ranks[3]),
    ]
    assert [board.rank(m) for m in "bdac"] == ranks
    assert board.by_rank(1, 1) == [s for s in board if s.rank == 1]


def test_subscore_types_and_the_listing_inside_a_tie() -> None:
    board = race()
    assert type(board.get("b").subscore) is int  # type: ignore[union-attr]
    assert type(board.get("a").subscore) is float  # type: ignore[union-attr]
    # Equal pairs list by reached-at time, then arrival, as equal scores do.
    board.set("e", 10, T2, subscore=25.0)
    board.set("f", 10, T1, subscore=25)
    assert [s.member for s in board.page(0, 4)] == ["f", "e", "b", "d"]


def test_descending_subscore_and_ascending_score() -> None:
    laps: Leaderboard[str] = Leaderboard(Order.ASC, subscore=Order.DESC)
    laps.load([("x", 61.2, None, 3), ("y", 61.2, None, 5), ("z", 60.0, None, 0)])
    assert [(s.member, s.rank) for s in laps] == [("z", 1), ("y", 2), ("x", 3)]


def test_best_keeps_the_better_pair() -> None:
    board = race()
    assert board.best("a", 10, subscore=40) == Standing("a", 10, 3, None, 30.5)
    assert board.best("a", 9, subscore=0) == Standing("a", 10, 3, None, 30.5)
    assert board.best("a", 10, subscore=20) == Standing("a", 10, 1, None, 20)
    assert board.best("c", 11, subscore=99) == Standing("c", 11, 1, None, 99)


def test_set_and_incr_with_and_without_a_subscore() -> None:
    board = race()
    # incr without a subscore keeps the member's own.
    assert board.incr("c", 2) == Standing("c", 11, 1, None, 1.0)
    assert board.incr("c", 0, subscore=0.5) == Standing("c", 11, 1, None, 0.5)
    with pytest.raises(InvalidArgument, match="subscore is required"):
        board.incr("new", 5)
    with pytest.raises(InvalidArgument, match="subscore is required"):
        board.set("a", 5)
    with pytest.raises(InvalidArgument, match="subscore is required"):
        board.best("a", 50)
    with pytest.raises(ScoreValueError, match="subscore must be finite"):
        board.set("a", 5, subscore=math.inf)
    with pytest.raises(ScoreTypeError, match="subscore must be an int or a float"):
        board.set("a", 5, subscore=True)
    assert "new" not in board and board.get("a") == Standing("a", 10, 4, None, 30.5)


def test_a_board_without_a_subscore_refuses_one() -> None:
    board: Leaderboard[str] = Leaderboard()
    board.set("a", 1)
    for call in (
        lambda: board.set("a", 2, subscore=1),
        lambda: board.incr("a", 2, subscore=1),
        lambda: board.best("a", 2, subscore=1),
        lambda: board.rank_of_score(2, subscore=1),
        lambda: board.load([("b", 2, None, 1)]),
    ):
        with pytest.raises(InvalidArgument, match="no subscore"):
            call()
    assert list(board) == [Standing("a", 1, 1, None)]
    assert board.subscore is None and race().subscore is Order.ASC


def test_rank_of_score_compares_the_pair() -> None:
    board = race()  # (10, 25) x2, (10, 30.5), (9, 1.0)
    assert board.rank_of_score(10, subscore=20) == 1
    assert board.rank_of_score(10, subscore=25) == 1
    assert board.rank_of_score(10, subscore=26) == 3
    assert board.rank_of_score(10, TiePolicy.ORDINAL, subscore=25) == 3
    assert board.rank_of_score(9, "modified_competition", subscore=1) == 5
    with pytest.raises(InvalidArgument, match="subscore is required"):
        board.rank_of_score(10)


def test_score_ranges_and_percentiles() -> None:
    board = race()
    assert board.count_between(10, 10) == 3
    assert board.count_between(-math.inf, 9.5) == 1
    assert [s.member for s in board.range_by_score(10, 10)] == ["b", "d", "a"]
    assert [s.member for s in board.range_by_score(9, 10, offset=2)] == ["a", "c"]
    # b and d tie (same pair); a is alone below them.
    assert board.percentile("b") == pytest.approx(100 * (2 + 2 / 2) / 4)
    assert board.percentile("a") == pytest.approx(100 * (1 + 1 / 2) / 4)


def test_cursors_of_a_board_with_a_subscore() -> None:
    board = race()
    first = board.page_after(None, 3)
    assert [s.member for s in first.entries] == ["b", "d", "a"]
    assert first.cursor is not None and first.cursor.startswith("da")
    rest = board.page_after(first.cursor, 3)
    assert [s.member for s in rest.entries] == ["c"] and rest.cursor is None
    plain: Leaderboard[str] = Leaderboard()
    plain.load([("a", 1), ("b", 2)])
    plain_cursor = plain.page_after(None, 1).cursor
    with pytest.raises(InvalidArgument, match="without a subscore"):
        board.page_after(plain_cursor, 1)
    with pytest.raises(InvalidArgument, match="with a subscore"):
        plain.page_after(first.cursor, 1)
    other: Leaderboard[str] = Leaderboard(subscore="desc")
    other.load([("a", 1, None, 1), ("b", 1, None, 2)])
    with pytest.raises(InvalidArgument, match="other order"):
        board.page_after(other.page_after(None, 1).cursor, 1)


# -- metadata -----------------------------------------------------------------------------


def test_meta_is_kept_replaced_and_cleared() -> None:
    board: Leaderboard[str] = Leaderboard()
    assert board.set("ann", 5, meta={"name": "Ann", "country": "IN"}) == Standing(
        "ann", 5, 1, None, None, {"name": "Ann", "country": "IN"}
    )
    assert board.incr("ann", 1).meta == {"name": "Ann", "country": "IN"}  # kept
    assert board.set("bob", 9).meta is None
    assert [(s.member, s.meta) for s in board] == [
        ("bob", None),
        ("ann", {"name": "Ann", "country": "IN"}),
    ]
    assert board.set("ann", 6, meta="replay-7").meta == "replay-7"  # same score: replaced
    assert board.get("ann") == Standing("ann", 6, 2, None, None, "replay-7")
    assert board.meta("ann") == "replay-7" and board.meta("bob") is None
    assert board.incr("ann", 0, meta=None).meta is None  # cleared
    assert board.meta("ann") is None
    with pytest.raises(MemberNotFound):
        board.meta("nobody")


def test_best_keeps_the_meta_of_the_best_write() -> None:
    board: Leaderboard[str] = Leaderboard(order=Order.ASC)
    board.best("ann", 63.4, meta="replay-1")
    assert board.best("ann", 70.0, meta="replay-2").meta == "replay-1"
    assert board.best("ann", 61.0, meta="replay-3").meta == "replay-3"
    assert board.best("ann", 60.0).meta == "replay-3"


def test_meta_in_every_read_and_gone_with_its_member() -> None:
    board: Leaderboard[str] = Leaderboard(ties=TiePolicy.DENSE)
    board.load([("a", 3, None, None, "A"), ("b", 2), ("c", 1, None, None, [1, 2])])
    expected = [
        Standing("a", 3, 1, None, None, "A"),
        Standing("b", 2, 2, None, None, None),
        Standing("c", 1, 3, None, None, [1, 2]),
    ]
    assert board.page(0, 3) == list(board) == expected
    assert board.around("b", 1, 1) == expected
    assert board.among(["c", "a"]) == [expected[0], expected[2]]
    assert board.range_by_score(1, 3) == expected
    assert board.by_rank(1, 3) == expected
    assert list(board.page_after(None, 5).entries) == expected
    board.remove("a")
    board.set("a", 3)
    assert board.get("a") == Standing("a", 3, 1, None)
    board.clear()
    board.set("c", 1)
    assert board.get("c") == Standing("c", 1, 1, None)


def test_meta_must_be_json_and_is_copied() -> None:
    board: Leaderboard[str] = Leaderboard()
    board.set("a", 1)
    for bad, error, words in [
        (math.nan, InvalidArgument, "JSON cannot represent"),
        ((1, 2), InvalidArgumentType, "must be a JSON value"),
        ({1: "x"}, InvalidArgumentType, "JSON object keys are str"),
        ([set()], InvalidArgumentType, r"\[0\] must be a JSON value"),
        (2**64, InvalidArgument, "64-bit"),
        ("\ud800", InvalidArgument, "lone surrogate"),
    ]:
        with pytest.raises(error, match=words):
            board.set("a", 2, meta=bad)
        with pytest.raises(error, match=words):
            board.load([("b", 2, None, None, "ok"), ("a", 2, None, None, bad)])
    assert list(board) == [Standing("a", 1, 1, None)]
    nested: list[object] = []
    for _ in range(40):
        nested = [nested]
    with pytest.raises(InvalidArgument, match="deep"):
        board.set("a", 2, meta=nested)
    given = {"tags": ["x"]}
    board.set("a", 2, meta=given)
    given["tags"].append("y")
    assert board.meta("a") == {"tags": ["x"]}


# -- Standing and saved state -------------------------------------------------------------


def test_standing_keeps_its_positional_fields() -> None:
    standing = Standing("a", 1, 2, T1)
    assert (standing.member, standing.score, standing.rank, standing.reached_at) == ("a", 1, 2, T1)
    assert standing.subscore is None and standing.meta is None
    assert Standing("a", 1, 2, T1, 3.5, "m").subscore == 3.5
    assert Standing("a", 1, 2, T1) != Standing("a", 1, 2, T1, None, "m")
    with pytest.raises(AttributeError):
        standing.rank = 3  # type: ignore[misc]


def test_state_of_a_board_with_subscore_and_meta_round_trips() -> None:
    board = race(TiePolicy.DENSE)
    board.set("a", 10, T1, subscore=30.5, meta={"replay": "r1"})  # unchanged pair: meta only
    board.incr("c", 1, T2, meta="C")
    state = json.loads(json.dumps(board.to_state()))
    assert state["subscore"] == "asc" and state["seq"] == 5
    assert [entry[0] for entry in state["entries"]] == ["c", "b", "d", "a"]  # c is (10, 1.0)
    assert state["entries"][3][2] == {"replay": "r1"} and state["entries"][0][2] == "C"
    assert len(state["entries"][1]) == 2
    copy: Leaderboard[str] = Leaderboard.from_state(state)
    copy._check()
    assert list(copy) == list(board)
    assert copy.set("e", 10, subscore=25).rank == board.set("e", 10, subscore=25).rank == 2
    assert copy.to_state() == board.to_state()


def test_a_state_saved_before_subscores_and_meta_still_loads() -> None:
    # Written by the version before (a 10 at T1, b 7, c 7): order, ties, seq and
    # [member, key] entries only. The keys are literal, as that version saved them.
    old = {
        "order": "desc",
        "ties": "competition",
        "seq": 3,
        "entries": [
            ["a", -2999732110621678239577117169899592074751167944458237],
            ["b", -2998270608984347336045822327000601161820783524184059],
            ["c", -2998270608984347336045822327000601161820783524184057],
        ],
    }
    board: Leaderboard[str] = Leaderboard.from_state(old)
    board._check()
    assert list(board) == [
        Standing("a", 10, 1, T1),
        Standing("b", 7, 2, None),
        Standing("c", 7, 2, None),
    ]
    assert board.to_state() == old
    assert board.subscore is None


def test_malformed_states_are_refused() -> None:
    good = race().to_state()
    for change in (
        {"subscore": "sideways"},
        {"seq": 2**47},
        {"entries": [["a", 1, "meta", "extra"]]},
        {"entries": [["a", 1 << 300]]},
        {"entries": [["a", race().to_state()["entries"][0][1], math.nan]]},  # type: ignore[index]
    ):
        with pytest.raises((ValueError, TypeError, KeyError)):
            Leaderboard.from_state({**good, **change})
    key = good["entries"][0][1]  # type: ignore[index]
    with pytest.raises(ValueError, match="duplicate leaderboard keys"):
        Leaderboard.from_state({**good, "entries": [["a", key], ["b", key]]})


def test_returned_standings_behave_as_standing_values() -> None:
    board: Leaderboard[str] = Leaderboard(ties=TiePolicy.ORDINAL)
    written = board.set("a", 5, T1, meta={"k": 1})
    board.set("b", 2.5)
    listed = board.page(0, 2)
    expected = [Standing("a", 5, 1, T1, None, {"k": 1}), Standing("b", 2.5, 2, None)]
    assert listed == expected and expected == listed
    assert written == expected[0] == board.get("a")
    assert all(isinstance(s, Standing) for s in [written, *listed])
    assert repr(listed[1]) == (
        "Standing(member='b', score=2.5, rank=2, reached_at=None, subscore=None, meta=None)"
    )
    assert hash(listed[1]) == hash(Standing("b", 2.5, 2, None)) == hash(board.get("b"))
    assert listed[1] != Standing("b", 2.5, 3, None) and listed[1] != ("b", 2, None, 0)
    assert listed[0].reached_at == T1 and type(listed[1].score) is float
    assert {listed[1], Standing("b", 2.5, 2)} == {Standing("b", 2.5, 2)}
    with pytest.raises(AttributeError):
        listed[0].rank = 9  # type: ignore[misc]
    with pytest.raises(AttributeError):
        written.score = 9  # type: ignore[misc]
    copied = pickle.loads(pickle.dumps(listed[0]))
    assert copied == expected[0] and type(copied) is Standing
    assert copy.deepcopy(listed[0]) == expected[0] and copy.copy(listed[1]) == expected[1]
    board.set("a", 1)  # a standing read before a change keeps what it read
    assert listed[0] == expected[0]
