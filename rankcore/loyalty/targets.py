"""Target groups and their targets (Capillary's milestones and streaks).

A target group holds periods (see :mod:`rankcore.loyalty.periods`) and targets. A target
tracks one activity metric and has a target value:

- a ``MILESTONE`` accumulates the metric per period; reaching the value is the milestone;
- a ``STREAK`` counts consecutive periods in which the customer's per-period total reached
  the value; ``streak_length`` such periods in a row achieve it.

These are immutable definitions; progress lives in :mod:`rankcore.loyalty.progress`.
"""

from __future__ import annotations

import enum
import math
from typing import TypeVar

import attrs

from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score

_E = TypeVar("_E", bound=enum.Enum)

__all__ = [
    "EnrollmentMode",
    "Target",
    "TargetGroup",
    "TargetType",
    "make_target",
    "make_target_group",
]


class TargetType(enum.Enum):
    """What a target counts."""

    MILESTONE = "MILESTONE"
    """The metric's total in one period, against the target value."""
    STREAK = "STREAK"
    """Consecutive periods whose total reached the target value."""


class EnrollmentMode(enum.Enum):
    """How customers come to take part in a target."""

    AUTO = "auto"
    """A customer's first activity on the target enrolls it (the default)."""
    EXPLICIT = "explicit"
    """Only :meth:`~rankcore.Engine.enroll` enrolls."""


@attrs.frozen
class TargetGroup:
    """A target group: the container of periods and targets, owned by one org."""

    org: int
    id: int
    name: str
    active: bool = True
    leaderboard: bool = True


@attrs.frozen
class Target:
    """A target (a "target rule") of a target group.

    ``value`` is the total to reach (per period). ``streak_length`` is the number of
    consecutive periods a streak needs (``None`` for milestones). ``ties`` and ``order``
    shape the target's leaderboards.
    """

    org: int
    group_id: int
    id: int
    name: str
    type: TargetType
    metric: str
    value: Score
    streak_length: int | None = None
    leaderboard: bool = True
    ties: TiePolicy = TiePolicy.COMPETITION
    order: Order = Order.DESC
    enrollment: EnrollmentMode = EnrollmentMode.AUTO


def _int_id(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(f"{name} must be an int, not {type(value).__name__}")
    return value


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentType(f"{name} must be a str, not {type(value).__name__}")
    if not value.strip():
        raise InvalidArgument(f"{name} must not be empty")
    return value


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentType(f"{name} must be a bool, not {type(value).__name__}")
    return value


def _enum(kind: type[_E], value: object, name: str) -> _E:
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        for member in kind:
            if str(member.value).lower() == value.strip().lower():
                return member
        choices = ", ".join(str(member.value) for member in kind)
        raise InvalidArgument(f"{name} must be one of {choices}, not {value!r}")
    raise InvalidArgumentType(
        f"{name} must be a {kind.__name__} or a str, not {type(value).__name__}"
    )


def make_target_group(
    org: int, group_id: object, name: object, active: object, leaderboard: object
) -> TargetGroup:
    """A checked :class:`TargetGroup`; every argument is validated and named in errors."""
    return TargetGroup(
        org,
        _int_id(group_id, "group_id"),
        _text(name, "name"),
        _flag(active, "active"),
        _flag(leaderboard, "leaderboard"),
    )


def make_target(
    group: TargetGroup,
    target_id: object,
    *,
    name: object,
    type: object,
    metric: object,
    value: object,
    streak_length: object = None,
    leaderboard: object = True,
    ties: object = TiePolicy.COMPETITION,
    order: object = Order.DESC,
    enrollment: object = EnrollmentMode.AUTO,
) -> Target:
    """A checked :class:`Target` of ``group``; every argument is validated and named."""
    kind = _enum(TargetType, type, "type")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentType(f"value must be an int or a float, not {_name(value)}")
    if not math.isfinite(value) or value <= 0:
        raise InvalidArgument(f"value must be a finite number above 0, got {value!r}")
    length: int | None = None
    if kind is TargetType.STREAK:
        if streak_length is None:
            raise InvalidArgument("streak_length is required for a STREAK target")
        length = _int_id(streak_length, "streak_length")
        if length < 1:
            raise InvalidArgument(f"streak_length must be at least 1, got {length}")
    elif streak_length is not None:
        raise InvalidArgument("streak_length applies to STREAK targets only")
    return Target(
        org=group.org,
        group_id=group.id,
        id=_int_id(target_id, "target_id"),
        name=_text(name, "name"),
        type=kind,
        metric=_text(metric, "metric"),
        value=value,
        streak_length=length,
        leaderboard=_flag(leaderboard, "leaderboard"),
        ties=_enum(TiePolicy, ties, "ties"),
        order=_enum(Order, order, "order"),
        enrollment=_enum(EnrollmentMode, enrollment, "enrollment"),
    )


def _name(value: object) -> str:
    return type(value).__name__
