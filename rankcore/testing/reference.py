"""A brute-force reference model of rankcore's ranking semantics, for property tests.

:func:`reference_ranks` ranks a whole board the slow, obvious way: it sorts every entry with
an explicit key and counts, for each entry, the entries that beat it. It shares no code with
the kernel (:class:`~rankcore.Leaderboard`), so a test that compares the two can fail:

>>> from datetime import UTC, datetime
>>> noon = datetime(2024, 6, 1, 12, tzinfo=UTC)
>>> entries = [("ann", 4), ("bob", 3, noon), ("cy", 3), ("di", 1)]
>>> [(s.member, s.rank) for s in reference_ranks(entries, ties="competition")]
[('ann', 1), ('bob', 2), ('cy', 2), ('di', 4)]
>>> [(s.member, s.rank) for s in reference_ranks(entries, "asc", "dense")]
[('di', 1), ('bob', 2), ('cy', 2), ('ann', 3)]
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from rankcore.errors import InvalidArgument, InvalidArgumentType, ScoreTypeError, ScoreValueError
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score, Standing

__all__ = ["reference_ranks"]

_LIMIT = 2**53
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_NO_TIME = timedelta(0)


def reference_ranks(
    entries: Iterable[Sequence[Any]],
    order: Order | str = Order.DESC,
    ties: TiePolicy | str = TiePolicy.COMPETITION,
    subscore: Order | str | None = None,
) -> list[Standing[Hashable]]:
    """The standings of a board holding ``entries``, in listing order, by brute force.

    ``entries`` are ``(member, score)``, ``(member, score, reached_at)`` or, on a board
    with a ``subscore`` order, ``(member, score, reached_at, subscore)``, in arrival order
    (the order of each member's last change); each member appears once. The rules, written
    out rather than derived from the kernel:

    - "better": a better score (higher for ``desc``, lower for ``asc``); with a subscore,
      an equal score and a better subscore (under the ``subscore`` order). Entries tie when
      neither is better;
    - listing order: better first; inside a tie, earlier ``reached_at`` first, an entry
      without a time after every timed one; then arrival order;
    - ``competition`` (1224): 1 + the number of entries that are better;
    - ``modified_competition`` (1334): the number of entries that are better or tied;
    - ``dense`` (1223): 1 + the number of distinct better (score, subscore) values;
    - ``ordinal`` (1234): the position in listing order.

    Scores are compared as numbers (``1 == 1.0``). A ``bool``, NaN, an infinity or an ``int``
    beyond ±2**53 is refused, as the kernel refuses it, and so is a member given twice or a
    naive ``reached_at``. O(n²): a reference, not an implementation.
    """
    descending = Order.parse(order, "order") is Order.DESC
    policy = TiePolicy.parse(ties, "ties")
    sub_order = None if subscore is None else Order.parse(subscore, "subscore")
    sub_descending = sub_order is Order.DESC
    rows = _rows(entries, sub_order is not None)

    def value(row: _Row) -> tuple[Score, Score]:
        """What is compared: the score, and the subscore (0 on a board without one), each
        negated when higher is better, so that smaller is better."""
        score, sub = row[2], 0 if row[4] is None else row[4]
        return (-score if descending else score, -sub if sub_descending else sub)

    def better(a: _Row, b: _Row) -> bool:
        return value(a) < value(b)

    def listing_key(row: _Row) -> tuple[Any, ...]:
        reached = row[3]
        since = _NO_TIME if reached is None else reached - _EPOCH
        return (*value(row), reached is None, since, row[0])

    listed = sorted(rows, key=listing_key)
    result: list[Standing[Hashable]] = []
    for position, row in enumerate(listed, start=1):
        if policy is TiePolicy.COMPETITION:
            rank = 1 + sum(1 for other in listed if better(other, row))
        elif policy is TiePolicy.MODIFIED_COMPETITION:
            rank = sum(1 for other in listed if not better(row, other))
        elif policy is TiePolicy.DENSE:
            rank = 1 + len({value(other) for other in listed if better(other, row)})
        else:
            rank = position
        _, member, score, reached, sub = row
        result.append(Standing(member, score, rank, reached, sub))
    return result


_Row = tuple[int, Hashable, Score, datetime | None, Score | None]
"""``(arrival, member, score, reached_at, subscore)``."""


def _number(value: object, where: str) -> Score:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScoreTypeError(f"{where} must be an int or a float")
    if isinstance(value, float) and not math.isfinite(value):
        raise ScoreValueError(f"{where} must be finite, got {value}")
    if isinstance(value, int) and not -_LIMIT <= value <= _LIMIT:
        raise ScoreValueError(f"{where}: integer scores must lie within ±2**53")
    return 0.0 if isinstance(value, float) and value == 0 else value  # -0.0 is 0.0


def _rows(entries: Iterable[Sequence[Any]], with_subscore: bool) -> list[_Row]:
    """Every entry as a :data:`_Row`, every one checked first."""
    rows: list[_Row] = []
    seen: set[Hashable] = set()
    for index, entry in enumerate(entries):
        if isinstance(entry, (str, bytes)) or not isinstance(entry, Sequence):
            raise InvalidArgumentType(
                f"entries[{index}] must be (member, score) or (member, score, reached_at), "
                f"not {type(entry).__name__}"
            )
        if len(entry) not in (2, 3, 4):
            raise InvalidArgument(f"entries[{index}] has {len(entry)} items, not 2 to 4")
        member, score = entry[0], entry[1]
        reached = entry[2] if len(entry) >= 3 else None
        sub = entry[3] if len(entry) == 4 else None
        if not isinstance(member, Hashable):
            raise InvalidArgumentType(f"entries[{index}]: the member must be hashable")
        if member in seen:
            raise InvalidArgument(f"entries[{index}]: member {member!r} is given twice")
        seen.add(member)
        score = _number(score, f"entries[{index}]: the score")
        if with_subscore:
            if sub is None:
                raise InvalidArgument(f"entries[{index}]: a board with a subscore needs one")
            sub = _number(sub, f"entries[{index}]: the subscore")
        elif sub is not None:
            raise InvalidArgument(f"entries[{index}]: a board without a subscore takes none")
        if reached is not None and (
            not isinstance(reached, datetime) or reached.utcoffset() is None
        ):
            raise InvalidArgument(
                f"entries[{index}]: reached_at must be a timezone-aware datetime or None"
            )
        rows.append((index, member, score, reached, sub))
    return rows
