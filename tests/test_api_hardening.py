"""The router against hostile callers: whatever a caller sends, ``handle`` answers in the
vendor's shape, never raises, never answers 500 for the caller's fault, never echoes
unbounded or unencodable text, and a refusal changes nothing.

Covers non-string query and header values, bodies JSON cannot print (too deep, huge integers,
lone surrogates, cycles), over-long and unencodable Rehook ids, upper-case Capillary paths,
internal failures (logged, 500) and a dead engine (503), and the exact spelling of badge group
timestamps. A bounded fuzz test closes the file.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from seed_samples import SAMPLE_001_UNKNOWN_CAMPAIGN

from rankcore import Engine, ManualClock
from rankcore.api import Request, Response, handle, router
from rankcore.errors import InvalidArgument, InvalidArgumentType

IST = ZoneInfo("Asia/Kolkata")
START = datetime(2024, 6, 1, tzinfo=IST)
BOARD = "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/"
ENROLL = "/v3.1/targetGroups/10/targets/12/enroll"
BADGE = "/api_gateway/v1/badges/group"
CAMPAIGN = "/campaigns/leaderboards/camp"
SURROGATE = json.loads('"\\ud800"')
LONG = "x" * 100_000

CAPILLARY_STATUSES = {200, 400, 404, 405}
"""What rankcore answers on Capillary paths for anything a caller sends (Capillary documents
no HTTP statuses: every refusal is 400, unknown paths 404, wrong methods 405)."""
REHOOK_STATUSES = {200, 400, 404, 405}
"""Rehook documents 200, 400 and 404; rankcore adds 405 for a known path with another method."""


def world() -> Engine:
    """Capillary org 1: group 10, period 100 (June), target 11 (milestone, automatic
    enrollment), target 12 (milestone, explicit enrollment), customers 1..5 with points and
    customer 9 never active. Rehook application 7: daily campaign ``camp`` with three
    participants and a registered source ``idle`` without points."""
    engine = Engine(clock=ManualClock(START))
    engine.add_org(1, "Asia/Kolkata")
    engine.create_target_group(1, 10, "group 10")
    engine.add_period(
        1, 10, 100, ref_code="p10", name="P10", start=START, end=START + timedelta(days=30)
    )
    engine.add_target(1, 10, 11, name="points", type="MILESTONE", metric="points", value=500)
    engine.add_target(
        1, 10, 12, name="explicit", type="MILESTONE", metric="points", value=500,
        enrollment="explicit",
    )  # fmt: skip
    engine.advance_to(START + timedelta(hours=1))
    for customer in range(1, 6):
        engine.add_customer(1, customer, first_name=f"c{customer}")
        engine.record_activity(1, customer, "points", customer * 10, event_id=f"a{customer}")
    engine.add_customer(1, 9)
    engine.add_org(7, "UTC")
    engine.create_campaign(
        7, campaign_id="camp", recurrence="daily", start=START, end=START + timedelta(days=3),
        brackets=[{"position": "1", "reward_value": "10"}],
    )  # fmt: skip
    for i, source in enumerate(["ann", "bob", "cy"], start=1):
        engine.award("camp", source, i, event_id=f"p{i}")
    engine.register(7, "idle")
    return engine


@pytest.fixture
def engine() -> Engine:
    return world()


def is_capillary(path: str) -> bool:
    """The documented family rule, written again here rather than imported from the router."""
    first = path.split("?", 1)[0].removeprefix("/").split("/", 1)[0]
    return first.isascii() and first.lower() in {"api_gateway", "v3.1"}


def assert_capillary_invalid(response: Response, *, pagination: bool, warnings: Any) -> None:
    expected: dict[str, Any] = {"pagination": None} if pagination else {}
    expected |= {
        "data": None,
        "errors": [{"code": 300004, "message": "Invalid input"}],
        "warnings": warnings,
    }
    assert response.status == 400
    assert response.body == expected


def assert_rehook_error(response: Response, status: int, key: str) -> dict[str, Any]:
    assert response.status == status
    body: dict[str, Any] = response.body
    assert list(body) == ["code", "key", "message", "details", "request_id"]
    assert body["code"] == status and body["key"] == key
    return body


def encodes(response: Response) -> str:
    """The response's JSON text, which must encode to UTF-8 and parse back."""
    text = response.to_json()
    text.encode("utf-8")
    json.loads(text)
    return text


