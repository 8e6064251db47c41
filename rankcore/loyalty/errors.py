"""The refusals of the loyalty domain, each carrying the Capillary code it maps to.

``code`` and ``message`` are Capillary's, from its API reference: the message is the error's
description without the troubleshooting advice that follows it (kept in ``hint``) and
without a trailing full stop, so one code always has one message. ``detail`` (from
:class:`~rankcore.VendorError`) says in rankcore's words what exactly was refused.

Refusals that Capillary has no code for (a closed period, a customer who is not enrolled)
are plain :class:`~rankcore.InvalidArgument` subclasses, which a router reports as invalid
input.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rankcore.errors import InvalidArgument, VendorError

__all__ = [
    "AlreadyEnrolled",
    "BadgeGroupNameTaken",
    "BadgeGroupRankMissing",
    "ConnectedOrgsNotSet",
    "CustomerNotFound",
    "InvalidInput",
    "LeaderboardNotEnabled",
    "LeaderboardsNotEnabled",
    "LoyaltyError",
    "NotEnrolled",
    "PeriodClosed",
    "ScopeAllNotSupported",
    "TargetGroupNotFound",
    "TargetNotFound",
    "TargetNotInGroup",
    "TargetPeriodNotFound",
    "TargetPeriodNotFoundForTarget",
]


class LoyaltyError(VendorError):
    """Base class of the loyalty domain's vendor errors."""

    hint: ClassVar[str] = ""
    """Capillary's troubleshooting advice for this code, if it gives any."""


# -- data scopes ------------------------------------------------------------------------------


class ScopeAllNotSupported(LoyaltyError):
    """``DATA-SCOPE: ALL`` was used for an operation that acts on one organisation."""

    code = 310141
    message = "Datascope 'ALL' is not supported for this 'API"


class ConnectedOrgsNotSet(LoyaltyError):
    """A ``DATA-SCOPE-ORG`` organisation is not connected to the caller (or none was given)."""

    code = 310144
    message = "Connected Orgs not set properly in Headers"
    hint = (
        "Check whether the target organisation is a connected organisation. Check the API endpoint."
    )


# -- leaderboards (seed 000) ------------------------------------------------------------------


class LeaderboardsNotEnabled(LoyaltyError):
    """Leaderboards are disabled for the organisation(s) concerned; ``orgs`` lists them."""

    code = 310133
    message = "Leaderboards are not enabled for the following orgs"

    def __init__(self, orgs: Iterable[int]) -> None:
        self.orgs: tuple[int, ...] = tuple(sorted(orgs))
        listed = ", ".join(str(org) for org in self.orgs)
        super().__init__(f"leaderboards are not enabled for org(s) {listed}")


class TargetGroupNotFound(LoyaltyError):
    """No active target group with this id in the caller's scope."""

    code = 310017
    message = "Target group not found or deactivated"
    hint = "Check the target group ID to troubleshoot this error."


class LeaderboardNotEnabled(LoyaltyError):
    """The leaderboard flag of the target group (or of the target) is off."""

    code = 310134
    message = "Leaderboard is not enabled for the target group"


class TargetNotInGroup(LoyaltyError):
    """The target id is unknown or belongs to another target group (leaderboard query)."""

    code = 310079
    message = "target rule id doesn't belong to target group"


class TargetPeriodNotFoundForTarget(LoyaltyError):
    """The period id does not belong to the target group, or there is no current period."""

    code = 310118
    message = "Target Period not found for the target"


# -- enrollment (seed 002) --------------------------------------------------------------------


class AlreadyEnrolled(LoyaltyError):
    """The customer is currently enrolled in the target (for milestones: in that period)."""

    code = 310119
    message = "User already enrolled for the target"


class CustomerNotFound(LoyaltyError):
    """No customer with this id in the organisation concerned."""

    code = 310011
    message = "Invalid userId"
    hint = "Check if the customerId is valid."


class TargetPeriodNotFound(LoyaltyError):
    """No period with this name in the target group (enrollment)."""

    code = 310019
    message = "Target period not found"
    hint = "Check the target period ID to troubleshoot this error."


class TargetNotFound(LoyaltyError):
    """The target id is unknown or belongs to another target group (enrollment)."""

    code = 310018
    message = "Target rule not found"
    hint = "Check the target rule ID to troubleshoot this error."


class InvalidInput(LoyaltyError, InvalidArgument):
    """A mandatory field is missing or a value is malformed."""

    code = 300004
    message = "Invalid input"


# -- badge groups (seed 003) ------------------------------------------------------------------


class BadgeGroupNameTaken(LoyaltyError):
    """The organisation already has a badge group with exactly this name."""

    code = 733
    message = "Group Name should be Unique"


class BadgeGroupRankMissing(LoyaltyError):
    """A badge group was created without a rank."""

    code = 732
    message = "Group Rank is Mandatory"


# -- refusals without a vendor code -----------------------------------------------------------


class PeriodClosed(InvalidArgument):
    """The period concerned has already closed (the engine's time is past its end)."""


class NotEnrolled(InvalidArgument):
    """The customer is not currently enrolled in the target (or in that period)."""
