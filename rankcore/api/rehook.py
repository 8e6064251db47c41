"""The Rehook endpoints: a leaderboard campaign's standings, rewards and intervals (seed 001),
events that award points (``POST /events/invoke``) and campaign metadata."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Final

import attrs

from rankcore.api.http import JSON, Request, Response
from rankcore.api.jsontext import echo
from rankcore.api.params import BadParameter, check
from rankcore.campaigns import (
    AwardRefused,
    Bracket,
    CampaignEntry,
    CampaignLeaderboard,
    CampaignNotFound,
    IntervalInfo,
    IntervalStatus,
    SourceNotFound,
)
from rankcore.commands import EventRule
from rankcore.engine import Engine
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.persistence.errors import JournalError
from rankcore.ranking.keys import check_score
from rankcore.ranking.standing import Score
from rankcore.validate import MAX_KEY_LENGTH, check_text

__all__ = [
    "bad_request",
    "campaigns_metadata",
    "error",
    "invoke",
    "leaderboard",
    "rehook_time",
    "unavailable",
]

_PAGE: Final = "page"
_DETAILS_LIMIT: Final = 500
"""Error details are cut beyond this (each piece of caller text in them is cut at 200)."""


def rehook_time(t: datetime) -> str:
    """``2023-09-18T12:26:13.656765Z``: UTC, always six fractional digits."""
    return f"{t.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}Z"


def error(request: Request, status: int, key: str, message: str, details: str) -> Response:
    """Rehook's error body. ``details`` is bounded and cleaned (:func:`echo`): it may repeat
    what the caller sent."""
    return Response(
        status,
        {
            "code": status,
            "key": key,
            "message": message,
            "details": echo(details, _DETAILS_LIMIT),
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


def bad_request(request: Request, details: str) -> Response:
    """Rehook's 400."""
    return error(request, 400, "bad_request", "bad request", details)


def unavailable(request: Request) -> Response:
    """A dead engine (its journal failed or was closed). Rehook documents no such answer:
    rankcore's is Rehook's error body with status 503 and key ``service_unavailable``."""
    details = "the leaderboard service cannot answer now; try again later"
    return error(request, 503, "service_unavailable", "Service unavailable", details)


def _storable(key: str) -> bool:
    """Whether the engine could hold ``key`` as a source or activity id. One it could not
    (too long, a lone surrogate, blank) names nothing: it is unknown, not malformed."""
    try:
        check_text(key, "id", max_length=MAX_KEY_LENGTH, blank=False)
    except InvalidArgument:
        return False
    return True


def _not_found(request: Request, source_id: str) -> Response:
    details = f"Cannot find customer with source id {echo(source_id)}"
    return error(request, 404, "not_found", "Resource not found", details)


def leaderboard(engine: Engine, request: Request, campaign_id: str) -> Response:
    """GET ``/campaigns/leaderboards/{campaign_id}``.

    Unknown ids get the seed's answers whatever they hold (any length, lone surrogates): an
    unknown campaign the empty body with status 200, an unknown ``source_id`` the 404, an
    unknown ``activity_id`` the empty interval; in that order, as the engine checks them.
    What is repeated of the caller's text is bounded (:func:`echo`).
    """
    try:
        check(request)
    except InvalidArgument as exc:
        return bad_request(request, str(exc))
    page = _page(request)
    if page is None:
        return bad_request(request, "page must be a positive integer")
    source_id = _optional(request, "source_id")
    activity_id = _optional(request, "activity_id")
    known_source = source_id is None or _storable(source_id)
    known_activity = activity_id is None or _storable(activity_id)
    try:
        board = engine.campaign_leaderboard(
            request.org,
            campaign_id,
            activity_id=activity_id if known_activity else None,
            page=page,
            source_id=source_id if known_source else None,
        )
    except CampaignNotFound:
        return Response(200, _unknown_campaign(page))
    except SourceNotFound:
        return _not_found(request, source_id or "")
    except (InvalidArgument, InvalidArgumentType) as exc:
        return bad_request(request, str(exc))
    except JournalError:
        return unavailable(request)
    if not known_source:
        return _not_found(request, source_id or "")
    if not known_activity:  # the engine's answer for an activity id that names no interval
        board = attrs.evolve(
            board, interval=None, participants=0, reward_given=False, entries=(), me=None
        )
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


# -- POST /events/invoke -------------------------------------------------------------------------

_NUMBER_TEXT: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INVOKE_FIELDS: Final = ("event_name", "source_id", "metadata", "event_id")


