"""Test helpers for code built on rankcore: Hypothesis strategies and a reference model.

Needs Hypothesis (``pip install 'rankcore[testing]'``).

- :func:`scores`, :func:`members`, :func:`boards`: the kernel's inputs, and leaderboards
  with random settings and content;
- :func:`worlds`, :func:`event_streams`, :func:`scenarios`: valid worlds (orgs, customers,
  target groups, campaigns, boards), timed event streams for them, and whole scenario
  files;
- :func:`reference_ranks`: the ranking rules as a brute force, to compare against.

>>> from rankcore import Leaderboard
>>> from rankcore.testing import reference_ranks
>>> board = Leaderboard(ties="dense")
>>> for member, points in [("ann", 4), ("bob", 3), ("cy", 3)]:
...     _ = board.set(member, points)
>>> list(board) == reference_ranks([("ann", 4), ("bob", 3), ("cy", 3)], ties="dense")
True

See ``docs/testing.md`` for a game-side property test built on them.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover - the extra is installed in the suite
    raise ModuleNotFoundError(
        "rankcore.testing needs Hypothesis: pip install 'rankcore[testing]'", name=exc.name
    ) from exc

from rankcore.testing.reference import reference_ranks
from rankcore.testing.strategies import (
    ZONES,
    World,
    boards,
    event_streams,
    members,
    scenarios,
    scores,
    worlds,
)

__all__ = [
    "ZONES",
    "World",
    "boards",
    "event_streams",
    "members",
    "reference_ranks",
    "scenarios",
    "scores",
    "worlds",
]
