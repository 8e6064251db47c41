"""Target groups and their targets (Capillary's milestones and streaks).

A target group holds periods (see :mod:`rankcore.loyalty.periods`) and targets. A target
tracks one activity metric and has a target value:

- a ``MILESTONE`` accumulates the metric per period; reaching the value is the milestone;
- a ``STREAK`` counts consecutive periods in which the customer's per-period total reached
  the value; ``streak_length`` such periods in a row achieve it.

These are immutable definitions; progress lives in :mod:`rankcore.loyalty.progress`.
"""

from __future__ import annotations

import attrs

from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.ranking.keys import check_score
from rankcore.ranking.policy import Order, TiePolicy
from rankcore.ranking.standing import Score
from rankcore.validate import MAX_KEY_LENGTH, Choice, check_id, check_text

__all__ = [
    "EnrollmentMode",
    "Target",
    "TargetGroup",
    "TargetType",
    "check_metric",
    "make_target",
    "make_target_group",
]


class TargetType(Choice):
    """What a target counts."""

    MILESTONE = "MILESTONE"
    """The metric's total in one period, against the target value."""
    STREAK = "STREAK"
    """Consecutive periods whose total reached the target value."""


class EnrollmentMode(Choice):
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
    shape the target's leaderboards; ties default to ordinal, as Capillary ranks (equal
    values listed, and ranked, by when they were reached).
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
    ties: TiePolicy = TiePolicy.ORDINAL
    order: Order = Order.DESC
    enrollment: EnrollmentMode = EnrollmentMode.AUTO


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentType(f"{name} must be a bool, not {type(value).__name__}")
    return value


def _name(value: object, name: str) -> str:
    return check_text(value, name, blank=False)


def make_target_group(
    org: int, group_id: object, name: object, active: object, leaderboard: object
) -> TargetGroup:
    """A checked :class:`TargetGroup`; every argument is validated and named in errors."""
    return TargetGroup(
        org,
        check_id(group_id, "group_id"),
        _name(name, "name"),
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
    ties: object = TiePolicy.ORDINAL,
    order: object = Order.DESC,
    enrollment: object = EnrollmentMode.AUTO,
) -> Target:
    """A checked :class:`Target` of ``group``; every argument is validated and named.

    ``value`` is a score (:func:`~rankcore.ranking.keys.check_score`) above 0; ``ties``
    defaults to :attr:`TiePolicy.ORDINAL`.
    """
    kind = TargetType.parse(type, "type")
    goal = check_score(value, "value")
    if goal <= 0:
        raise InvalidArgument(f"value must be above 0, got {goal!r}")
    length: int | None = None
    if kind is TargetType.STREAK:
        if streak_length is None:
            raise InvalidArgument("streak_length is required for a STREAK target")
        length = check_id(streak_length, "streak_length")
        if length < 1:
            raise InvalidArgument(f"streak_length must be at least 1, got {length}")
    elif streak_length is not None:
        raise InvalidArgument("streak_length applies to STREAK targets only")
    return Target(
        org=group.org,
        group_id=group.id,
        id=check_id(target_id, "target_id"),
        name=_name(name, "name"),
        type=kind,
        metric=check_metric(metric),
        value=goal,
        streak_length=length,
        leaderboard=_flag(leaderboard, "leaderboard"),
        ties=TiePolicy.parse(ties, "ties"),
        order=Order.parse(order, "order"),
        enrollment=EnrollmentMode.parse(enrollment, "enrollment"),
    )


def check_metric(value: object) -> str:
    """An activity metric's name: text of 1 to 256 characters, not blank. O(len)."""
    return check_text(value, "metric", max_length=MAX_KEY_LENGTH, blank=False)
