"""Golden tests: each seed sample, rebuilt through the public API and answered by the router.

The expected bodies are the seeds' samples, copied verbatim (with the two typographic slips
noted where they occur). Comparison is on the JSON text, so key order, value types and
values must all match.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from seed_samples import (
    SAMPLE_000,
    SAMPLE_001,
    SAMPLE_001_UNKNOWN_ACTIVITY,
    SAMPLE_001_UNKNOWN_CAMPAIGN,
    SAMPLE_001_UNKNOWN_SOURCE,
    SAMPLE_002,
    SAMPLE_002_SCOPE_ALL,
    SAMPLE_003,
)

from rankcore import Engine, ManualClock
from rankcore.api import Request, Response, handle
from rankcore.ids import IdGenerator

IST = ZoneInfo("Asia/Kolkata")
LEADERBOARD_PATH = "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/"
CAMPAIGN = "camp_29vfKDh0hHOgkOXdWoSyA"
ACTIVITY = "ldac_Q8zWIV2r7cmZ8akj0Fjd4"


class KnownIds(IdGenerator):
    """Hands out the sample's hexadecimal ids first, as when importing data from the vendor."""

    def __init__(self, hexes: list[str]) -> None:
        super().__init__(0)
        self.hexes = list(hexes)

    def hex(self, length: int) -> str:
        return self.hexes.pop(0) if self.hexes else super().hex(length)


def same_json(response: Response, expected: Any) -> None:
    assert json.dumps(response.body) == json.dumps(expected)


# -- seed 000: Capillary leaderboard ------------------------------------------------------------


@pytest.fixture(scope="module")
def capillary() -> Engine:
    """Org 50156 with target group 232, period 243 and target 366, as in seed 000."""
    engine = Engine(clock=ManualClock(datetime(2022, 11, 1, tzinfo=IST)))
    engine.add_org(50157, "Asia/Kolkata")  # an org names only orgs already registered
    engine.add_org(50156, "Asia/Kolkata", connected=[50157])
    engine.create_target_group(50156, 232, "Target")
    engine.add_period(
        50156,
        232,
        243,
        ref_code="target_period",
        name="PERIOD_G_29463_1",
        start=datetime(2022, 11, 1, tzinfo=IST),
        end=datetime(2024, 7, 1, tzinfo=IST),
    )
    engine.add_target(
        50156, 232, 366, name="target1", type="MILESTONE", metric="points", value=21000,
        ties="ordinal",
    )  # fmt: skip
    leaders = [  # the latest first; the two others arrive late, but the board orders by time
        (381333386, "918424528743", datetime(2022, 11, 29, 13, 48, 28, tzinfo=IST)),
        (381329844, "918828069049", datetime(2022, 11, 25, 21, 44, 40, tzinfo=IST)),
        (381332324, "918969294257", datetime(2022, 11, 29, 0, 14, 48, tzinfo=IST)),
    ]
    engine.advance_to(leaders[0][2])
    for customer, mobile, at in leaders:
        engine.add_customer(
            50156,
            customer,
            first_name=f"Emf_fname_{mobile}",
            last_name=f"Emf_lname_{mobile}",
            mobile=mobile,
            email="[email protected]",
            gender="Male",
        )
        engine.record_activity(50156, customer, "points", 21000, at, event_id=f"lead-{customer}")
    last = datetime(2024, 6, 24, 17, 37, tzinfo=IST)
    for i in range(4524):
        engine.add_customer(50156, 1000 + i)
        engine.advance_to(last - timedelta(minutes=4523 - i))
        engine.record_activity(50156, 1000 + i, "points", 1 + i % 20000, event_id=i)
    engine.advance_to(datetime(2024, 6, 25, tzinfo=IST))  # lastSyncTime: the last change
    return engine


def capillary_get(engine: Engine, group: object, **query: str) -> Response:
    return handle(engine, Request("GET", f"{LEADERBOARD_PATH}{group}", 50156, 123, query=query))


def test_seed_000_leaderboard_sample(capillary: Engine) -> None:
    response = capillary_get(capillary, 232, targetId="366", periodId="243", pageSize="3")
    assert response.status == 200
    same_json(response, SAMPLE_000)


def test_seed_000_current_period_is_the_default(capillary: Engine) -> None:
    same_json(capillary_get(capillary, 232, targetId="366", pageSize="3"), SAMPLE_000)


# -- seed 001: Rehook leaderboard ---------------------------------------------------------------


@pytest.fixture(scope="module")
def rehook() -> Engine:
    """Application 7 (India) with the seed's daily campaign and its five participants."""
    start = datetime(2023, 9, 18, 12, 26, 13, 656765, tzinfo=UTC)
    engine = Engine(clock=ManualClock(start))
    engine.add_org(7, "Asia/Kolkata")
    engine.create_campaign(
        7,
        campaign_id=CAMPAIGN,
        activity_ids=[ACTIVITY],
        recurrence="daily",
        start=start,
        end=datetime(2023, 9, 25, tzinfo=UTC),
        brackets=[{"position": "1-2", "reward_value": "30"}],
    )
    points = [("KMN@123", 4), ("New_customer2", 3), ("krishna123", 1)]
    points += [("New_customer3", 1), ("New_customer4", 1)]
    for minute, (source_id, amount) in enumerate(points, start=1):
        engine.advance_to(start + timedelta(minutes=minute))
        engine.award(CAMPAIGN, source_id, amount, event_id=f"e-{minute}")
    return engine


