"""More of each vendor's API through the router: Capillary's unenroll, user ranks, badge
group reads and target group reads; Rehook's events and campaign metadata. Expected bodies
are literal, written from the vendors' pages (and docs/api.md where rankcore chooses)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rankcore import Engine, ManualClock
from rankcore.api import Request, Response, handle

IST = ZoneInfo("Asia/Kolkata")
USER = "/api_gateway/intouch-api-v3/v3.1/leaderboards/user/"
BADGES = "/api_gateway/v1/badges/group"


@pytest.fixture
def engine() -> Engine:
    """Org 50156 (IST) with target group 232 (period 243, June; milestone 366 and 367 on
    points), customers 1 to 3; Rehook application 7 with campaign camp_a tracking
    order_success."""
    engine = Engine(clock=ManualClock(datetime(2024, 6, 1, tzinfo=IST)))
    engine.add_org(50156, "Asia/Kolkata")
    engine.add_org(7, "Asia/Kolkata")
    engine.create_target_group(50156, 232, "Target")
    engine.add_period(
        50156, 232, 243, ref_code="target_period", name="PERIOD_G_29463_1",
        start=datetime(2024, 6, 1, tzinfo=IST), end=datetime(2024, 7, 1, tzinfo=IST),
    )  # fmt: skip
    for target in (366, 367):
        engine.add_target(
            50156, 232, target, name=f"target{target}", type="MILESTONE", metric="points",
            value=21000,
        )  # fmt: skip
    for customer in (1, 2, 3):
        engine.add_customer(50156, customer)
    engine.create_campaign(
        7, recurrence="daily", start=datetime(2024, 6, 1, tzinfo=IST),
        end=datetime(2024, 6, 8, tzinfo=IST), campaign_id="camp_a",
        brackets=[{"position": "1", "reward_value": "30"}],
    )  # fmt: skip
    engine.track_event(7, "camp_a", "order_success", points_field="total_amount")
    engine.advance_to(datetime(2024, 6, 2, 10, 0, tzinfo=IST))
    engine.record_activity(50156, 1, "points", 500, event_id="a")
    engine.record_activity(50156, 2, "points", 700, event_id="b")
    return engine


def call(
    engine: Engine, method: str, path: str, org: int = 50156, body: Any = None, **query: str
) -> Response:
    return handle(engine, Request(method, path, org, 123, query=query, body=body))


def test_unenroll_answers_in_the_enroll_envelope_and_takes_the_customer_off_the_board(
    engine: Engine,
) -> None:
    body = [{"customerId": 2, "periodName": "PERIOD_G_29463_1"}]
    answer = call(engine, "POST", "/v3.1/targetGroups/232/targets/366/unEnroll", body=body)
    assert (answer.status, answer.body) == (200, {"data": 2, "errors": None, "warnings": None})
    board = engine.target_leaderboard(50156, 232, 366)
    assert [entry.customer_id for entry in board.rankings] == [1]
    again = call(engine, "POST", "/v3.1/targetGroups/232/targets/366/unEnroll", body=body)
    assert again.status == 400 and again.body["errors"][0]["code"] == 300004  # not enrolled
    scoped = handle(
        engine,
        Request(
            "POST", "/v3.1/targetGroups/232/targets/367/unEnroll", 50156, 1,
            headers={"DATA-SCOPE": "ALL"}, body=[{"customerId": 1, "periodName": "x"}],
        ),
    )  # fmt: skip
    assert scoped.body == {
        "data": None,
        "errors": [{"code": 310141, "message": "Datascope 'ALL' is not supported for this 'API"}],
        "warnings": None,
    }


def test_user_ranks_across_targets(engine: Engine) -> None:
    answer = call(engine, "GET", USER + "1")
    row = {
        "orgId": 50156,
        "targetGroupId": 232,
        "targetGroupName": "Target",
        "periodId": 243,
        "periodRefCode": "target_period",
        "targetRuleId": 366,
        "targetRuleName": "target366",
        "rank": 2,
        "achievedValue": 500,
        "lastActivityTime": "2024-06-02T10:00:00.000IST",
    }
    assert answer.status == 200
    assert answer.body == {
        "data": {
            "lastSyncTime": "2024-06-02T10:00:00.000IST",
            "userId": 1,
            "rankings": [row, {**row, "targetRuleId": 367, "targetRuleName": "target367"}],
        },
        "errors": [],
        "warnings": [],
    }
    picked = call(
        engine, "GET", USER + "2", body=[{"orgId": 50156, "targetGroupId": 232,
                                          "targetRuleId": 367, "periodId": 243}],
    )  # fmt: skip
    assert [(r["targetRuleId"], r["rank"]) for r in picked.body["data"]["rankings"]] == [(367, 1)]
    assert call(engine, "GET", USER + "3").body["data"]["rankings"] == []  # on no board


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        (USER + "99", None, 310011),  # no such customer
        (USER + "x", None, 300004),
        (USER + "1", [{"targetGroupId": 232}], 300004),  # targetRuleId is mandatory
        (USER + "1", [{"targetGroupId": 232, "targetRuleId": 366}] * 26, 300004),  # over 25
        (USER + "1", [{"targetGroupId": 999, "targetRuleId": 366}], 310017),
        (USER + "1", [{"targetGroupId": 232, "targetRuleId": 1}], 310079),
        (USER + "1", [{"orgId": 7, "targetGroupId": 232, "targetRuleId": 366}], 310017),
    ],
)
def test_user_ranks_refusals(engine: Engine, path: str, body: Any, code: int) -> None:
    answer = call(engine, "GET", path, body=body)
    assert answer.status == 400
    assert answer.body["errors"][0]["code"] == code and answer.body["data"] is None


def test_badge_groups_are_listed_by_rank_and_read_by_id_with_iso_times(engine: Engine) -> None:
    created = [
        call(engine, "POST", BADGES, body={"name": name, "rank": rank}).body["data"]
        for name, rank in [("B", 2), ("A", 1), ("C", 3), ("B2", 2)]
    ]
    iso = "2024-06-02T04:30:00Z"  # 10:00 in India
    expected = {
        "id": created[0]["id"],
        "orgId": 50156,
        "name": "B",
        "rank": 2,
        "createdBy": 123,
        "createdOn": 1717302600.0,
        "createdOnISO": iso,
        "lastUpdatedBy": 123,
        "lastUpdatedOn": 1717302600.0,
        "lastUpdatedOnISO": iso,
        "isActive": True,
    }
    one = call(engine, "GET", f"{BADGES}/{created[0]['id']}")
    assert one.body == {"data": expected, "errors": None, "warnings": None}
    assert one.to_json().count("1717302600.000000000") == 2
    listed = call(engine, "GET", BADGES).body
    assert list(listed) == ["data", "errors", "warnings"]
    assert [g["name"] for g in listed["data"]["badgeGroups"]] == ["A", "B", "B2", "C"]
    down = call(engine, "GET", BADGES, order="desc").body["data"]["badgeGroups"]
    assert [g["name"] for g in down] == ["C", "B", "B2", "A"]
    page = call(engine, "GET", BADGES, size="2", page="1").body["data"]["badgeGroups"]
    assert [g["name"] for g in page] == ["B2", "C"]
    missing = call(engine, "GET", f"{BADGES}/6581281e8f68666070de15c5")
    assert (missing.status, missing.body["errors"]) == (
        404,
        [{"code": 404, "message": "Resource not found"}],
    )
    for query in ({"size": "0"}, {"page": "-1"}, {"order": "UP"}):
        assert call(engine, "GET", BADGES, **query).body["errors"][0]["code"] == 300004
    other = call(engine, "GET", f"{BADGES}/{created[0]['id']}", org=7)
    assert other.status == 404  # another org's group is unknown


def test_target_group_reads(engine: Engine) -> None:
    group = {
        "id": 232,
        "orgId": 50156,
        "name": "Target",
        "description": "",
        "active": True,
        "leaderboardEnabled": True,
    }
    period = {
        "id": 243,
        "startDate": "2024-06-01",
        "endDate": "2024-06-30",
        "refCode": "target_period",
        "name": "PERIOD_G_29463_1",
        "periodStatus": "ACTIVE",
        "targetGroupId": 232,
        "description": "",
        "active": True,
    }
    ok: dict[str, Any] = {"errors": [], "warnings": []}
    assert call(engine, "GET", "/v3/targetGroups").body == {"data": [group], **ok}
    assert call(engine, "GET", "/v3/targetGroups/232", includePeriods="true").body == {
        "data": {**group, "periods": [period]},
        **ok,
    }
    assert call(engine, "GET", "/v3/targetGroups/232/targetPeriods").body == {
        "data": [period],
        **ok,
    }
    targets = call(engine, "GET", "/v3/targetGroups/232/targets").body["data"]
    assert targets[0] == {
        "id": 366,
        "name": "target366",
        "targetGroupId": 232,
        "type": "MILESTONE",
        "metric": "points",
        "value": 21000,
        "streakLength": None,
        "leaderboardEnabled": True,
        "enrollment": "auto",
        "active": True,
    }
    engine.set_target_group_active(50156, 232, False)
    assert call(engine, "GET", "/v3/targetGroups", includeOnlyActive="true").body["data"] == []
    for path in ("/v3/targetGroups/232", "/v3/targetGroups/232/targets"):
        assert call(engine, "GET", path, org=7).body["errors"][0]["code"] == 310017
    assert call(engine, "GET", "/v3/targetGroups", includePeriods="yes").status == 400
    assert call(engine, "GET", "/V3/targetgroups").body["errors"][0]["code"] == 404


def test_events_invoke_awards_points_in_the_tracking_campaigns(engine: Engine) -> None:
    body = {
        "metadata": {"Payment_mode": "UPI", "total_amount": "250"},
        "event_name": "order_success",
        "source_id": "krishna@123",
    }
    answer = call(engine, "POST", "/events/invoke", org=7, body=body)
    interval = engine.campaign_interval(7, "camp_a")
    assert interval is not None
    assert answer.body == {
        "status": "success",
        "event_name": "order_success",
        "source_id": "krishna@123",
        "leaderboards": [
            {
                "campaign_id": "camp_a",
                "activity_id": interval.activity_id,
                "points": 250,
                "duplicate": False,
            }
        ],
    }
    board = call(engine, "GET", "/campaigns/leaderboards/camp_a", org=7).body
    assert board["leaderboard"] == [
        {"source_id": "krishna@123", "rank": 1, "points": 250, "reward": "30"}
    ]
    other = call(engine, "POST", "/events/invoke", org=7, body={**body, "event_name": "signup"})
    assert other.body["leaderboards"] == []  # no campaign tracks it


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"event_name": "order_success"},
        {"event_name": "", "source_id": "a"},
        {"event_name": "order_success", "source_id": "a", "metadata": []},
        {"event_name": "order_success", "source_id": "a", "metadata": {"total_amount": "x"}},
        {"event_name": "order_success", "source_id": "a", "metadata": {"total_amount": -2}},
        {"event_name": "order_success", "source_id": "a", "surprise": 1},
    ],
)
def test_a_refused_event_is_rehooks_400_and_changes_nothing(engine: Engine, body: Any) -> None:
    before = engine.snapshot()
    answer = call(engine, "POST", "/events/invoke", org=7, body=body)
    assert answer.status == 400
    assert list(answer.body) == ["code", "key", "message", "details", "request_id"]
    assert answer.body["key"] == "bad_request"
    assert engine.snapshot() == before


def test_campaign_metadata(engine: Engine) -> None:
    row = {
        "campaign_id": "camp_a",
        "campaign_type": "leaderboard",
        "id": "",
        "campaign_status": "active",
    }
    assert call(engine, "GET", "/campaigns/meta-data", org=7).body == [row]
    assert call(engine, "GET", "/campaigns/meta-data", org=7, campaign_type="Leaderboard").body
    assert call(engine, "GET", "/campaigns/meta-data", org=7, campaign_type="referral").body == []
    assert call(engine, "GET", "/campaigns/meta-data", org=7, campaign_id="camp_b").body == []
    assert call(engine, "GET", "/campaigns/meta-data", org=50156).body == []
    engine.advance_to(datetime(2024, 6, 9, tzinfo=IST))
    done = call(engine, "GET", "/campaigns/meta-data", org=7).body
    assert done == [{**row, "campaign_status": "inactive"}]


def test_event_rules_survive_a_snapshot(engine: Engine, tmp_path: Any) -> None:
    engine.save(tmp_path / "state")
    loaded = Engine.load(tmp_path / "state")
    assert loaded.event_rules(7) == engine.event_rules(7)
    assert [(r.campaign_id, r.points_field) for r in loaded.event_rules(7)] == [
        ("camp_a", "total_amount")
    ]