def _text_field(body: Mapping[str, JSON], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadParameter(f"{name} is required and must be a non-blank string")
    check_text(value, name, max_length=MAX_KEY_LENGTH, blank=False)
    return value


def _points(rule: EventRule, metadata: Mapping[str, JSON]) -> Score:
    """What one event is worth under ``rule``: its fixed points, or the number (a JSON
    number or a decimal string, as Rehook's samples send amounts) in its metadata field."""
    if rule.points is not None:
        return rule.points
    field = rule.points_field
    assert field is not None
    value = metadata.get(field)
    number: Score
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()) and len(value) < 40:
        text = value.strip()
        number = float(text) if "." in text else int(text)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    else:
        raise BadParameter(f"metadata.{echo(field)} must hold the event's points as a number")
    number = check_score(number, f"metadata.{field}")
    if number <= 0:
        raise BadParameter(f"metadata.{echo(field)} must be above 0")
    return number


def _awardable(engine: Engine, org: int, campaign_id: str) -> bool:
    """Whether the campaign takes points now: its current interval is open."""
    interval = engine.campaign_interval(org, campaign_id)
    if interval is None or interval.status is not IntervalStatus.ACTIVE:
        return False
    return interval.start <= engine.now() < interval.end


def invoke(engine: Engine, request: Request) -> Response:
    """POST ``/events/invoke``: an event of a customer (``event_name``, ``source_id``,
    ``metadata``; rankcore also reads an optional ``event_id``, the idempotency key) awards
    points in every campaign of the application that tracks the event name and takes points
    now. Everything is checked before the first award; an event no campaign takes is
    accepted with an empty ``leaderboards`` list."""
    try:
        check(request)
        body = request.body
        if not isinstance(body, Mapping):
            raise BadParameter("the body must be a JSON object with event_name and source_id")
        unknown = sorted(set(body) - set(_INVOKE_FIELDS))
        if unknown:
            raise BadParameter(f"unknown body field {echo(unknown[0])}")
        event_name = _text_field(body, "event_name")
        source_id = _text_field(body, "source_id")
        metadata = body.get("metadata")
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, Mapping):
            raise BadParameter("metadata must be a JSON object")
        event_id = body.get("event_id")
        if event_id is not None:
            event_id = _text_field(body, "event_id")
        org = request.org
        plan = [
            (rule.campaign_id, _points(rule, metadata))
            for rule in engine.event_rules(org, event_name)
            if _awardable(engine, org, rule.campaign_id)
        ]
        awarded: list[JSON] = []
        for campaign_id, points in plan:
            try:
                result = engine.award(campaign_id, source_id, points, event_id=event_id, org=org)
            except AwardRefused:  # its interval closed in between: the next one takes it
                continue
            awarded.append(
                {
                    "campaign_id": campaign_id,
                    "activity_id": result.activity_id,
                    "points": points,
                    "duplicate": result.duplicate,
                }
            )
    except JournalError:
        return unavailable(request)
    except (InvalidArgument, InvalidArgumentType) as exc:
        return bad_request(request, str(exc))
    return Response(
        200,
        {
            "status": "success",
            "event_name": event_name,
            "source_id": source_id,
            "leaderboards": awarded,
        },
    )


# -- GET /campaigns/meta-data --------------------------------------------------------------------

CAMPAIGN_TYPE: Final = "leaderboard"


def campaigns_metadata(engine: Engine, request: Request) -> Response:
    """GET ``/campaigns/meta-data``: the application's campaigns (all leaderboards here),
    filtered by ``campaign_id`` and ``campaign_type``; ``source_id`` is read and changes
    nothing (rankcore keeps no per-customer campaign metadata)."""
    try:
        check(request)
    except InvalidArgument as exc:
        return bad_request(request, str(exc))
    wanted_id = _optional(request, "campaign_id")
    wanted_type = _optional(request, "campaign_type")
    try:
        campaigns = engine.campaigns(request.org)
        now = engine.now()
    except JournalError:
        return unavailable(request)
    except (InvalidArgument, InvalidArgumentType) as exc:
        return bad_request(request, str(exc))
    if wanted_type is not None and wanted_type.strip().lower() != CAMPAIGN_TYPE:
        campaigns = []
    listed = [
        {
            "campaign_id": campaign.id,
            "campaign_type": CAMPAIGN_TYPE,
            "id": "",
            "campaign_status": "active" if campaign.start <= now < campaign.end else "inactive",
        }
        for campaign in campaigns
        if wanted_id is None or campaign.id == wanted_id
    ]
    return Response(200, listed)
