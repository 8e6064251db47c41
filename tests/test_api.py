"""The router beyond the seed samples: defaults, caps, warnings, every error code, scopes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rankcore import Engine, ManualClock
from rankcore.api import Request, Response, handle

IST = ZoneInfo("Asia/Kolkata")
BOARD = "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/"
SIZE_WARNING = "Page Size can not be more than 100, capping the page size to 100"
PERIOD_NOT_FOUND = "Target Period not found for the target"
OFFSET_WARNING = "Page offset can not be in negative, fetching the first page by default"


def world() -> Engine:
    """Org 1 (connected to 2), org 2 with its own group, org 3 unconnected and without
    leaderboards. Group 10 of org 1: period 100 (June), target 11 milestone on points,
    target 12 streak on visits (explicit enrollment), target 13 without leaderboard."""
    engine = Engine(clock=ManualClock(datetime(2024, 6, 1, tzinfo=IST)))
    engine.add_org(2, "Europe/London")  # an org names only orgs already registered
    engine.add_org(1, "Asia/Kolkata", connected=[2])
    engine.add_org(3, "UTC", leaderboards=False)
    for org, group in [(1, 10), (2, 20), (3, 30)]:
        engine.create_target_group(org, group, f"group {group}")
        engine.add_period(
            org, group, group * 10, ref_code=f"p{group}", name=f"P{group}",
            start=datetime(2024, 6, 1, tzinfo=IST), end=datetime(2024, 7, 1, tzinfo=IST),
        )  # fmt: skip
        engine.add_target(
            org, group, group + 1, name="points", type="MILESTONE", metric="points", value=500
        )
    engine.add_target(
        1, 10, 12, name="visits", type="STREAK", metric="visits", value=2, streak_length=3,
        enrollment="explicit",
    )  # fmt: skip
    engine.add_target(
        1, 10, 13, name="hidden", type="MILESTONE", metric="points", value=9, leaderboard=False
    )
    engine.create_target_group(1, 14, "no board", leaderboard=False)
    engine.create_target_group(1, 15, "inactive", active=False)
    engine.advance_to(datetime(2024, 6, 2, tzinfo=IST))
    for customer in range(1, 251):
        engine.add_customer(1, customer, first_name=f"c{customer}")
        engine.record_activity(1, customer, "points", customer, event_id=f"a{customer}")
    engine.add_customer(2, 7, first_name="seven")
    engine.record_activity(2, 7, "points", 70, event_id="b7")
    engine.add_customer(1, 999)  # known, never active
    return engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return world()


def get(engine: Engine, group: object, org: int = 1, headers: Any = None, **query: str) -> Any:
    response = handle(engine, Request("GET", f"{BOARD}{group}", org, 5, query, headers or {}))
    return response.status, response.body


def codes(body: Any) -> list[int]:
    return [e["code"] for e in body["errors"]]


# -- Capillary leaderboard ----------------------------------------------------------------------


def test_defaults_first_page_of_ten_of_the_current_period(engine: Engine) -> None:
    status, body = get(engine, 10, targetId="11")
    assert status == 200
    assert body["pagination"] == {"limit": 10, "offset": 0, "total": 250}
    assert body["data"]["periodId"] == 100
    assert [r["userId"] for r in body["data"]["rankings"]] == list(range(250, 240, -1))
    assert [r["rank"] for r in body["data"]["rankings"]] == list(range(1, 11))
    assert body["errors"] == [] and body["warnings"] == []


def test_page_offset_counts_pages_and_page_limit_takes_several(engine: Engine) -> None:
    _, body = get(engine, 10, targetId="11", pageSize="5", pageOffset="2", pageLimit="3")
    assert body["pagination"] == {"limit": 5, "offset": 2, "total": 250}
    assert [r["rank"] for r in body["data"]["rankings"]] == list(range(11, 26))


def test_page_size_is_capped_with_a_warning(engine: Engine) -> None:
    _, body = get(engine, 10, targetId="11", pageSize="250")
    assert body["pagination"]["limit"] == 100
    assert len(body["data"]["rankings"]) == 100
    assert [w["message"] for w in body["warnings"]] == [SIZE_WARNING]


def test_negative_offset_fetches_the_first_page_with_a_warning(engine: Engine) -> None:
    _, body = get(engine, 10, targetId="11", pageOffset="-3", pageSize="2")
    assert body["pagination"]["offset"] == 0
    assert [r["rank"] for r in body["data"]["rankings"]] == [1, 2]
    assert [w["message"] for w in body["warnings"]] == [OFFSET_WARNING]


def test_page_limit_is_capped_at_a_hundred_pages(engine: Engine) -> None:
    _, body = get(engine, 10, targetId="11", pageSize="2", pageLimit="1000")
    assert len(body["data"]["rankings"]) == 200


def test_beyond_the_last_page_is_empty(engine: Engine) -> None:
    status, body = get(engine, 10, targetId="11", pageOffset="99")
    assert status == 200 and body["data"]["rankings"] == []


def test_never_captured_profile_fields(engine: Engine) -> None:
    _, body = get(engine, 10, targetId="11", pageSize="1")
    details = body["data"]["rankings"][0]["userEnrichmentDetails"]
    assert details["first_name"] == "c250"
    assert {k for k, v in details.items() if v == "NOT-CAPTURED"} == {
        "birthday", "gender", "mobile", "last_name", "anniversary", "email",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("group", "query", "code", "message"),
    [
        (10, {}, 300004, "Invalid input"),
        (10, {"targetId": "eleven"}, 300004, "Invalid input"),
        ("ten", {"targetId": "11"}, 300004, "Invalid input"),
        (10, {"targetId": "11", "pageSize": "x"}, 300004, "Invalid input"),
        (10, {"targetId": "11", "pageSize": "0"}, 300004, "Invalid input"),
        (10, {"targetId": "11", "periodId": "1.5"}, 300004, "Invalid input"),
        (999, {"targetId": "11"}, 310017, "Target group not found or deactivated"),
        (15, {"targetId": "11"}, 310017, "Target group not found or deactivated"),
        (20, {"targetId": "21"}, 310017, "Target group not found or deactivated"),
        (14, {"targetId": "11"}, 310134, "Leaderboard is not enabled for the target group"),
        (10, {"targetId": "21"}, 310079, "target rule id doesn't belong to target group"),
        (10, {"targetId": "11", "periodId": "200"}, 310118, PERIOD_NOT_FOUND),
    ],
)  # fmt: skip
def test_capillary_errors(
    engine: Engine, group: object, query: dict[str, str], code: int, message: str
) -> None:
    status, body = get(engine, group, **query)
    assert status == 400
    assert body == {
        "pagination": None,
        "data": None,
        "errors": [{"code": code, "message": message}],
        "warnings": [],
    }


def test_leaderboards_disabled_for_the_org(engine: Engine) -> None:
    status, body = get(engine, 30, org=3, targetId="31")
    assert status == 400 and codes(body) == [310133]


def test_scope_other_reads_a_connected_org(engine: Engine) -> None:
    headers = {"DATA-SCOPE": "OTHER", "DATA-SCOPE-ORG": "2"}
    status, body = get(engine, 20, headers=headers, targetId="21")
    assert status == 200
    assert [(r["userId"], r["achievedValue"]) for r in body["data"]["rankings"]] == [(7, 70)]
    assert body["data"]["rankings"][0]["lastActivityTime"].endswith("BST")


def test_scope_all_reaches_connected_orgs(engine: Engine) -> None:
    status, body = get(engine, 20, headers={"data-scope": "all"}, targetId="21")
    assert status == 200 and body["pagination"]["total"] == 1


def test_scope_other_refuses_an_unconnected_org(engine: Engine) -> None:
    headers = {"DATA-SCOPE": "OTHER", "DATA-SCOPE-ORG": "3"}
    status, body = get(engine, 30, headers=headers, targetId="31")
    assert status == 400 and codes(body) == [310144]


def test_bad_scope_header_is_invalid_input(engine: Engine) -> None:
    status, body = get(engine, 10, headers={"DATA-SCOPE": "EVERYONE"}, targetId="11")
    assert status == 400 and codes(body) == [300004]


# -- Capillary enroll ---------------------------------------------------------------------------

ENROLL = "/v3.1/targetGroups/{group}/targets/{target}/enroll"


def enroll(
    engine: Engine, body: Any, group: object = 10, target: object = 11, headers: Any = None
) -> Response:
    path = ENROLL.format(group=group, target=target)
    return handle(engine, Request("POST", path, 1, 5, headers=headers or {}, body=body))


def record(**fields: Any) -> list[dict[str, Any]]:
    return [{"customerId": 999, "periodName": "P10", **fields}]


@pytest.mark.parametrize(
    ("body", "group", "target", "headers", "code"),
    [
        ({"customerId": 999}, 10, 11, None, 300004),
        ([], 10, 11, None, 300004),
        (record() + record(), 10, 11, None, 300004),
        ([{"periodName": "P10"}], 10, 11, None, 300004),
        (record(customerId="999x"), 10, 11, None, 300004),
        (record(customerId=True), 10, 11, None, 300004),
        (record(initialBalance="lots"), 10, 11, None, 300004),
        (record(resetStreakStatus="yes"), 10, 12, None, 300004),
        (record(customerId=4242), 10, 11, None, 310011),
        (record(periodName="P99"), 10, 11, None, 310019),
        (record(), 99, 11, None, 310017),
        (record(), 15, 11, None, 310017),
        (record(), 10, 99, None, 310018),
        (record(), 10, 11, {"DATA-SCOPE": "ALL"}, 310141),
        (record(), 10, 11, {"DATA-SCOPE": "OTHER", "DATA-SCOPE-ORG": "3"}, 310144),
        (record(), "x", 11, None, 300004),
    ],
)
def test_enroll_errors(body: Any, group: object, target: object, headers: Any, code: int) -> None:
    engine = world()
    response = enroll(engine, body, group, target, headers)
    assert response.status == 400
    assert response.body["data"] is None and response.body["warnings"] is None
    assert codes(response.body) == [code]
    assert not engine.milestone_progress(1, 10, 11, 999, 100).enrolled


def test_enroll_twice_is_already_enrolled() -> None:
    engine = world()
    assert enroll(engine, record(initialBalance=40)).body == {
        "data": 999, "errors": None, "warnings": None,
    }  # fmt: skip
    again = enroll(engine, record())
    assert codes(again.body) == [310119]
    assert engine.milestone_progress(1, 10, 11, 999, 100).value == 40


def test_enroll_a_streak_needs_no_period() -> None:
    engine = world()
    response = enroll(engine, [{"customerId": 999, "resetStreakStatus": True}], target=12)
    assert response.status == 200 and response.body["data"] == 999
    assert engine.streak_progress(1, 10, 12, 999).enrolled


# -- Capillary badge group ----------------------------------------------------------------------


def badge(engine: Engine, body: Any) -> Response:
    return handle(engine, Request("POST", "/api_gateway/v1/badges/group", 1, 77, body=body))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"rank": 1}, 300004),
        ({"name": 5, "rank": 1}, 300004),
        ({"name": "Gold", "rank": "first"}, 300004),
        ({"name": "Gold", "rank": 1.5}, 300004),
        (["Gold", 1], 300004),
        ({"name": "Gold"}, 732),
        ({"name": "Gold", "rank": None}, 732),
    ],
)
def test_badge_group_errors(body: Any, code: int) -> None:
    engine = world()
    response = badge(engine, body)
    assert response.status == 400
    assert response.body["data"] is None and response.body["warnings"] == []
    assert codes(response.body) == [code]
    assert engine.badge_groups(1) == []


def test_badge_group_names_are_unique_and_case_sensitive() -> None:
    engine = world()
    first = badge(engine, {"name": "Gold", "rank": 2}).body["data"]
    assert first["createdBy"] == first["lastUpdatedBy"] == 77 and first["isActive"] is True
    assert codes(badge(engine, {"name": "Gold", "rank": 3}).body) == [733]
    assert badge(engine, {"name": "gold", "rank": 1}).status == 200
    assert [g.name for g in engine.badge_groups(1)] == ["gold", "Gold"]


# -- Rehook leaderboard -------------------------------------------------------------------------

START = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def rehook() -> Engine:
    engine = Engine(clock=ManualClock(START))
    engine.add_org(7, "Europe/London")
    engine.add_org(8, "UTC")
    engine.create_campaign(
        7, campaign_id="camp_daily", recurrence="daily", start=START,
        end=START + timedelta(days=3),
        brackets=[
            {"position": "1", "reward_value": "100", "min_value": 50},
            {"position": "2-3", "reward_value": "10"},
        ],
    )  # fmt: skip
    for i in range(45):
        engine.award("camp_daily", f"s{i:02d}", i, event_id=f"d1-{i}")
    engine.register(7, "idle")
    engine.advance_to(START + timedelta(days=1))  # closes the first interval
    engine.award("camp_daily", "s01", 60, event_id="d2-1")
    return engine


def rehook_get(engine: Engine, campaign: str = "camp_daily", org: int = 7, **query: str) -> Any:
    response = handle(engine, Request("GET", f"/campaigns/leaderboards/{campaign}", org, 1, query))
    return response.status, response.body


def test_rehook_pages_of_twenty(rehook: Engine) -> None:
    first = rehook_get(rehook)[1]
    intervals = first["past_leaderboard_intervals"]
    assert [i["status"] for i in intervals] == ["inactive", "active"]
    assert [i["recurrence_type_value"] for i in intervals] == [1, 2]
    assert first["number_of_participants"] == 1
    past = intervals[0]["activity_id"]
    _, page2 = rehook_get(rehook, activity_id=past, page="2")
    assert page2["page"] == 2 and page2["leaderboard_reward_given"] is True
    assert [e["rank"] for e in page2["leaderboard"]] == list(range(21, 41))
    _, page3 = rehook_get(rehook, activity_id=past, page="3")
    assert [e["source_id"] for e in page3["leaderboard"]] == ["s04", "s03", "s02", "s01", "s00"]
    _, page9 = rehook_get(rehook, activity_id=past, page="9")
    assert page9["leaderboard"] == []


def test_rehook_minimum_value_bracket(rehook: Engine) -> None:
    _, body = rehook_get(rehook)
    assert body["reward_brackets"] == [
        {"position": "1", "reward_value": "100", "is_minimum_value": True, "value": 50},
        {"position": "2-3", "reward_value": "10"},
    ]
    assert body["leaderboard"] == [{"source_id": "s01", "rank": 1, "points": 60, "reward": "100"}]
    past = body["past_leaderboard_intervals"][0]["activity_id"]
    _, closed = rehook_get(rehook, activity_id=past, source_id="s44")
    assert closed["my_rank"] == {"source_id": "s44", "rank": 1, "points": 44, "reward": "0"}
    assert [e["reward"] for e in closed["leaderboard"][:4]] == ["0", "10", "10", "0"]


def test_rehook_known_source_without_points(rehook: Engine) -> None:
    status, body = rehook_get(rehook, source_id="idle")
    assert status == 200
    assert body["my_rank"] == {"source_id": "idle", "rank": None, "points": 0, "reward": "0"}


def test_rehook_without_source_id_has_an_empty_reward(rehook: Engine) -> None:
    assert rehook_get(rehook)[1]["my_rank"] == {"reward": ""}


def test_rehook_campaign_of_another_tenant_is_unknown(rehook: Engine) -> None:
    status, body = rehook_get(rehook, org=8)
    assert status == 200 and body["leaderboard"] is None and body["reward_brackets"] is None


@pytest.mark.parametrize("page", ["0", "-1", "two", "1.5", "٣"])
def test_rehook_malformed_page(rehook: Engine, page: str) -> None:
    status, body = rehook_get(rehook, page=page)
    assert status == 400
    assert list(body) == ["code", "key", "message", "details", "request_id"]
    assert body["code"] == 400 and body["key"] == "bad_request"


# -- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "shape"),
    [
        ("GET", "/api_gateway/v1/nothing", 404, "capillary"),
        ("DELETE", "/api_gateway/v1/badges/group", 405, "capillary"),
        ("POST", f"{BOARD}10", 405, "capillary"),
        ("GET", "/v3.1/targetGroups/10/targets/11/enroll", 405, "capillary"),
        ("GET", "/campaigns/nothing", 404, "rehook"),
        ("POST", "/campaigns/leaderboards/camp_daily", 405, "rehook"),
        ("GET", "/", 404, "rehook"),
    ],
)
def test_unknown_routes_and_methods(
    engine: Engine, method: str, path: str, status: int, shape: str
) -> None:
    response = handle(engine, Request(method, path, 1, 1))
    assert response.status == status
    if shape == "capillary":
        assert response.body["errors"][0]["code"] == status and response.body["data"] is None
    else:
        assert response.body["code"] == status
        assert list(response.body) == ["code", "key", "message", "details", "request_id"]


def test_request_ids_are_deterministic(engine: Engine) -> None:
    request = Request("GET", "/nowhere", 1, 1, {"a": "b"})
    assert handle(engine, request) == handle(engine, request)
    assert (
        handle(engine, request).body["request_id"]
        != handle(engine, Request("GET", "/elsewhere", 1, 1)).body["request_id"]
    )


def test_response_serialises_in_vendor_key_order(engine: Engine) -> None:
    response = handle(engine, Request("GET", f"{BOARD}10", 1, 1, {"targetId": "11"}))
    assert list(json.loads(response.to_json())) == ["pagination", "data", "errors", "warnings"]
