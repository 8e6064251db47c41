"""The Rehook endpoint: a leaderboard campaign's standings, rewards and intervals (seed 001)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

from rankcore.api.http import JSON, Request, Response
from rankcore.campaigns import (
    Bracket,
    CampaignEntry,
    CampaignLeaderboard,
    CampaignNotFound,
    IntervalInfo,
    SourceNotFound,
)
from rankcore.engine import Engine
from rankcore.errors import InvalidArgument

__all__ = ["error", "leaderboard", "rehook_time"]

_PAGE: Final = "page"


def rehook_time(t: datetime) -> str:
    """``2023-09-18T12:26:13.656765Z``: UTC, always six fractional digits."""
    return f"{t.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}Z"


def error(request: Request, status: int, key: str, message: str, details: str) -> Response:
    """Rehook's error body."""
    return Response(
        status,
        {
            "code": status,
            "key": key,
            "message": message,
            "details": details,
            "request_id": request.request_id(),
        },
    )


def _page(request: Request) -> int | None:
    text = request.query.get(_PAGE, "").strip()
    if text == "":
        return 1
    if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < 1:
        return None
    return int(text)


def _optional(request: Request, name: str) -> str | None:
    """An optional text parameter; an empty value (``activity_id=""``) counts as absent."""
    value = request.query.get(name)
    return value if value else None


def leaderboard(engine: Engine, request: Request, campaign_id: str) -> Response:
    """GET ``/campaigns/leaderboards/{campaign_id}``."""
    page = _page(request)
    if page is None:
        return error(request, 400, "bad_request", "bad request", "page must be a positive integer")
    source_id = _optional(request, "source_id")
    try:
        board = engine.campaign_leaderboard(
            request.org,
            campaign_id,
            activity_id=_optional(request, "activity_id"),
            page=page,
            source_id=source_id,
        )
    except CampaignNotFound:
        return Response(200, _unknown_campaign(page))
    except SourceNotFound:
        details = f"Cannot find customer with source id {source_id}"
        return error(request, 404, "not_found", "Resource not found", details)
    except InvalidArgument as exc:
        return error(request, 400, "bad_request", "bad request", str(exc))
    return Response(200, _body(board, source_id))


def _unknown_campaign(page: int) -> JSON:
    return {
        "number_of_participants": 0,
        "leaderboard_reward_given": False,
        "page": page,
        "reward_brackets": None,
        "past_leaderboard_intervals": None,
        "my_rank": {"reward": ""},
        "leaderboard": None,
    }


def _body(board: CampaignLeaderboard, source_id: str | None) -> JSON:
    return {
        "number_of_participants": board.participants,
        "leaderboard_reward_given": board.reward_given,
        "page": board.page,
        "reward_brackets": [_bracket(b) for b in board.campaign.brackets],
        "past_leaderboard_intervals": [_interval(i) for i in board.intervals],
        "my_rank": _my_rank(board, source_id),
        "leaderboard": None if board.interval is None else _entries(board.entries),
    }


def _bracket(bracket: Bracket) -> JSON:
    body: dict[str, JSON] = {"position": bracket.position, "reward_value": bracket.reward_value}
    if bracket.minimum is not None:
        body["is_minimum_value"] = True
        body["value"] = bracket.minimum
    return body


def _interval(interval: IntervalInfo) -> JSON:
    return {
        "recurrence_type": interval.recurrence.value,
        "recurrence_type_value": interval.sequence,
        "activity_id": interval.activity_id,
        "start_date_time": rehook_time(interval.start),
        "end_date_time": rehook_time(interval.display_end),
        "status": interval.status.value,
    }


def _entry(entry: CampaignEntry) -> JSON:
    return {
        "source_id": entry.source_id,
        "rank": entry.rank,
        "points": entry.points,
        "reward": entry.reward,
    }


def _entries(entries: Iterable[CampaignEntry]) -> JSON:
    return [_entry(entry) for entry in entries]


def _my_rank(board: CampaignLeaderboard, source_id: str | None) -> JSON:
    if source_id is None or board.interval is None:
        return {"reward": ""}
    if board.me is None:  # a known customer without points in this interval
        return {"source_id": source_id, "rank": None, "points": 0, "reward": "0"}
    return _entry(board.me)
