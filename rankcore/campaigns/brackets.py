"""Reward brackets: which competition ranks earn which reward, with an optional minimum score.

A bracket's ``position`` is ``"N"`` (one rank) or ``"A-B"`` (ranks A to B inclusive, A <= B).
A participant earns the bracket that contains their *competition* rank ("1224": 1 + the
number of strictly better scores) and whose minimum they meet; otherwise ``"0"``. So when
several participants tie across a bracket's last rank, they all share its competition rank
and all earn it. Brackets of one campaign may not overlap.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.ranking.keys import check_score
from rankcore.ranking.policy import Order
from rankcore.ranking.standing import Score
from rankcore.validate import MAX_KEY_LENGTH, check_text

__all__ = ["NO_REWARD", "Bracket", "RewardTable"]

NO_REWARD: Final = "0"
"""The reward of a participant outside every bracket, as Rehook writes it."""

_POSITION = re.compile(r"([1-9][0-9]{0,8})(?:-([1-9][0-9]{0,8}))?")


def _parse_position(position: object) -> tuple[int, int]:
    if not isinstance(position, str):
        raise InvalidArgumentType(
            f"bracket position must be a string such as '3' or '1-2', not {type(position).__name__}"
        )
    match = _POSITION.fullmatch(position)
    if match is None:
        raise InvalidArgument(
            f"bracket position {position!r} must be a rank 'N' or a range 'A-B' of ranks "
            "from 1 (at most 999999999)"
        )
    first = int(match[1])
    last = int(match[2]) if match[2] is not None else first
    if last < first:
        raise InvalidArgument(f"bracket position {position!r} runs backwards")
    return first, last


@attrs.frozen(slots=True)
class Bracket:
    """One reward bracket: ``position`` ("N" or "A-B"), ``reward_value`` (a string, as in
    Rehook), and an optional ``minimum`` score needed to earn it.

    ``first`` and ``last`` are the ranks ``position`` spans; they are computed, not passed.
    """

    position: str
    reward_value: str
    minimum: Score | None = None
    first: int = attrs.field(init=False)
    last: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        first, last = _parse_position(self.position)
        check_text(
            self.reward_value,
            f"reward_value of bracket {self.position!r}",
            max_length=MAX_KEY_LENGTH,
            blank=False,
        )
        if self.minimum is not None:
            check_score(self.minimum, f"minimum of bracket {self.position!r}")
        object.__setattr__(self, "first", first)
        object.__setattr__(self, "last", last)

    @classmethod
    def coerce(cls, value: Bracket | Mapping[str, object]) -> Bracket:
        """A :class:`Bracket`, or one built from a mapping. O(1).

        Mapping keys: ``position``, ``reward_value`` and optionally ``min_value``, or Rehook's
        ``is_minimum_value`` (bool) with ``value``.
        """
        if isinstance(value, Bracket):
            return value
        if not isinstance(value, Mapping):
            raise InvalidArgumentType(
                f"a bracket must be a Bracket or a mapping, not {type(value).__name__}"
            )
        unknown = set(value) - {
            "position",
            "reward_value",
            "min_value",
            "is_minimum_value",
            "value",
        }
        if unknown:
            raise InvalidArgument(
                f"unknown bracket field(s): {', '.join(sorted(map(str, unknown)))}"
            )
        for required in ("position", "reward_value"):
            if required not in value:
                raise InvalidArgument(f"a bracket needs {required!r}")
        minimum = value.get("min_value")
        flag = value.get("is_minimum_value", False)
        if not isinstance(flag, bool):
            raise InvalidArgumentType("is_minimum_value must be a bool")
        if flag:
            if "value" not in value or minimum is not None:
                raise InvalidArgument("is_minimum_value needs 'value' (and no 'min_value')")
            minimum = value["value"]
        elif "value" in value:
            raise InvalidArgument("a bracket's 'value' needs is_minimum_value: true")
        return cls(value["position"], value["reward_value"], minimum)  # type: ignore[arg-type]

    @property
    def has_minimum(self) -> bool:
        """Whether earning this bracket needs a minimum score (Rehook's ``is_minimum_value``)."""
        return self.minimum is not None


class RewardTable:
    """A campaign's brackets, checked for overlaps, with O(log b) lookup by rank.

    ``order`` decides what "at least the minimum" means: ``score >= minimum`` on a
    descending board, ``score <= minimum`` (at least as good) on an ascending one.
    """

    __slots__ = ("_by_first", "_desc", "_firsts", "brackets", "deepest")

    def __init__(self, brackets: Iterable[Bracket | Mapping[str, object]], order: Order) -> None:
        if isinstance(brackets, (str, bytes, Mapping)) or not isinstance(brackets, Iterable):
            raise InvalidArgumentType("brackets must be a list of brackets")
        self.brackets: tuple[Bracket, ...] = tuple(Bracket.coerce(b) for b in brackets)
        ordered = sorted(self.brackets, key=lambda b: b.first)
        for before, after in itertools.pairwise(ordered):
            if after.first <= before.last:
                raise InvalidArgument(
                    f"brackets {before.position!r} and {after.position!r} overlap"
                )
        self._by_first = ordered
        self._firsts = [b.first for b in ordered]
        self._desc = order is Order.DESC
        self.deepest: int = ordered[-1].last if ordered else 0
        """The last rank any bracket rewards (0 without brackets)."""

    def bracket_for(self, rank: int, score: Score) -> Bracket | None:
        """The bracket a participant with competition ``rank`` and ``score`` earns. O(log b)."""
        index = bisect_right(self._firsts, rank) - 1
        if index < 0:
            return None
        bracket = self._by_first[index]
        if rank > bracket.last:
            return None
        minimum = bracket.minimum
        if minimum is not None and (score < minimum if self._desc else score > minimum):
            return None
        return bracket

    def reward(self, rank: int, score: Score) -> str:
        """The reward value for competition ``rank`` and ``score``, ``"0"`` if none. O(log b)."""
        bracket = self.bracket_for(rank, score)
        return NO_REWARD if bracket is None else bracket.reward_value
