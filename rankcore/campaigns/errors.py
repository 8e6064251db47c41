"""What the boards domain (campaigns and tournaments) refuses, with Rehook's error codes
where Rehook has one.

A submission for a time that no open interval of a board takes is refused with the same
errors as a campaign award (:class:`AwardRefused` and its subclasses): a campaign is a board.

Rehook reports errors as ``{"code", "key", "message", "details", "request_id"}``: every
:class:`RehookError` carries ``code``, ``key`` and ``message`` as class attributes, and
``detail`` (the ``details`` field) says in rankcore's words what exactly was refused.
"""

from __future__ import annotations

from datetime import datetime

from rankcore.errors import InvalidArgument, RankcoreError, VendorError

__all__ = [
    "AwardIntervalClosed",
    "AwardIntervalNotStarted",
    "AwardOutsideCampaign",
    "AwardRefused",
    "AwardTooLate",
    "BoardError",
    "BoardExists",
    "BoardFull",
    "BoardNotFound",
    "CampaignExists",
    "CampaignNotFound",
    "NotJoined",
    "RehookError",
    "SourceNotFound",
    "SubmissionLimit",
]


class RehookError(VendorError):
    """A refusal that Rehook reports with an HTTP-like ``code`` and a ``key``."""

    code = 400
    key = "bad_request"
    message = "Bad request"


class SourceNotFound(RehookError, KeyError):
    """No customer with this source id is registered for the campaign's tenant.

    (A known source id that has no points in an interval is not an error: queries answer
    ``None`` for it.)
    """

    code = 404
    key = "not_found"
    message = "Resource not found"

    def __init__(self, source_id: str) -> None:
        super().__init__(f"Cannot find customer with source id {source_id}")
        self.source_id = source_id

    def __str__(self) -> str:
        return self.detail


class CampaignNotFound(RankcoreError, KeyError):
    """No campaign with this id exists for this tenant (another tenant's counts as none)."""

    def __init__(self, campaign_id: object) -> None:
        super().__init__(campaign_id)
        self.campaign_id = campaign_id

    def __str__(self) -> str:
        return f"campaign {self.campaign_id!r} does not exist"


class CampaignExists(InvalidArgument):
    """A campaign with the requested id already exists."""


class AwardRefused(RehookError, InvalidArgument):
    """Points that cannot be counted; nothing was changed. Never silently dropped."""

    def __init__(self, detail: str, *, campaign_id: str, at: datetime) -> None:
        super().__init__(detail)
        self.campaign_id = campaign_id
        self.at = at


class AwardOutsideCampaign(AwardRefused):
    """``at`` lies before the campaign's start or at or after its end."""


class AwardIntervalClosed(AwardRefused):
    """``at`` lies in an interval that has already closed (its rewards are final)."""


class AwardIntervalNotStarted(AwardRefused):
    """``at`` lies in an interval that the engine's clock has not reached yet."""


class AwardTooLate(AwardRefused):
    """``at`` lies further behind the engine's time than the campaign's event-id window
    (see :meth:`~rankcore.Engine.award`): an event that late could be a retry whose id was
    already forgotten, so it is refused rather than risk counting it twice."""


class BoardError(InvalidArgument):
    """A board refused a submission or a join; nothing was changed."""

    def __init__(self, detail: str, *, board_id: str, member: str) -> None:
        super().__init__(detail)
        self.board_id = board_id
        self.member = member


class BoardFull(BoardError):
    """The interval already has as many entrants as the board's ``capacity``."""


class NotJoined(BoardError):
    """The board needs members to :meth:`~rankcore.Engine.join` before they submit."""


class SubmissionLimit(BoardError):
    """The member has used the board's ``max_submissions`` in this interval."""


class BoardNotFound(RankcoreError, KeyError):
    """The org has no board with this id."""

    def __init__(self, org: int, board_id: object) -> None:
        super().__init__(board_id)
        self.org = org
        self.board_id = board_id

    def __str__(self) -> str:
        return f"org {self.org} has no board {self.board_id!r}"


class BoardExists(CampaignExists):
    """The org already has a board (or a campaign) with the requested id."""
