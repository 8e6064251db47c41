"""The one exception hierarchy of rankcore.

Every error rankcore raises on purpose is a :class:`RankcoreError`. Where it helps callers,
an error also subclasses the matching builtin, so ``except KeyError`` or ``except ValueError``
keep working: :class:`MemberNotFound` is a :class:`KeyError`, a bad score is a
:class:`TypeError` or a :class:`ValueError`.

Domain errors that map to a vendor API error carry that vendor's ``code`` and ``message``, so
the request router only translates them (see :class:`VendorError`).
"""

from __future__ import annotations

from collections.abc import Hashable

__all__ = [
    "ClockError",
    "EventIdConflict",
    "InvalidArgument",
    "InvalidArgumentType",
    "MemberNotFound",
    "PartitionNotFollowed",
    "RankcoreError",
    "ScoreTypeError",
    "ScoreValueError",
    "VendorError",
]


class RankcoreError(Exception):
    """Base class of every error rankcore raises on purpose."""


class InvalidArgument(RankcoreError, ValueError):
    """An argument has the right type but a value rankcore cannot accept."""


class InvalidArgumentType(RankcoreError, TypeError):
    """An argument has a type rankcore cannot accept."""


class ScoreTypeError(InvalidArgumentType):
    """A score is not an ``int`` or ``float`` (``bool`` and ``None`` included)."""


class ScoreValueError(InvalidArgument):
    """A score is NaN, infinite, or an integer too large to rank exactly."""


class EventIdConflict(InvalidArgument):
    """An event id already counted is reused with a different payload (another customer or
    source, metric, value or points, or another explicit time). Nothing was changed: an id
    names one event, and a retry must repeat it exactly."""


class ClockError(RankcoreError):
    """The engine's clock gave an unusable time: not a ``datetime``, a naive one, or one
    earlier than a time it gave before."""


class MemberNotFound(RankcoreError, KeyError):
    """The member is not on the leaderboard."""

    def __init__(self, member: Hashable) -> None:
        super().__init__(member)
        self.member = member

    def __str__(self) -> str:
        return f"member {self.member!r} is not on the leaderboard"


class PartitionNotFollowed(RankcoreError, LookupError):
    """The org lives on a partition this replica does not follow (see
    ``Engine.connect(..., partitions=...)``): ask a replica that follows it."""

    def __init__(self, org: int, partition: int, followed: tuple[int, ...]) -> None:
        super().__init__(org, partition, followed)
        self.org = org
        self.partition = partition
        self.followed = followed

    def __str__(self) -> str:
        listed = ", ".join(str(k) for k in self.followed)
        return (
            f"org {self.org} lives on partition {self.partition}, which this replica does"
            f" not follow (it follows {listed})"
        )


class VendorError(RankcoreError):
    """A domain refusal that a vendor API reports with a numeric code.

    ``code`` and ``message`` are the vendor's; the router writes them into the vendor's
    error shape. ``detail`` says, in rankcore's words, what exactly was refused.
    """

    code: int = 0
    message: str = ""

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.message
        super().__init__(self.detail)