def rehook_get(engine: Engine, campaign: str, **query: str) -> Response:
    return handle(engine, Request("GET", f"/campaigns/leaderboards/{campaign}", 7, 1, query=query))


def test_seed_001_complete_response(rehook: Engine) -> None:
    response = rehook_get(rehook, CAMPAIGN, source_id="KMN@123", page="1", activity_id="")
    assert response.status == 200
    same_json(response, SAMPLE_001)


@pytest.mark.parametrize("campaign", ["camp_doesNotExist", ""])
def test_seed_001_wrong_or_missing_campaign_id(rehook: Engine, campaign: str) -> None:
    response = rehook_get(rehook, campaign, source_id="KMN@123")
    assert response.status == 200
    same_json(response, SAMPLE_001_UNKNOWN_CAMPAIGN)


def test_seed_001_wrong_source_id(rehook: Engine) -> None:
    response = rehook_get(rehook, CAMPAIGN, source_id="kr")
    assert response.status == 404
    body = dict(response.body)
    # A request id is Rehook's to assign: only its form can match the sample.
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", body["request_id"])
    body["request_id"] = SAMPLE_001_UNKNOWN_SOURCE["request_id"]
    assert json.dumps(body) == json.dumps(SAMPLE_001_UNKNOWN_SOURCE)


def test_seed_001_wrong_activity_id(rehook: Engine) -> None:
    response = rehook_get(rehook, CAMPAIGN, activity_id="abc133nan")
    assert response.status == 200
    same_json(response, SAMPLE_001_UNKNOWN_ACTIVITY)


# -- seed 002: Capillary enroll -----------------------------------------------------------------


@pytest.fixture
def enrolling() -> Engine:
    engine = Engine(clock=ManualClock(datetime(2024, 6, 2, tzinfo=IST)))
    engine.add_org(50156, "Asia/Kolkata")
    engine.add_customer(50156, 345651201)
    engine.create_target_group(50156, 232, "Target")
    engine.add_period(
        50156, 232, 243, ref_code="target_period", name="PERIOD_G_29463_1",
        start=datetime(2024, 6, 1, tzinfo=IST), end=datetime(2024, 7, 1, tzinfo=IST),
    )  # fmt: skip
    engine.add_target(
        50156, 232, 366, name="target1", type="MILESTONE", metric="points", value=21000,
        enrollment="explicit",
    )  # fmt: skip
    return engine


ENROLL_BODY = [
    {
        "customerId": 345651201,
        "periodName": "PERIOD_G_29463_1",
        "initialBalance": 100,
        "resetStreakStatus": False,
    }
]


def enroll(engine: Engine, headers: dict[str, str] | None = None) -> Response:
    path = "/v3.1/targetGroups/232/targets/366/enroll"
    return handle(engine, Request("POST", path, 50156, 1, headers=headers, body=ENROLL_BODY))


def test_seed_002_enroll_sample(enrolling: Engine) -> None:
    response = enroll(enrolling)
    assert response.status == 200
    same_json(response, SAMPLE_002)
    progress = enrolling.milestone_progress(50156, 232, 366, 345651201, 243)
    assert progress.enrolled and progress.value == 100


def test_seed_002_data_scope_all_sample(enrolling: Engine) -> None:
    response = enroll(enrolling, {"DATA-SCOPE": "ALL"})
    same_json(response, SAMPLE_002_SCOPE_ALL)
    assert not enrolling.milestone_progress(50156, 232, 366, 345651201, 243).enrolled


# -- seed 003: Capillary badge group -------------------------------------------------------------


def test_seed_003_badge_group_sample() -> None:
    clock = ManualClock(datetime.fromtimestamp(1702963230.966423, UTC))
    engine = Engine(clock=clock, ids=KnownIds(hexes=["6581281e8f68666070de15c5"]))
    engine.add_org(50156, "Asia/Kolkata")
    body = {"name": "GROUP_RANK_4", "rank": 2}
    request = Request("POST", "/api_gateway/v1/badges/group", 50156, 123, body=body)
    response = handle(engine, request)
    assert response.status == 200
    same_json(response, SAMPLE_003)


SAMPLE_003_TEXT = (
    '{"data": {"id": "6581281e8f68666070de15c5", "orgId": 50156, "name": "GROUP_RANK_4", '
    '"rank": 2, "createdBy": 123, "createdOn": 1702963230.966423000, "lastUpdatedBy": 123, '
    '"lastUpdatedOn": 1702963230.966423000, "isActive": true}, "errors": [], "warnings": []}'
)
"""Seed 003's sample as the exact text ``Response.to_json()`` writes: the seed spells the
timestamps with nine fractional digits, which a plain float cannot keep."""


def test_seed_003_badge_group_sample_text() -> None:
    clock = ManualClock(datetime.fromtimestamp(1702963230.966423, UTC))
    engine = Engine(clock=clock, ids=KnownIds(hexes=["6581281e8f68666070de15c5"]))
    engine.add_org(50156, "Asia/Kolkata")
    body = {"name": "GROUP_RANK_4", "rank": 2}
    request = Request("POST", "/api_gateway/v1/badges/group", 50156, 123, body=body)
    response = handle(engine, request)
    assert json.loads(SAMPLE_003_TEXT) == SAMPLE_003
    assert response.to_json() == SAMPLE_003_TEXT
