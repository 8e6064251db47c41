"""The native JSON API under /rankcore/v1/: a world built through it, read back, and the
Python API's errors as {"error": {"type", "message"}} with 4xx codes, changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from rankcore import Engine, ManualClock
from rankcore.api import Request, Response, handle
from rankcore.server.openapi import document

V1 = "/rankcore/v1"
CAMPAIGN = {
    "id": "camp_a",
    "recurrence": "daily",
    "start": "2024-06-01T00:00:00+05:30",
    "end": "2024-06-08T00:00:00+05:30",
    "reward_brackets": [{"position": "1-2", "reward_value": "30"}],
    "event": {"name": "order_success", "points": 4},
}


def call(engine: Engine, method: str, path: str, body: Any = None, org: int = 50156) -> Response:
    return handle(engine, Request(method, V1 + path, org, 123, body=body))


def built(journal: Path | None = None) -> Engine:
    engine = Engine(clock=ManualClock(datetime(2024, 6, 2, tzinfo=UTC)), journal=journal)
    steps = [
        ("/orgs", {"id": 50156, "timezone": "Asia/Kolkata"}),
        ("/orgs", {"id": 50157, "timezone": "Europe/London", "connected": [50156]}),
        ("/customers", {"id": 1, "first_name": "Ann"}),
        ("/target-groups", {"id": 232, "name": "Target"}),
        (
            "/target-groups/232/periods",
            {"id": 243, "ref_code": "tp", "name": "June",
             "start": "2024-06-01T00:00:00+05:30", "end": "2024-07-01T00:00:00+05:30"},
        ),
        (
            "/target-groups/232/targets",
            {"id": 366, "name": "points", "type": "MILESTONE", "metric": "points",
             "value": 100},
        ),
        ("/campaigns", CAMPAIGN),
    ]  # fmt: skip
    for path, body in steps:
        answer = call(engine, "POST", path, body)
        assert answer.status == 201, (path, answer.body)
    return engine


def test_a_world_built_through_the_api_reads_back() -> None:
    engine = built()
    assert call(engine, "GET", "/orgs").body == [
        {"id": 50156, "timezone": "Asia/Kolkata", "leaderboards": True, "connected": [50157]},
        {"id": 50157, "timezone": "Europe/London", "leaderboards": True, "connected": [50156]},
    ]
    ann = {
        "org": 50156, "id": 1, "first_name": "Ann", "last_name": None, "mobile": None,
        "email": None, "gender": None, "birthday": None, "anniversary": None,
    }  # fmt: skip
    assert call(engine, "GET", "/customers").body == [ann]
    assert call(engine, "GET", "/customers/1").body == ann
    assert call(engine, "GET", "/target-groups/232/periods").body == [
        {"id": 243, "target_group": 232, "ref_code": "tp", "name": "June",
         "start": "2024-06-01T00:00:00+05:30", "end": "2024-07-01T00:00:00+05:30"}
    ]  # fmt: skip
    assert call(engine, "GET", "/campaigns/camp_a").body == {
        "org": 50156,
        "id": "camp_a",
        "recurrence": "daily",
        "start": "2024-06-01T00:00:00+05:30",
        "end": "2024-06-08T00:00:00+05:30",
        "reward_brackets": [{"position": "1-2", "reward_value": "30", "min_value": None}],
        "order": "desc",
        "ties": "competition",
        "retention": None,
        "event": {"name": "order_success", "points": 4, "points_field": None},
    }
    answer = call(engine, "POST", "/activities", {"customer": 1, "metric": "points",
                                                  "value": 40, "event_id": "e1"})  # fmt: skip
    assert answer.body == {
        "duplicate": False,
        "updates": [
            {"target_id": 366, "period_id": 243, "achieved_value": 40, "streak_count": None}
        ],
    }
    again = call(engine, "POST", "/activities", {"customer": 1, "metric": "points",
                                                 "value": 40, "event_id": "e1"})  # fmt: skip
    assert again.body == {"duplicate": True, "updates": []}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind"),
    [
        ("POST", "/customers", {"id": 1}, 400, "InvalidArgument"),  # exists
        ("POST", "/customers", {"id": "x"}, 400, "InvalidArgumentType"),
        ("POST", "/customers", {"id": 2, "shoe_size": 9}, 400, "BadParameter"),
        ("POST", "/customers", [], 400, "BadParameter"),
        ("GET", "/customers/2", None, 404, "CustomerNotFound"),
        ("GET", "/target-groups/9", None, 404, "TargetGroupNotFound"),
        ("POST", "/target-groups/9/targets", {"id": 1}, 404, "TargetGroupNotFound"),
        ("POST", "/campaigns", {**CAMPAIGN, "event": None}, 409, "CampaignExists"),
        ("POST", "/campaigns", {**CAMPAIGN, "id": "b", "event": {"name": "x"}}, 400,
         "InvalidArgument"),
        ("POST", "/campaigns", {**CAMPAIGN, "id": "b", "start": "2024-06-01"}, 400,
         "BadParameter"),
        ("GET", "/campaigns/nope", None, 404, "CampaignNotFound"),
        ("POST", "/orgs", {"id": 99}, 400, "BadParameter"),  # neither the caller nor connected
        ("POST", "/activities", {"customer": 1, "metric": "points"}, 400, "BadParameter"),
        ("GET", "/nowhere", None, 404, "NotFound"),
        ("DELETE", "/orgs", None, 405, "MethodNotAllowed"),
    ],
)  # fmt: skip
def test_refusals_are_the_python_errors_and_change_nothing(
    method: str, path: str, body: Any, status: int, kind: str
) -> None:
    engine = built()
    before = engine.snapshot()
    answer = call(engine, method, path, body)
    assert answer.status == status
    assert list(answer.body) == ["error"] and list(answer.body["error"]) == ["type", "message"]
    assert answer.body["error"]["type"] == kind
    assert engine.snapshot() == before


def test_pages_of_customers() -> None:
    engine = built()
    for customer in range(2, 6):
        call(engine, "POST", "/customers", {"id": customer})
    answer = handle(engine, Request("GET", V1 + "/customers", 50156, 1,
                                    query={"offset": "1", "limit": "2"}))  # fmt: skip
    assert [c["id"] for c in answer.body] == [2, 3]
    refused = handle(engine, Request("GET", V1 + "/customers", 50156, 1, query={"limit": "0"}))
    assert (refused.status, refused.body["error"]["type"]) == (400, "BadParameter")


def test_a_tracked_event_is_journalled(tmp_path: Path) -> None:
    engine = built(tmp_path / "journal")
    engine.close()
    reopened = Engine(journal=tmp_path / "journal")
    try:
        rules = reopened.event_rules(50156, "order_success")
        assert [(r.campaign_id, r.points) for r in rules] == [("camp_a", 4)]
    finally:
        reopened.close()


# -- boards and batches -------------------------------------------------------------------------

BOARD = {
    "board_id": "cup",
    "reset": "weekly thursday 09:00",
    "start": "2024-06-01T00:00:00+05:30",
    "brackets": [{"position": "1", "reward_value": "100"},
                 {"position": "2-3", "reward_value": "10"}],
    "grace": 60,
}  # fmt: skip


def standing(member: str, rank: int, score: int, reached_at: str, meta: Any = None) -> Any:
    return {"member": member, "rank": rank, "score": score, "subscore": None, "meta": meta,
            "reached_at": reached_at, "submissions": 1}  # fmt: skip


NOW = "2024-06-02T05:30:00+05:30"  # the clock of built(), in the org's zone


def with_board() -> Engine:
    engine = built()
    answer = call(engine, "POST", "/boards", BOARD)
    assert answer.status == 201, answer.body
    sent = call(engine, "POST", "/boards/cup/submissions",
                {"member": "ann", "score": 40, "meta": {"car": "red"}})  # fmt: skip
    assert (sent.status, sent.body) == (200, standing("ann", 1, 40, NOW, {"car": "red"}))
    batch = call(engine, "POST", "/boards/cup/submissions/batch", {"entries": [
        {"member": "bob", "score": 55},
        {"member": "cy", "score": "lots"},
        {"member": "dee", "score": 40, "at": "2024-06-02T01:00:00+05:30"},
    ]})  # fmt: skip
    assert batch.status == 200
    assert batch.body == {
        "applied": 2,
        "standings": [
            standing("bob", 1, 55, NOW),
            None,
            standing("dee", 2, 40, "2024-06-02T01:00:00+05:30"),
        ],
        "refusals": [{"position": 1, "type": "ScoreTypeError",
                      "message": "score must be an int or a float, not str"}],
    }  # fmt: skip
    return engine


def get(engine: Engine, path: str, **query: str) -> Response:
    return handle(engine, Request("GET", V1 + path, 50156, 123, query=query))


def test_a_board_created_and_submitted_to_reads_back() -> None:
    engine = with_board()
    board = {
        "org": 50156, "id": "cup", "order": "desc", "ties": "competition", "subscore": None,
        "operator": "best", "reset": "weekly thursday 09:00",
        "brackets": [{"position": "1", "reward_value": "100", "min_value": None},
                     {"position": "2-3", "reward_value": "10", "min_value": None}],
        "join_required": False, "capacity": None, "max_submissions": None, "grace": 60.0,
        "start": "2024-06-01T00:00:00+05:30", "end": None, "retention": None, "campaign": False,
    }  # fmt: skip
    assert get(engine, "/boards/cup").body == board
    assert [b["id"] for b in get(engine, "/boards").body] == ["camp_a", "cup"]
    bob, dee = standing("bob", 1, 55, NOW), standing("dee", 2, 40, "2024-06-02T01:00:00+05:30")
    ann = standing("ann", 2, 40, NOW, {"car": "red"})  # tied with dee, who got there first
    assert get(engine, "/boards/cup/entries").body == [bob, dee, ann]
    assert get(engine, "/boards/cup/entries", offset="1", limit="1").body == [dee]
    assert get(engine, "/boards/cup/entries/around/dee", before="1", after="0").body == [bob, dee]
    assert get(engine, "/boards/cup/entries/around/zed").body == []
    assert get(engine, "/boards/cup/entries/among", members="ann,bob,zed").body == [bob, ann]
    assert get(engine, "/boards/cup/rank/ann").body == ann
    missing = get(engine, "/boards/cup/rank/zed")
    assert (missing.status, missing.body["error"]["type"]) == (404, "MemberNotFound")
    [interval] = get(engine, "/boards/cup/intervals").body
    assert {k: v for k, v in interval.items() if k != "activity_id"} == {
        "sequence": 1, "start": "2024-06-01T00:00:00+05:30", "end": "2024-06-06T09:00:00+05:30",
        "status": "active", "reward_given": False, "participants": 3, "joined": 0,
    }  # fmt: skip


def test_remove_then_end_pays_the_others() -> None:
    engine = with_board()
    gone = call(engine, "DELETE", "/boards/cup/members/bob")
    assert (gone.status, gone.body) == (200, {"member": "bob", "removed": True})
    assert call(engine, "DELETE", "/boards/cup/members/bob").body["removed"] is False
    ended = call(engine, "POST", "/boards/cup/end")
    assert ended.status == 200
    [closed] = ended.body["closed"]
    assert closed["payouts"] == [
        {"member": "dee", "rank": 1, "points": 40, "reward": "100"},
        {"member": "ann", "rank": 1, "points": 40, "reward": "100"},
    ]
    assert (closed["end"], closed["final"], closed["participants"]) == (NOW, True, 2)
    late = call(engine, "POST", "/boards/cup/submissions", {"member": "eve", "score": 1})
    assert (late.status, late.body["error"]["type"]) == (400, "AwardIntervalClosed")
    assert call(engine, "DELETE", "/boards/cup").body == {"deleted": True}
    assert get(engine, "/boards/cup").status == 404


def test_joining_a_board_that_needs_it() -> None:
    engine = built()
    call(engine, "POST", "/boards", {"board_id": "duel", "join_required": True, "capacity": 1})
    refused = call(engine, "POST", "/boards/duel/submissions", {"member": "ann", "score": 1})
    assert (refused.status, refused.body["error"]["type"]) == (400, "NotJoined")
    joined = call(engine, "POST", "/boards/duel/members", {"member": "ann"})
    assert joined.body == {"member": "ann", "joined": True}
    full = call(engine, "POST", "/boards/duel/members", {"member": "bob"})
    assert (full.status, full.body["error"]["type"]) == (400, "BoardFull")


def test_a_batch_of_activities_answers_by_position() -> None:
    engine = built()
    answer = call(engine, "POST", "/activities/batch", {"activities": [
        {"customer": 1, "metric": "points", "value": 30, "event_id": "a"},
        {"customer": 9, "metric": "points", "value": 30},
        {"customer": 1, "metric": "points", "value": 30, "event_id": "a"},
        {"customer": 1, "metric": "points", "value": 5, "at": "2024-06-01T12:00:00+05:30"},
    ]})  # fmt: skip
    update = {"target_id": 366, "period_id": 243, "streak_count": None}
    assert answer.status == 200
    assert answer.body == {
        "results": [
            {"duplicate": False, "updates": [{**update, "achieved_value": 30}]},
            None,
            {"duplicate": True, "updates": []},
            {"duplicate": False, "updates": [{**update, "achieved_value": 35}]},
        ],
        "refusals": [{"position": 1, "type": "CustomerNotFound",
                      "message": "customer 9 does not exist in org 50156"}],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind"),
    [
        ("POST", "/boards", {**BOARD, "board_id": "camp_a"}, 409, "BoardExists"),
        ("POST", "/boards", {**BOARD, "board_id": "x", "reset": "fortnightly"}, 400,
         "InvalidArgument"),
        ("POST", "/boards", {**BOARD, "board_id": "x", "grace": -1}, 400, "BadParameter"),
        ("POST", "/boards", {**BOARD, "board_id": "x", "start": "2024-06-01"}, 400,
         "BadParameter"),
        ("POST", "/boards", {**BOARD, "board_id": "x", "colour": "red"}, 400, "BadParameter"),
        ("POST", "/boards/nope/submissions", {"member": "a", "score": 1}, 404, "BoardNotFound"),
        ("POST", "/boards/cup/submissions", {"member": "a"}, 400, "BadParameter"),
        ("POST", "/boards/cup/submissions/batch", {"entries": [{"member": "a", "score": 1},
         {"member": "b", "score": 2, "at": "yesterday"}]}, 400, "BadParameter"),
        ("POST", "/boards/cup/submissions/batch", {"entries": {}}, 400, "BadParameter"),
        ("POST", "/boards/cup/members", {"member": "a"}, 400, "InvalidArgument"),
        ("DELETE", "/boards/nope/members/a", None, 404, "BoardNotFound"),
        ("POST", "/boards/nope/end", None, 404, "BoardNotFound"),
        ("DELETE", "/boards/nope", None, 404, "BoardNotFound"),
        ("POST", "/activities/batch", {"activities": [{"customer": 1, "metric": "points",
         "value": 1}, {"customer": 1, "metric": "points"}]}, 400, "BadParameter"),
        ("POST", "/activities/batch", {"activities": [{"customer": "one", "metric": "points",
         "value": 1}]}, 400, "InvalidArgumentType"),
        ("PUT", "/boards/cup", None, 405, "MethodNotAllowed"),
    ],
)  # fmt: skip
def test_board_refusals_change_nothing(
    method: str, path: str, body: Any, status: int, kind: str
) -> None:
    engine = with_board()
    before = engine.snapshot()
    answer = call(engine, method, path, body)
    assert (answer.status, answer.body["error"]["type"]) == (status, kind), answer.body
    assert list(answer.body["error"]) == ["type", "message"]
    assert engine.snapshot() == before


def test_bad_read_parameters_are_refused() -> None:
    engine = with_board()
    for path, query in [
        ("/boards/cup/entries", {"limit": "0"}),
        ("/boards/cup/entries/around/ann", {"before": "-1"}),
        ("/boards/cup/entries/around/ann", {"after": "x"}),
    ]:
        answer = get(engine, path, **query)
        assert (answer.status, answer.body["error"]["type"]) == (400, "BadParameter"), path
    unknown = get(engine, "/boards/cup/entries", interval="ldac_nope")
    assert (unknown.status, unknown.body) == (200, [])  # no such interval: nothing listed


def test_the_board_answers_match_the_openapi_document() -> None:
    doc = document()
    registry: Registry[Any] = Registry().with_resource("urn:doc", DRAFT202012.create_resource(doc))

    def conforms(method: str, template: str, status: int, body: Any) -> None:
        escaped = template.replace("~", "~0").replace("/", "~1")
        where = f"urn:doc#/paths/{quote(escaped)}/{method.lower()}/responses/{status}"
        schema = {"$ref": where + "/content/application~1json/schema"}
        jsonschema.Draft202012Validator(schema, registry=registry).validate(body)

    engine = with_board()
    b = "/rankcore/v1/boards"
    reads = [
        ("GET", "", b, {}),
        ("GET", "/cup", b + "/{board}", {}),
        ("GET", "/cup/entries", b + "/{board}/entries", {}),
        ("GET", "/cup/entries/around/ann", b + "/{board}/entries/around/{member}", {}),
        ("GET", "/cup/entries/among", b + "/{board}/entries/among", {"members": "ann,bob"}),
        ("GET", "/cup/rank/ann", b + "/{board}/rank/{member}", {}),
        ("GET", "/cup/rank/zed", b + "/{board}/rank/{member}", {}),
        ("GET", "/cup/intervals", b + "/{board}/intervals", {}),
    ]
    for method, path, template, query in reads:
        answer = handle(engine, Request(method, b + path, 50156, 1, query=query))
        conforms(method, template, answer.status, answer.body)
    writes = [
        ("POST", "/cup/submissions", b + "/{board}/submissions", {"member": "x", "score": 1}),
        ("POST", "/cup/submissions/batch", b + "/{board}/submissions/batch",
         {"entries": [{"member": "x", "score": 2}, {"member": "", "score": 1}]}),
        ("POST", "/cup/members", b + "/{board}/members", {"member": "x"}),
        ("DELETE", "/cup/members/x", b + "/{board}/members/{member}", None),
        ("POST", "/cup/end", b + "/{board}/end", None),
        ("DELETE", "/cup", b + "/{board}", None),
        ("POST", "", b, {"board_id": "x", "subscore": "asc", "end": "2030-01-01T00:00:00Z"}),
    ]  # fmt: skip
    for method, path, template, body in writes:
        answer = handle(engine, Request(method, b + path, 50156, 1, body=body))
        conforms(method, template, answer.status, answer.body)
    batch = call(engine, "POST", "/activities/batch", {"activities": [
        {"customer": 1, "metric": "points", "value": 3}, {"customer": 2, "metric": "points",
                                                          "value": 3}]})  # fmt: skip
    conforms("POST", "/rankcore/v1/activities/batch", 200, batch.body)