def nest(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def board(engine: Engine, query: Any = None, headers: Any = None) -> Response:
    return handle(engine, Request("GET", f"{BOARD}10", 1, 5, query, headers))


def rehook(engine: Engine, query: Any = None, path: str = CAMPAIGN) -> Response:
    return handle(engine, Request("GET", path, 7, 1, query))


def enroll(engine: Engine, body: Any, headers: Any = None) -> Response:
    return handle(engine, Request("POST", ENROLL, 1, 5, headers=headers, body=body))


def badge(engine: Engine, body: Any, headers: Any = None) -> Response:
    return handle(engine, Request("POST", BADGE, 1, 5, headers=headers, body=body))


# -- 1. non-string query and header values ------------------------------------------------------

JUNK_VALUES = [["5", "6"], [], [5], 5, 5.0, None, True, {"a": "5"}, b"5", ("5", "6")]


def test_a_list_of_one_string_is_that_string(engine: Engine) -> None:
    response = board(engine, {"targetId": ["11"], "pageSize": ["2"]})
    assert response.status == 200
    assert response.body["pagination"] == {"limit": 2, "offset": 0, "total": 5}
    assert rehook(engine, {"page": ["1"], "source_id": ["ann"]}).body["my_rank"]["rank"] == 3


def test_query_pairs_as_parse_qsl_gives_them(engine: Engine) -> None:
    assert board(engine, [("targetId", "11"), ("pageSize", "1")]).body["pagination"]["limit"] == 1
    repeated = board(engine, [("targetId", "11"), ("pageSize", "1"), ("pageSize", "2")])
    assert_capillary_invalid(repeated, pagination=True, warnings=[])


@pytest.mark.parametrize("value", JUNK_VALUES)
@pytest.mark.parametrize("name", ["targetId", "pageSize", "unknownParameter"])
def test_capillary_refuses_non_string_query_values(engine: Engine, name: str, value: Any) -> None:
    query = {"targetId": "11", name: value}
    assert_capillary_invalid(board(engine, query), pagination=True, warnings=[])


@pytest.mark.parametrize("value", JUNK_VALUES)
@pytest.mark.parametrize("name", ["page", "source_id", "activity_id", "other"])
def test_rehook_refuses_non_string_query_values(engine: Engine, name: str, value: Any) -> None:
    body = assert_rehook_error(rehook(engine, {name: value}), 400, "bad_request")
    assert body["message"] == "bad request"
    assert name in body["details"]
    encodes(rehook(engine, {name: value}))


@pytest.mark.parametrize("value", JUNK_VALUES)
def test_capillary_refuses_non_string_header_values(engine: Engine, value: Any) -> None:
    before = engine.snapshot()
    headers = {"DATA-SCOPE": value}
    assert_capillary_invalid(
        board(engine, {"targetId": "11"}, headers), pagination=True, warnings=[]
    )
    record = [{"customerId": 9, "periodName": "P10"}]
    assert_capillary_invalid(enroll(engine, record, headers), pagination=False, warnings=None)
    assert_capillary_invalid(
        badge(engine, {"name": "G", "rank": 1}, headers), pagination=False, warnings=[]
    )
    assert engine.snapshot() == before


def test_rehook_refuses_non_string_header_values(engine: Engine) -> None:
    response = handle(engine, Request("GET", CAMPAIGN, 7, 1, headers={"X-Trace": ["a", "b"]}))
    body = assert_rehook_error(response, 400, "bad_request")
    assert "X-TRACE" in body["details"]


def test_conflicting_spellings_of_one_header_are_refused(engine: Engine) -> None:
    headers = {"data-scope": "SELF", "DATA-SCOPE": "ALL"}
    assert_capillary_invalid(
        board(engine, {"targetId": "11"}, headers), pagination=True, warnings=[]
    )
    same = {"data-scope": "SELF", "DATA-SCOPE": "SELF"}
    assert board(engine, {"targetId": "11"}, same).status == 200


@pytest.mark.parametrize(
    "query",
    [{5: "x"}, {None: "x"}, {10**5000: "x"}, "targetId=11", 42, object(), [("a",)]],
    ids=["int-key", "none-key", "huge-key", "text", "int", "object", "short-pair"],
)
def test_junk_query_containers_and_keys_are_refused(engine: Engine, query: Any) -> None:
    assert_capillary_invalid(board(engine, query), pagination=True, warnings=[])
    assert_rehook_error(rehook(engine, query), 400, "bad_request")


@pytest.mark.parametrize(
    ("method", "path", "org", "user"),
    [
        (5, BADGE, 1, 5),
        (None, CAMPAIGN, 7, 1),
        ("GET", None, 1, 5),
        ("GET", 42, 1, 5),
        ("GET", f"{BOARD}10", "1", 5),
        ("POST", BADGE, 1, "alice"),
        ("POST", BADGE, True, 5),
        ("POST", BADGE, 1, 10**5000),
        ("GET", CAMPAIGN, None, 1),
        ("GET", CAMPAIGN, 7.0, 1),
    ],
    ids=lambda value: type(value).__name__,
)
def test_junk_request_fields_never_raise(
    engine: Engine, method: Any, path: Any, org: Any, user: Any
) -> None:
    before = engine.snapshot()
    request = Request(method, path, org, user, {"targetId": "11"}, body={"name": "G", "rank": 1})
    response = handle(engine, request)
    assert response.status in {400, 404, 405}
    encodes(response)
    request.request_id()
    assert engine.snapshot() == before


# -- 2. bodies JSON cannot print ------------------------------------------------------------------


def cyclic() -> Any:
    value: list[Any] = []
    value.append(value)
    return value


UNPRINTABLE_BODIES = [
    pytest.param(nest(5000), id="deep-list"),
    pytest.param({"name": "G", "rank": 1, "x": nest(5000)}, id="deep-field"),
    pytest.param({"name": "G", "rank": 1, "x": 10**5000}, id="huge-int"),
    pytest.param([{"customerId": 9, "periodName": "P10", "x": -(10**4400)}], id="huge-neg-int"),
    pytest.param({"name": SURROGATE, "rank": 1}, id="surrogate-value"),
    pytest.param({"name": "G", "rank": 1, SURROGATE: 1}, id="surrogate-key"),
    pytest.param({"name": "G", "rank": 1, "x": float("nan")}, id="nan"),
    pytest.param({"name": "G", "rank": 1, "x": {1, 2}}, id="set"),
    pytest.param({"name": "G", "rank": 1, 5: "x"}, id="int-key"),
    pytest.param(cyclic(), id="cycle"),
]


@pytest.mark.parametrize("body", UNPRINTABLE_BODIES)
def test_unprintable_bodies_are_invalid_input(engine: Engine, body: Any) -> None:
    before = engine.snapshot()
    assert_capillary_invalid(badge(engine, body), pagination=False, warnings=[])
    assert_capillary_invalid(enroll(engine, body), pagination=False, warnings=None)
    response = handle(engine, Request("GET", f"{BOARD}10", 1, 5, {"targetId": "11"}, body=body))
    assert_capillary_invalid(response, pagination=True, warnings=[])
    response = handle(engine, Request("GET", CAMPAIGN, 7, 1, body=body))
    assert_rehook_error(response, 400, "bad_request")
    encodes(response)
    assert engine.snapshot() == before
    assert engine.badge_groups(1) == []


@pytest.mark.parametrize("body", UNPRINTABLE_BODIES)
def test_request_ids_exist_for_every_body(engine: Engine, body: Any) -> None:
    request = Request("GET", "/nowhere", 7, 1, body=body)
    assert request.request_id() == request.request_id()
    response = handle(engine, request)
    assert_rehook_error(response, 404, "not_found")
    encodes(response)


def test_request_ids_of_printable_requests_are_unchanged() -> None:
    """The id of an ordinary request is the one rankcore always gave (replays depend on it)."""
    request = Request("GET", "/nowhere", 1, 1, {"a": "b"}, body={"x": [1, 2.5, None]})
    assert request.request_id() == "750b3b03-f8de-c5f5-e058-b96779157d81"


def test_a_body_sixty_four_levels_deep_is_still_read(engine: Engine) -> None:
    body = {"name": "G", "rank": 1, "x": nest(62)}  # the object, then 63 lists
    assert badge(engine, body).status == 200
    too_deep = {"name": "H", "rank": 1, "x": nest(64)}
    assert_capillary_invalid(badge(engine, too_deep), pagination=False, warnings=[])


# -- 3. over-long and unencodable Rehook ids ------------------------------------------------------


@pytest.mark.parametrize("campaign", [LONG, f"camp{SURROGATE}", SURROGATE * 50_000])
def test_unknown_campaign_ids_of_any_length_are_the_seed_shape(
    engine: Engine, campaign: str
) -> None:
    response = rehook(engine, {"source_id": campaign}, path=f"/campaigns/leaderboards/{campaign}")
    assert response.status == 200 and response.body == SAMPLE_001_UNKNOWN_CAMPAIGN
    encodes(response)


@pytest.mark.parametrize("source", [LONG, f"ann{SURROGATE}", SURROGATE * 50_000, "\udfff" + LONG])
def test_unknown_source_ids_are_a_bounded_encodable_404(engine: Engine, source: str) -> None:
    response = rehook(engine, {"source_id": source})
    body = assert_rehook_error(response, 404, "not_found")
    assert body["message"] == "Resource not found"
    assert body["details"].startswith("Cannot find customer with source id ")
    assert len(body["details"]) <= len("Cannot find customer with source id ") + 201
    body["details"].encode("utf-8")
    assert len(encodes(response)) < 1000


@pytest.mark.parametrize("activity", [LONG, f"ldac{SURROGATE}", SURROGATE * 50_000])
def test_unknown_activity_ids_of_any_length_give_the_empty_interval(
    engine: Engine, activity: str
) -> None:
    response = rehook(engine, {"activity_id": activity})
    assert response.status == 200
    assert response.body["leaderboard"] is None and response.body["my_rank"] == {"reward": ""}
    assert response.body["reward_brackets"] == [{"position": "1", "reward_value": "10"}]
    assert len(encodes(response)) < 1000


@pytest.mark.parametrize("path", [f"/{LONG}", f"/nowhere{SURROGATE}", f"/campaigns/{LONG}/x"])
def test_unknown_paths_echo_a_bounded_encodable_path(engine: Engine, path: str) -> None:
    response = handle(engine, Request(f"GET{SURROGATE}{LONG}", path, 7, 1))
    assert response.status == 404
    body = assert_rehook_error(response, 404, "not_found")
    assert len(body["details"]) <= 403
    assert len(encodes(response)) < 1000


def test_to_json_escapes_surrogates_wherever_they_come_from() -> None:
    text = Response(200, {"k": f"a{SURROGATE}b", SURROGATE: [SURROGATE]}).to_json()
    assert text == '{"k": "a\\ud800b", "\\ud800": ["\\ud800"]}'
    assert json.loads(text) == {"k": f"a{SURROGATE}b", SURROGATE: [SURROGATE]}
    assert Response(200, {"k": "é😀"}).to_json() == '{"k": "é😀"}'


# -- 4. upper-case and unknown Capillary paths ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/API_GATEWAY/foo",
        "/V3.1/x",
        "/Api_Gateway/v1/badges/group",
        "/API_GATEWAY/intouch-api-v3/v3.1/leaderboards/targetGroups/10",
        "/V3.1/targetGroups/10/targets/12/enroll",
        "/api_gateway",
        "/V3.1",
        "/api_gateway?x=1",
        "/API_GATEWAY/" + LONG,
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_capillary_family_detection_ignores_case(engine: Engine, path: str, method: str) -> None:
    response = handle(engine, Request(method, path, 1, 5, {"targetId": "11"}, body=[]))
    assert response.status == 404
    assert response.body == {
        "data": None,
        "errors": [{"code": 404, "message": "Resource not found"}],
        "warnings": [],
    }
    assert len(encodes(response)) < 1000


@pytest.mark.parametrize("path", ["/Campaigns/leaderboards/camp", "/CAMPAIGNS/x", "/v3.10/x"])
def test_other_unknown_paths_are_rehook_shaped(engine: Engine, path: str) -> None:
    assert_rehook_error(handle(engine, Request("GET", path, 7, 1)), 404, "not_found")


def test_known_routes_match_exactly_but_methods_ignore_case(engine: Engine) -> None:
    assert handle(engine, Request("get", f"{BOARD}10", 1, 5, {"targetId": "11"})).status == 200
    assert handle(engine, Request("get", BADGE, 1, 5)).status == 200  # GET lists them
    assert handle(engine, Request("DELETE", BADGE, 1, 5)).status == 405


# -- 5. internal failures, a dead engine, bad input from the engine -------------------------------


def failing(exc: BaseException) -> Any:
    def fail(*args: object, **kwargs: object) -> Any:
        raise exc

    return fail


def test_an_endpoint_bug_is_logged_and_answered_500(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    routes = tuple(
        (method, pattern, failing(RuntimeError("boom"))) for method, pattern, _ in router.ROUTES
    )
    monkeypatch.setattr(router, "ROUTES", routes)
    with caplog.at_level(logging.ERROR, logger="rankcore.api"):
        response = badge(engine, {"name": "G", "rank": 1})
        assert response.status == 500
        assert response.body == {
            "data": None,
            "errors": [{"code": 500, "message": "Internal error"}],
            "warnings": [],
        }
        response = rehook(engine)
        body = assert_rehook_error(response, 500, "internal_error")
        assert body["message"] == "Internal error"
    records = [r for r in caplog.records if r.name == "rankcore.api"]
    assert len(records) == 2
    for record in records:
        assert record.levelno == logging.ERROR and record.exc_info is not None
        assert isinstance(record.exc_info[1], RuntimeError)
    assert "Traceback" in caplog.text and "boom" in caplog.text
    assert "boom" not in json.dumps(response.body)


def test_an_engine_bug_is_logged_and_answered_500(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(engine, "target_leaderboard", failing(KeyError("oops")))
    with caplog.at_level(logging.ERROR, logger="rankcore.api"):
        response = board(engine, {"targetId": "11"})
    assert response.status == 500 and response.body["errors"][0]["code"] == 500
    assert any(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in caplog.records)


@pytest.fixture
def dead(tmp_path: Path) -> Engine:
    engine = Engine(clock=ManualClock(START), journal=tmp_path / "journal")
    engine.add_org(1, "Asia/Kolkata")
    engine.add_org(7, "UTC")
    engine.create_target_group(1, 10, "group 10")
    engine.close()
    return engine


def test_a_dead_engine_answers_503_in_the_family_shape(dead: Engine) -> None:
    response = board(dead, {"targetId": "11"})
    assert response.status == 503
    assert response.body == {
        "pagination": None,
        "data": None,
        "errors": [{"code": 503, "message": "Service unavailable"}],
        "warnings": [],
    }
    response = badge(dead, {"name": "G", "rank": 1})
    assert response.status == 503 and response.body["errors"][0]["code"] == 503
    assert response.body["warnings"] == []
    response = enroll(dead, [{"customerId": 9, "periodName": "P10"}])
    assert response.status == 503 and response.body["warnings"] is None
    body = assert_rehook_error(rehook(dead), 503, "service_unavailable")
    assert body["message"] == "Service unavailable"
    assert "journal" not in body["details"]


@pytest.mark.parametrize("exc", [InvalidArgument("bad"), InvalidArgumentType("bad type")])
def test_bad_input_errors_from_the_engine_are_invalid_input(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    for name in ("create_badge_group", "enroll", "target_leaderboard", "campaign_leaderboard"):
        monkeypatch.setattr(engine, name, failing(exc))
    assert_capillary_invalid(badge(engine, {"name": "G", "rank": 1}), pagination=False, warnings=[])
    record = [{"customerId": 9, "periodName": "P10"}]
    assert_capillary_invalid(enroll(engine, record), pagination=False, warnings=None)
    assert_capillary_invalid(board(engine, {"targetId": "11"}), pagination=True, warnings=[])
    body = assert_rehook_error(rehook(engine), 400, "bad_request")
    assert body["message"] == "bad request"


def test_bad_input_errors_raised_outside_endpoints_are_invalid_input(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An endpoint (a future one, say) that lets a rankcore bad-input error escape still gets
    the family's invalid-input shape from the router, not a 500."""
    routes = tuple(
        (method, pattern, failing(InvalidArgumentType("no")))
        for method, pattern, _ in router.ROUTES
    )
    monkeypatch.setattr(router, "ROUTES", routes)
    assert_capillary_invalid(badge(engine, {"name": "G", "rank": 1}), pagination=False, warnings=[])
    assert_rehook_error(rehook(engine), 400, "bad_request")


# -- 6. badge group timestamps -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "text"),
    [
        (datetime(2023, 12, 19, 5, 20, 30, 966423, tzinfo=UTC), "1702963230.966423000"),
        (datetime(2024, 6, 1, 18, 30, tzinfo=UTC), "1717266600.000000000"),
        (datetime(2024, 6, 1, 18, 30, 0, 1, tzinfo=UTC), "1717266600.000001000"),
        (datetime(2024, 6, 1, 18, 30, 0, 999999, tzinfo=UTC), "1717266600.999999000"),
    ],
)
def test_badge_group_timestamps_have_nine_fractional_digits(at: datetime, text: str) -> None:
    engine = Engine(clock=ManualClock(at))
    engine.add_org(1, "UTC")
    response = badge(engine, {"name": "G", "rank": 1})
    assert response.status == 200
    out = response.to_json()
    assert f'"createdOn": {text}, ' in out and f'"lastUpdatedOn": {text}, ' in out
    assert response.body["data"]["createdOn"] == float(text)
    assert json.loads(out)["data"]["createdOn"] == float(text)
    assert json.dumps(response.body) == json.dumps(json.loads(out))  # plain json still works


# -- 7. fuzz --------------------------------------------------------------------------------------

PREFIXES = [BOARD, "/v3.1/targetGroups/", BADGE, "/campaigns/leaderboards/", "/", ""]
KNOWN = [f"{BOARD}10", "/v3.1/targetGroups/10/targets/12/enroll", BADGE, CAMPAIGN]
PARAMS = [
    "targetId", "periodId", "pageSize", "pageOffset", "pageLimit", "page", "activity_id",
    "source_id",
]  # fmt: skip
WORDS = ["10", "11", "12", "100", "camp", "ann", "idle", "-1", "0", "2", "P10", "SELF", "OTHER",
         "ALL", "1", "7", "250", "", "x" * 300, SURROGATE, "ann" + SURROGATE]  # fmt: skip


def mostly(sane: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``sane`` about four times in five (so that whole requests often get past the checks),
    shrinking towards ``sane``."""
    return st.integers(0, 4).flatmap(lambda i: hostile if i == 4 else sane)


characters = st.characters(exclude_categories=()) | st.characters(categories=["Cs"])
unicode = st.text(alphabet=characters, max_size=12)
texts = st.sampled_from(WORDS) | unicode
huge = st.integers(min_value=10**4400) | st.integers(max_value=-(10**4400))
numbers = st.one_of(
    st.integers(-(2**70), 2**70), huge, st.floats(), st.sampled_from([0, 1, 9, 10, 12, 2**63])
)
leaves = st.none() | st.booleans() | numbers | texts
json_ish = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
) | st.sampled_from([1, 63, 64, 65, 5000]).map(nest)
bodies = mostly(
    st.one_of(
        st.none(),
        st.fixed_dictionaries({"name": texts, "rank": st.integers(-3, 3)}),
        st.fixed_dictionaries(
            {"customerId": st.sampled_from([9, 1, 4242])},
            optional={"periodName": st.sampled_from(["P10", "P99"]), "initialBalance": numbers,
                      "resetStreakStatus": st.booleans()},
        ).map(lambda record: [record]),
    ),
    st.one_of(
        json_ish,
        st.lists(st.fixed_dictionaries({}, optional={"customerId": json_ish,
                                                     "periodName": json_ish}), max_size=2),
        st.fixed_dictionaries({}, optional={"name": json_ish, "rank": json_ish}),
    ),
)  # fmt: skip


def recase(text: str, flips: list[bool]) -> str:
    return "".join(c.upper() if i < len(flips) and flips[i] else c for i, c in enumerate(text))


routes = mostly(
    st.sampled_from(list(zip(["GET", "POST", "POST", "GET"], KNOWN, strict=True))),
    st.tuples(
        st.sampled_from(["GET", "POST", "get", "PUT", ""]) | unicode,
        st.one_of(
            st.sampled_from(KNOWN),
            st.builds(
                lambda prefix, flips, parts: recase(prefix, flips) + "/".join(parts),
                st.sampled_from(PREFIXES),
                st.lists(st.booleans(), max_size=20),
                st.lists(texts, max_size=3),
            ),
            unicode,
        ),
    ),
)
parameters = mostly(
    st.fixed_dictionaries(
        {"targetId": st.sampled_from(["11", "12", "10"])},
        optional={name: st.sampled_from(WORDS) for name in PARAMS if name != "targetId"},
    ),
    st.dictionaries(
        st.sampled_from(PARAMS) | unicode,
        texts | st.lists(texts, max_size=2) | json_ish,
        max_size=4,
    )
    | json_ish,
)
headers = mostly(
    st.dictionaries(
        st.sampled_from(["DATA-SCOPE", "data-scope", "DATA-SCOPE-ORG"]),
        st.sampled_from(["SELF", "ALL", "OTHER", "1", "[1]", "2", ""]),
        max_size=2,
    ),
    st.dictionaries(unicode, texts | st.lists(texts, max_size=2) | json_ish, max_size=3) | json_ish,
)
requests = st.builds(
    lambda route, **fields: Request(*route, **fields),
    route=routes,
    org=mostly(st.sampled_from([1, 7]), st.sampled_from([2, 99]) | json_ish),
    user=mostly(st.integers(0, 100), json_ish),
    query=parameters,
    headers=headers,
    body=bodies,
)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(requests, min_size=1, max_size=4))
def test_fuzz_the_router_never_fails_and_refusals_change_nothing(batch: list[Request]) -> None:
    engine = world()
    for request in batch:
        before = engine.snapshot()
        response = handle(engine, request)
        assert isinstance(response, Response)
        capillary = is_capillary(request.path)
        assert response.status in (CAPILLARY_STATUSES if capillary else REHOOK_STATUSES)
        event(f"{'capillary' if capillary else 'rehook'} {response.status}")
        encodes(response)
        request.request_id()
        if response.status >= 400 and capillary:
            assert response.body["data"] is None and response.body["errors"]
            assert all(isinstance(e["code"], int) for e in response.body["errors"])
        elif response.status >= 400:
            assert list(response.body) == ["code", "key", "message", "details", "request_id"]
        if response.status >= 400 or request.method.upper() == "GET":
            assert engine.snapshot() == before
