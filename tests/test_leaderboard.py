"""The kernel's seed samples, its errors, and behaviour the model test does not reach."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rankcore import (
    InvalidArgument,
    InvalidArgumentType,
    Leaderboard,
    MemberNotFound,
    Order,
    Page,
    RankcoreError,
    ScoreTypeError,
    ScoreValueError,
    Standing,
    TiePolicy,
)

IST = timezone(timedelta(hours=5, minutes=30), "IST")


def test_rehook_sample_points_rank_competition() -> None:
    # Seed 001: points 4, 3, 1, 1, 1 are ranked 1, 2, 3, 3, 3, listed in arrival order.
    board = Leaderboard(ties=TiePolicy.COMPETITION)
    sample = [("KMN@123", 4), ("New_customer2", 3), ("krishna123", 1)]
    sample += [("New_customer3", 1), ("New_customer4", 1)]
    for source_id, points in sample:
        board.incr(source_id, points)
    assert [(s.member, s.score, s.rank) for s in board.page(0, 20)] == [
        ("KMN@123", 4, 1),
        ("New_customer2", 3, 2),
        ("krishna123", 1, 3),
        ("New_customer3", 1, 3),
        ("New_customer4", 1, 3),
    ]


def test_capillary_sample_ties_rank_ordinal_by_last_activity() -> None:
    # Seed 000: three customers at 21000 are ranks 1, 2, 3 in lastActivityTime order.
    board = Leaderboard(ties=TiePolicy.ORDINAL)
    activity = {
        381333386: datetime(2022, 11, 29, 13, 48, 28, tzinfo=IST),
        381329844: datetime(2022, 11, 25, 21, 44, 40, tzinfo=IST),
        381332324: datetime(2022, 11, 29, 0, 14, 48, tzinfo=IST),
    }
    for customer, at in activity.items():  # written out of order on purpose
        board.set(customer, 21000, at)
    assert [(s.rank, s.member, s.reached_at) for s in board.page(0, 10)] == [
        (1, 381329844, activity[381329844]),
        (2, 381332324, activity[381332324]),
        (3, 381333386, activity[381333386]),
    ]


@pytest.mark.parametrize(
    ("ties", "ranks"),
    [
        (TiePolicy.COMPETITION, [1, 2, 2, 4]),
        (TiePolicy.MODIFIED_COMPETITION, [1, 3, 3, 4]),
        (TiePolicy.DENSE, [1, 2, 2, 3]),
        (TiePolicy.ORDINAL, [1, 2, 3, 4]),
    ],
)
def test_the_four_policies_on_one_board(ties: TiePolicy, ranks: list[int]) -> None:
    board = Leaderboard(ties=ties)
    board.load([("a", 10), ("b", 7), ("c", 7), ("d", 1)])
    assert [s.rank for s in board] == ranks
    assert [board.rank(m) for m in "abcd"] == ranks


@pytest.mark.parametrize("order", [Order.DESC, Order.ASC])
def test_adjacent_floats_do_not_tie_however_close_their_keys(order: Order) -> None:
    # Adjacent floats sort next to each other; the better one written with no time and the
    # worse one early gives two keys less apart than one tie part's span: still no tie.
    good, worse = (math.nextafter(1.0, 2.0), 1.0)
    if order is Order.ASC:
        good, worse = worse, good
    board = Leaderboard(order=order)
    board.set("good", good)
    board.set("worse", worse, datetime(2000, 1, 1, tzinfo=UTC))
    board.set("tied", worse, datetime(2001, 1, 1, tzinfo=UTC))
    board.set("last", -5.0 if order is Order.DESC else 5.0)
    expected = [("good", 1), ("worse", 2), ("tied", 2), ("last", 4)]
    assert [(s.member, s.rank) for s in board.page(0, 10)] == expected
    assert [(s.member, s.rank) for s in board.page(1, 2)] == expected[1:3]
    assert [(s.member, s.rank) for s in board.around("tied", 2, 1)] == expected


def test_ascending_board_ranks_lower_first() -> None:
    laps = Leaderboard(order=Order.ASC)
    laps.load([("ann", 63.456), ("bob", 61.002), ("cy", 63.456)])
    assert [(s.member, s.rank) for s in laps] == [("bob", 1), ("ann", 2), ("cy", 2)]
    assert laps.best("ann", 70.0).score == 63.456  # worse lap: nothing changes
    assert laps.best("ann", 60.5).rank == 1


def test_untimed_writes_list_after_timed_ones() -> None:
    board = Leaderboard(ties=TiePolicy.ORDINAL)
    board.set("untimed", 5)
    board.set("late", 5, datetime(2030, 1, 1, tzinfo=UTC))
    board.set("early", 5, datetime(2020, 1, 1, tzinfo=UTC))
    assert [s.member for s in board] == ["early", "late", "untimed"]


_ZONES = st.sampled_from(
    [
        UTC,
        IST,
        timezone(timedelta(hours=-12)),
        ZoneInfo("America/New_York"),
        ZoneInfo("Asia/Kolkata"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        # A day inside either end: every zone's time then has an instant a key can hold.
        st.datetimes(
            timezones=_ZONES, min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)
        ),
        min_size=1,
        max_size=8,
    )
)
def test_reached_at_is_kept_to_the_microsecond_in_any_zone(times: list[datetime]) -> None:
    # Equal scores: ordinal ranks follow the reached-at instants (earlier first, then the
    # earlier write), whatever zone each time was given in; every time reads back exactly.
    board = Leaderboard(ties=TiePolicy.ORDINAL)
    for member, at in enumerate(times):
        assert board.set(member, 1, at).reached_at == at
    epoch = datetime(1, 1, 1, tzinfo=UTC)
    instants = [(at - epoch) // timedelta(microseconds=1) for at in times]
    expected = sorted(range(len(times)), key=lambda member: (instants[member], member))
    assert [s.member for s in board] == expected
    for member in range(len(times)):
        reached = board.get(member).reached_at
        assert reached is not None and reached.tzinfo is UTC
        # By instant: == across zones is False for a time in a gap or a fold of either.
        assert (reached - epoch) // timedelta(microseconds=1) == instants[member]


def test_unchanged_score_keeps_reached_at_and_place() -> None:
    board = Leaderboard(ties=TiePolicy.ORDINAL)
    t1, t2 = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
    board.set("a", 5, t1)
    board.set("b", 5, t2)
    assert board.set("a", 5, t2) == Standing("a", 5, 1, t1)
    assert board.incr("a", 0, t2).reached_at == t1
    assert board.best("a", 4, t2) == Standing("a", 5, 1, t1)


def test_score_types_are_kept() -> None:
    board = Leaderboard()
    assert type(board.set("a", 3).score) is int
    assert board.incr("a", 0.5).score == 3.5
    assert type(board.set("b", 2.0).score) is float
    assert board.set("c", 2**53).score == 2**53
    assert board.get("c") == Standing("c", 2**53, 1, None)


@pytest.mark.parametrize(
    ("score", "error", "words"),
    [
        (True, ScoreTypeError, "score must be an int or a float, not bool"),
        (None, ScoreTypeError, "not NoneType"),
        ("3", ScoreTypeError, "not str"),
        (math.nan, ScoreValueError, "score must be finite"),
        (math.inf, ScoreValueError, "score must be finite"),
        (2**53 + 1, ScoreValueError, "too large to rank exactly"),
    ],
)
def test_bad_scores_are_refused_by_name(score: object, error: type, words: str) -> None:
    board = Leaderboard()
    board.set("a", 1)
    with pytest.raises(error, match=words):
        board.set("a", score)  # type: ignore[arg-type]
    assert list(board) == [Standing("a", 1, 1, None)]


def test_error_classes_match_builtins() -> None:
    assert issubclass(MemberNotFound, KeyError)
    assert issubclass(ScoreTypeError, TypeError)
    assert issubclass(ScoreValueError, ValueError)
    for error in (MemberNotFound, ScoreTypeError, ScoreValueError, InvalidArgument):
        assert issubclass(error, RankcoreError)


def test_overflowing_increment_is_refused_and_changes_nothing() -> None:
    board = Leaderboard()
    board.set("a", 2**53)
    with pytest.raises(ScoreValueError, match="the new score"):
        board.incr("a", 1)
    board.set("f", 1e308)
    with pytest.raises(ScoreValueError, match="the new score must be finite"):
        board.incr("f", 1e308)
    assert [s.score for s in board] == [1e308, 2**53]


_AFTER_9999_UTC = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-12)))
"""A datetime Python holds whose instant (10000-01-01 11:00 UTC) no UTC datetime can."""
_BEFORE_YEAR_1_UTC = datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=14)))


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda b: b.page(-1, 10), InvalidArgument, "offset must not be negative"),
        (lambda b: b.page(0, -1), InvalidArgument, "limit must not be negative"),
        (lambda b: b.page(0, 1.5), InvalidArgumentType, "limit must be an int"),
        (lambda b: b.around("a", -1, 0), InvalidArgument, "before must not be negative"),
        (lambda b: b.around("zz", 1, 1), MemberNotFound, "'zz' is not on the leaderboard"),
        (lambda b: b.by_rank(0, 3), InvalidArgument, "first must be at least 1"),
        (lambda b: b.set(["x"], 1), InvalidArgumentType, "member must be hashable"),
        (lambda b: b.set("a", 1, datetime(2024, 1, 1)), InvalidArgument, "at must be timezone"),
        (lambda b: b.set("a", 1, "today"), InvalidArgumentType, "at must be a datetime"),
        (lambda b: b.set("a", 1, _AFTER_9999_UTC), InvalidArgument, "not be after 9999-12-31"),
        (lambda b: b.incr("a", 1, _AFTER_9999_UTC), InvalidArgument, "not be after 9999-12-31"),
        (lambda b: b.set("a", 1, _BEFORE_YEAR_1_UTC), InvalidArgument, "not be before 0001"),
        (lambda b: b.load([("b", 2, _AFTER_9999_UTC)]), InvalidArgument, "at of entry 1"),
        (lambda b: b.rank("a", TiePolicy.DENSE), InvalidArgument, "dense ranks need"),
        (lambda b: b.count_between(math.nan, 3), ScoreValueError, "low must be finite"),
        (lambda b: b.load([("a", 1), ("b", "x")]), ScoreTypeError, "score of entry 2"),
        (lambda b: b.load([("a", 1), ("b", 2, "x")]), InvalidArgumentType, "at of entry 2"),
        (lambda b: b.load([("b", 2, datetime(2024, 1, 1))]), InvalidArgument, "at of entry 1"),
        (lambda b: b.load([("b", 2**64)]), ScoreValueError, "score of entry 1"),
        (lambda b: Leaderboard(order=1), InvalidArgumentType, "order must be an Order"),
        (lambda b: Leaderboard(ties="best"), InvalidArgument, "ties must be one of"),
    ],
)
def test_bad_arguments_are_named(call: object, error: type, words: str) -> None:
    board = Leaderboard()
    board.set("a", 1)
    with pytest.raises(error, match=words):
        call(board)  # type: ignore[operator]
    assert list(board) == [Standing("a", 1, 1, None)]


def test_rank_of_missing_member_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        Leaderboard().rank("nobody")
    assert Leaderboard().get("nobody") is None
    assert Leaderboard().remove("nobody") is False


def test_load_takes_times_at_either_end_of_the_range() -> None:
    # Years 1 and 9999 in zones other than UTC are checked by their instant, not on sight.
    last = datetime(9999, 12, 31, 11, 59, tzinfo=timezone(timedelta(hours=-12)))
    first = datetime(1, 1, 1, 14, tzinfo=timezone(timedelta(hours=14)))
    board = Leaderboard(ties=TiePolicy.ORDINAL)
    assert board.load([("late", 1, last), ("early", 1, first), ("late", 2, last)]) == 3
    assert [(s.member, s.reached_at) for s in board] == [
        ("late", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
        ("early", datetime(1, 1, 1, tzinfo=UTC)),
    ]


def test_load_equals_repeated_sets() -> None:
    entries = [("a", 5), ("b", 7), ("a", 9), ("c", 7), ("b", 7), ("d", 1.5)]
    loaded, repeated = Leaderboard(ties=TiePolicy.ORDINAL), Leaderboard(ties=TiePolicy.ORDINAL)
    loaded.set("c", 2)
    repeated.set("c", 2)
    assert loaded.load(entries) == len(entries)
    for member, score in entries:
        repeated.set(member, score)
    assert list(loaded) == list(repeated)
    loaded._check()


def test_percentile_and_count_between() -> None:
    board = Leaderboard()
    board.load([(i, i) for i in range(1000)])
    assert board.percentile(999) == pytest.approx(99.95)
    assert board.percentile(0) == pytest.approx(0.05)
    assert board.count_between(10, 19) == 10
    assert board.count_between(-math.inf, math.inf) == 1000
    assert board.count_between(5, 4) == 0


def test_clear_empties_and_keeps_working() -> None:
    board = Leaderboard(ties=TiePolicy.DENSE)
    board.load([("a", 1), ("b", 1)])
    board.clear()
    assert len(board) == 0 and list(board) == []
    assert board.set("a", 2).rank == 1
    board._check()


def test_iteration_crosses_chunks() -> None:
    board = Leaderboard(ties=TiePolicy.ORDINAL)
    board.load([(i, i % 7) for i in range(3000)])
    ranks = [s.rank for s in board]
    assert ranks == list(range(1, 3001))


# -- rank_of_score, range_by_score, among, page_after ------------------------------------------

ALL_TIES = list(TiePolicy)


def _board(ties: TiePolicy = TiePolicy.COMPETITION, order: Order = Order.DESC) -> Leaderboard[str]:
    board: Leaderboard[str] = Leaderboard(order, ties)
    board.load([("a", 10), ("b", 7), ("c", 7), ("d", 1)])
    return board


@pytest.mark.parametrize("ties", ALL_TIES)
def test_new_reads_on_an_empty_board(ties: TiePolicy) -> None:
    board: Leaderboard[str] = Leaderboard(ties=ties)
    assert board.rank_of_score(5) == 1
    assert board.range_by_score(-math.inf, math.inf) == []
    assert board.among(["a", "b"]) == []
    assert board.page_after(None, 3) == Page((), None)


@pytest.mark.parametrize(
    ("ties", "expected"),
    [
        # Scores 10, 7, 7, 1; asked about 11, 10, 8, 7, 4, 1, 0.
        (TiePolicy.COMPETITION, [1, 1, 2, 2, 4, 4, 5]),
        (TiePolicy.MODIFIED_COMPETITION, [1, 2, 2, 4, 4, 5, 5]),
        (TiePolicy.DENSE, [1, 1, 2, 2, 3, 3, 4]),
        (TiePolicy.ORDINAL, [1, 2, 2, 4, 4, 5, 5]),
    ],
)
def test_rank_of_score_is_the_rank_a_newcomer_gets(ties: TiePolicy, expected: list[int]) -> None:
    scores = [11, 10, 8, 7, 4, 1, 0]
    assert [_board(ties).rank_of_score(s) for s in scores] == expected
    for score, rank in zip(scores, expected, strict=True):
        board = _board(ties)
        assert board.set("newcomer", score).rank == rank


def test_rank_of_score_ascending_and_under_other_policies() -> None:
    laps = _board(TiePolicy.DENSE, Order.ASC)  # 1, 7, 7, 10: lower is better
    assert [laps.rank_of_score(s) for s in (0, 1, 7, 8, 10, 11)] == [1, 1, 2, 3, 3, 4]
    assert laps.rank_of_score(7, TiePolicy.COMPETITION) == 2
    assert laps.rank_of_score(7, "modified_competition") == 4
    assert laps.rank_of_score(7.0, TiePolicy.ORDINAL) == 4
    with pytest.raises(InvalidArgument, match="dense ranks need"):
        _board().rank_of_score(7, TiePolicy.DENSE)


@pytest.mark.parametrize("ties", ALL_TIES)
def test_range_by_score_takes_whole_ties_at_both_bounds(ties: TiePolicy) -> None:
    board = _board(ties)
    ranks = {s.member: s.rank for s in board}
    got = board.range_by_score(7, 10)
    assert [(s.member, s.rank) for s in got] == [(m, ranks[m]) for m in "abc"]
    assert [s.member for s in board.range_by_score(1, 7)] == ["b", "c", "d"]
    assert [s.member for s in board.range_by_score(7, 7)] == ["b", "c"]
    assert [s.member for s in board.range_by_score(7.5, 9.5)] == []
    # offset and limit count entries of the range, and may split a tie.
    assert [s.member for s in board.range_by_score(1, 10, offset=1, limit=2)] == ["b", "c"]
    assert [s.member for s in board.range_by_score(1, 10, offset=2)] == ["c", "d"]
    assert board.range_by_score(1, 10, limit=0) == []
    assert board.range_by_score(1, 10, offset=9) == []


def test_range_by_score_lists_better_first_on_both_orders() -> None:
    laps = _board(order=Order.ASC)
    assert [s.member for s in laps.range_by_score(-math.inf, 7)] == ["d", "b", "c"]
    assert [s.score for s in _board().range_by_score(-math.inf, math.inf)] == [10, 7, 7, 1]
    assert _board().range_by_score(10, 1) == []  # low > high selects nothing
    assert _board().range_by_score(-0.0, 1) == _board().range_by_score(0, 1.0)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda b: b.rank_of_score(math.inf), ScoreValueError, "score must be finite"),
        (lambda b: b.rank_of_score(True), ScoreTypeError, "score must be an int or a float"),
        (lambda b: b.range_by_score(math.nan, 3), ScoreValueError, "low must be finite"),
        (lambda b: b.range_by_score(0, "9"), ScoreTypeError, "high must be an int or a float"),
        (lambda b: b.range_by_score(0, 9, offset=-1), InvalidArgument, "offset must not be neg"),
        (lambda b: b.range_by_score(0, 9, limit=-1), InvalidArgument, "limit must not be neg"),
        (lambda b: b.range_by_score(9, 0, limit=-1), InvalidArgument, "limit must not be neg"),
        (lambda b: b.range_by_score(0, 9, limit=1.0), InvalidArgumentType, "limit must be an int"),
        (lambda b: b.among("abc"), InvalidArgumentType, "not a str"),
        (lambda b: b.among(b"abc"), InvalidArgumentType, "not a bytes"),
        (lambda b: b.among(3), InvalidArgumentType, "members must be iterable, not int"),
        (lambda b: b.among(["a", ["x"]]), InvalidArgumentType, "member must be hashable"),
        (lambda b: b.among(["a"], "dense"), InvalidArgument, "dense ranks need"),
        (lambda b: b.page_after(None, 0), InvalidArgument, "limit must be at least 1"),
        (lambda b: b.page_after(None, -1), InvalidArgument, "limit must not be negative"),
        (lambda b: b.page_after(None, "2"), InvalidArgumentType, "limit must be an int"),
        (lambda b: b.page_after("", 2), InvalidArgument, "malformed cursor"),
        (lambda b: b.page_after("d" + "0" * 43, 2), InvalidArgument, "malformed cursor"),
        (lambda b: b.page_after("d" + "0" * 45, 2), InvalidArgument, "malformed cursor"),
        (lambda b: b.page_after("d" + "F" * 44, 2), InvalidArgument, "malformed cursor"),
        (lambda b: b.page_after("d" + "f" * 44, 2), InvalidArgument, "malformed cursor"),
        (lambda b: b.page_after("x" + "0" * 44, 2), InvalidArgument, "malformed cursor"),
        (lambda b: b.page_after(" d" + "0" * 43, 2), InvalidArgument, "malformed cursor"),
        (lambda b: b.page_after("a" + "0" * 44, 2), InvalidArgument, "the other order"),
        (lambda b: b.page_after(12, 2), InvalidArgumentType, "cursor must be a str or None"),
    ],
)
def test_new_reads_refuse_bad_arguments(call: object, error: type, words: str) -> None:
    board = _board()
    before = list(board)
    with pytest.raises(error, match=words):
        call(board)  # type: ignore[operator]
    assert list(board) == before


def test_among_lists_friends_in_board_order_with_global_ranks() -> None:
    board = _board(TiePolicy.MODIFIED_COMPETITION)
    friends = ["d", "zed", "c", "d", "a", "c"]
    assert board.among(friends) == [
        Standing("a", 10, 1, None),
        Standing("c", 7, 3, None),
        Standing("d", 1, 4, None),
    ]
    assert board.among(m for m in ("b", "nobody")) == [Standing("b", 7, 3, None)]
    assert board.among({"c": 1, "b": 2}, TiePolicy.ORDINAL) == [
        Standing("b", 7, 2, None),
        Standing("c", 7, 3, None),
    ]
    assert board.among([]) == []


def test_page_after_walks_the_board_and_ends_with_no_cursor() -> None:
    board = _board(TiePolicy.ORDINAL)
    first = board.page_after(None, 2)
    assert [s.member for s in first.entries] == ["a", "b"]
    assert isinstance(first.cursor, str)
    last = board.page_after(first.cursor, 2)  # ends exactly at the end of the board
    assert [s.member for s in last.entries] == ["c", "d"] and last.cursor is None
    assert board.page_after(None, 4).cursor is None
    assert board.page_after(None, 3).cursor is not None
    assert board.page_after(first.cursor, 2) == last  # a cursor may be reused
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.cursor = None  # type: ignore[misc]


@pytest.mark.parametrize("ties", ALL_TIES)
def test_cursor_survives_removal_of_its_own_entry(ties: TiePolicy) -> None:
    board = _board(ties)  # a 10, b 7, c 7, d 1
    page = board.page_after(None, 2)
    assert [s.member for s in page.entries] == ["a", "b"]
    board.remove("b")  # the cursor's own entry
    board.remove("a")  # and one before it
    board.set("z", 50)  # a newcomer above the cursor is not listed
    rest = board.page_after(page.cursor, 2)
    assert [(s.member, s.rank) for s in rest.entries] == [("c", 2), ("d", 3)]
    assert rest.cursor is None


def test_cursor_starts_after_its_place_not_its_position() -> None:
    board = _board(TiePolicy.ORDINAL)  # a 10, b 7, c 7, d 1
    page = board.page_after(None, 2)
    board.set("b", 0)  # the cursor's entry falls to the bottom
    board.set("e", 7)  # a new 7 lists after c, so after the cursor's place
    board.set("c", 7, datetime(2020, 1, 1, tzinfo=UTC))  # c rewrites the same score: no change
    rest = board.page_after(page.cursor, 10)
    assert [s.member for s in rest.entries] == ["c", "e", "d", "b"]
    board.remove("b")
    board.remove("d")
    board.remove("e")
    board.remove("c")
    assert board.page_after(page.cursor, 10) == Page((), None)  # nothing left after it


def test_cursors_of_ascending_boards_and_extreme_scores() -> None:
    for order in Order:
        board: Leaderboard[int] = Leaderboard(order)
        extremes = [-1e308, -(2**53), -0.0, 5e-324, 2**53, 1e308]
        board.load([(i, s) for i, s in enumerate(extremes)])
        seen: list[Standing[int]] = []
        page = board.page_after(None, 1)
        while True:
            seen.extend(page.entries)
            if page.cursor is None:
                break
            page = board.page_after(page.cursor, 1)
        assert seen == list(board)


def test_member_type_parameter_is_for_type_checkers_only() -> None:
    board = Leaderboard[str](ties="dense")
    standing: Standing[str] = board.set("ann", 3)
    assert standing.member.upper() == "ANN"
    assert Standing[str]("a", 1, 1) == Standing("a", 1, 1)
    assert Page[str]((), None) == Page((), None)
    assert type(Leaderboard()) is type(board) is Leaderboard
