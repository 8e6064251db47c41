"""The two choices that define how a leaderboard ranks: its order and its tie policy.

Both are string enums: wherever rankcore takes one, it also takes its value in any case
(``"ASC"``, ``"Dense"``), see :class:`~rankcore.validate.Choice`.
"""

from __future__ import annotations

from rankcore.validate import Choice

__all__ = ["Order", "TiePolicy"]


class Order(Choice):
    """Which scores are better."""

    DESC = "desc"
    """Higher is better (points). The default."""
    ASC = "asc"
    """Lower is better (lap times)."""


class TiePolicy(Choice):
    """How members with equal scores are ranked.

    ======================== ======= ==================================================
    policy                   example rank of a member
    ======================== ======= ==================================================
    ``COMPETITION``          1224    1 + members with a strictly better score
    ``MODIFIED_COMPETITION`` 1334    members with a better-or-equal score
    ``DENSE``                1223    1 + distinct scores strictly better
    ``ORDINAL``              1234    position in listing order (reached-at, then arrival)
    ======================== ======= ==================================================
    """

    COMPETITION = "competition"
    MODIFIED_COMPETITION = "modified_competition"
    DENSE = "dense"
    ORDINAL = "ordinal"
