"""``GET /openapi.json``: a valid OpenAPI 3.1 document whose response schemas hold every seed
sample and every answer the server gives in the tests (errors included), and schemathesis
through the ASGI app: no 500, every answer conforms, a refused request changes nothing."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import schemathesis
import seed_samples as seeds
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from test_server import (
    BADGES,
    BOARD,
    CALLS,
    CAMPAIGN,
    ENROLL,
    KEY,
    SHOP,
    Client,
    client_for,
    world,
)

from rankcore import Engine
from rankcore.api.router import ROUTES, is_capillary, is_native
from rankcore.server import Credential, Credentials, Principal, create_app
from rankcore.server.app import route_name
from rankcore.server.auth import hash_password
from rankcore.server.openapi import document

DOC = document()
LIFECYCLE = {"/healthz", "/readyz", "/metrics", "/openapi.json"}


def _templates() -> dict[str, str]:
    """Each router route's name to its path in the document (a path with ``1`` for each
    parameter names the route)."""
    found: dict[str, str] = {}
    for template, item in DOC["paths"].items():
        if template in LIFECYCLE or template == "/campaigns/leaderboards":
            continue
        for method in item:
            route, exact = route_name(method, re.sub(r"\{[^}]*\}", "1", template))
            assert exact, (method, template)
            found[route] = template
    return found


TEMPLATES = _templates()
_URI = "urn:rankcore:openapi"
_REGISTRY: Registry[Any] = Registry().with_resource(_URI, DRAFT202012.create_resource(DOC))


def make_credentials() -> Credentials:
    return Credentials(
        [
            Credential("shop", hash_password(SHOP[1], n=16), Principal(1, 123)),
            Credential("neighbour", hash_password("pw2", n=16), Principal(2, 5)),
            Credential(KEY[0], hash_password(KEY[1], n=16), Principal(7, 0)),
        ]
    )


CREDENTIALS = make_credentials()


def validator(*location: str) -> jsonschema.protocols.Validator:
    """A validator for the schema at ``location`` (keys from the root) of the document."""
    escaped = "/".join(quote(key.replace("~", "~0").replace("/", "~1")) for key in location)
    schema = {"$ref": f"{_URI}#/{escaped}"}
    return jsonschema.Draft202012Validator(schema, registry=_REGISTRY)


def response_location(method: str, path: str, status: int) -> tuple[str, ...]:
    """Where the document describes the answer ``status`` to ``method path``: the route's
    operation, or the family's 404 (no route) or 405 (another method)."""
    bare = path.split("?", 1)[0]
    if bare in LIFECYCLE:
        template = bare
    else:
        route, exact = route_name(method, bare)
        family = "Native" if is_native(bare) else "Capillary" if is_capillary(bare) else "Rehook"
        if route == "unknown":
            assert status == 404, (method, path, status)
            return ("components", "responses", f"{family}NotFound", "content")
        if not exact:
            assert status == 405, (method, path, status)
            return ("components", "responses", f"{family}MethodNotAllowed", "content")
        template = TEMPLATES[route]
        if bare == "/campaigns/leaderboards":
            template = bare
    operation = DOC["paths"][template][method.lower()]
    assert str(status) in operation["responses"], (method, path, status)
    return ("paths", template, method.lower(), "responses", str(status), "content")


def check_answer(method: str, path: str, status: int, body: Any) -> None:
    location = response_location(method, path, status)
    validator(*location, "application/json", "schema").validate(body)


# -- the document -------------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1_and_is_served_without_credentials() -> None:
    validate(DOC)  # raises for an invalid document
    assert DOC["openapi"].startswith("3.1.")
    for name in DOC["components"]["schemas"]:  # every schema is itself valid JSON Schema
        jsonschema.Draft202012Validator.check_schema(DOC["components"]["schemas"][name])
    client = client_for(world(), CREDENTIALS)
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == DOC
    metrics = client.get("/metrics").text
    assert 'rankcore_requests_total{route="openapi",status="200"} 1.0' in metrics


def test_every_route_the_server_answers_is_described() -> None:
    described = {(m.upper(), p) for p, item in DOC["paths"].items() for m in item}
    routed = {f"{e.__module__.rsplit('.', 1)[-1]}.{e.__name__}" for _m, _p, e in ROUTES}
    assert set(TEMPLATES) == routed  # every route, each under one path
    assert len(described) == len(ROUTES) + 1 + len(LIFECYCLE)  # + Rehook's without an id
    assert {
        ("GET", BOARD + "{targetGroup}"),
        ("POST", "/v3.1/targetGroups/{targetGroupId}/targets/{targetId}/enroll"),
        ("POST", BADGES),
        ("GET", BADGES),
        ("GET", "/campaigns/leaderboards/{campaign_id}"),
        ("GET", "/campaigns/leaderboards"),
        ("POST", "/events/invoke"),
        ("GET", "/campaigns/meta-data"),
        ("POST", "/rankcore/v1/campaigns"),
        *(("GET", path) for path in LIFECYCLE),
    } <= described
    for path, item in DOC["paths"].items():
        for operation in item.values():
            secured = operation.get("security", DOC["security"]) != []
            assert secured == (path not in LIFECYCLE), path
            if secured:
                assert "401" in operation["responses"] and "413" in operation["responses"]


# -- the seeds' samples -------------------------------------------------------------------------

SAMPLES = [
    ("GET", BOARD + "232", 200, seeds.SAMPLE_000),
    ("GET", "/campaigns/leaderboards/c", 200, seeds.SAMPLE_001),
    ("GET", "/campaigns/leaderboards/c", 200, seeds.SAMPLE_001_UNKNOWN_CAMPAIGN),
    ("GET", "/campaigns/leaderboards/c", 200, seeds.SAMPLE_001_UNKNOWN_ACTIVITY),
    ("GET", "/campaigns/leaderboards/c", 404, seeds.SAMPLE_001_UNKNOWN_SOURCE),
    ("POST", ENROLL, 200, seeds.SAMPLE_002),
    ("POST", ENROLL, 400, seeds.SAMPLE_002_SCOPE_ALL),
    ("POST", BADGES, 200, seeds.SAMPLE_003),
]


@pytest.mark.parametrize(("method", "path", "status", "sample"), SAMPLES)
def test_every_seed_sample_validates(method: str, path: str, status: int, sample: Any) -> None:
    check_answer(method, path, status, sample)


@pytest.mark.parametrize(
    ("method", "path", "status", "sample", "change"),
    [
        ("GET", BOARD + "1", 200, seeds.SAMPLE_000, lambda b: b.update(extra=1)),
        ("GET", BOARD + "1", 200, seeds.SAMPLE_000, lambda b: b["data"]["rankings"][0].pop("rank")),
        ("GET", CAMPAIGN, 200, seeds.SAMPLE_001, lambda b: b["leaderboard"][0].update(x=1)),
        ("GET", CAMPAIGN, 200, seeds.SAMPLE_001, lambda b: b.update(page="1")),
        ("GET", CAMPAIGN, 404, seeds.SAMPLE_001_UNKNOWN_SOURCE, lambda b: b.update(code=400)),
        ("POST", ENROLL, 200, seeds.SAMPLE_002, lambda b: b.update(errors=[])),
        ("POST", BADGES, 200, seeds.SAMPLE_003, lambda b: b["data"].update(isActive="true")),
    ],
)
def test_the_schemas_are_exact(
    method: str, path: str, status: int, sample: Any, change: Any
) -> None:
    body = json.loads(json.dumps(sample))
    change(body)
    with pytest.raises(jsonschema.ValidationError):
        check_answer(method, path, status, body)


# -- every answer of the server's tests, errors included ----------------------------------------


def basic(login: tuple[str, str]) -> dict[str, str]:
    token = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_every_answer_of_the_server_tests_validates() -> None:
    client = client_for(world(), CREDENTIALS)
    seen: set[tuple[str, int]] = set()
    for login, _org, _user, method, path, query, headers, body in CALLS:
        content = None if body is None else json.dumps(body)
        answer = client.request(
            method, path, params=query, headers={**headers, **basic(login)}, content=content
        )
        check_answer(method, path, answer.status_code, answer.json())
        seen.add(("capillary" if is_capillary(path) else "rehook", answer.status_code))
    assert seen >= {("capillary", s) for s in (200, 400, 404, 405)}
    assert seen >= {("rehook", s) for s in (200, 400, 404, 405)}


@pytest.mark.parametrize("path", [BOARD + "10?targetId=11", ENROLL, BADGES, CAMPAIGN])
def test_the_servers_own_answers_validate(path: str, tmp_path: Path) -> None:
    """401, 413 and a body that is not JSON (400), on every route; then 503 from a dead
    engine, and /readyz's 503."""
    method = "GET" if "leaderboards" in path else "POST"
    login = SHOP if is_capillary(path) else KEY
    small = create_app(world(), CREDENTIALS, max_body=8)
    for client, headers, content, status in [
        (Client(small), {}, None, 401),
        (Client(small), basic(("shop", "wrong")), None, 401),
        (Client(small), basic(login), b"[" * 9, 413),
        (Client(small), basic(login), b"{x", 400),
    ]:
        answer = client.request(method, path, headers=headers, content=content)
        assert answer.status_code == status
        check_answer(method, path, status, answer.json())
    dead = Engine(journal=tmp_path / "journal")
    dead.close()
    client = client_for(dead, CREDENTIALS)
    body = {"name": "G", "rank": 1} if path == BADGES else [{"customerId": 1}]
    answer = client.request(method, path, headers=basic(login), json=body)
    assert answer.status_code == 503
    check_answer(method, path, 503, answer.json())
    answer = client.get("/readyz")
    assert answer.status_code == 503
    check_answer("GET", "/readyz", 503, answer.json())


def test_lifecycle_answers_validate() -> None:
    client = client_for(world(), CREDENTIALS)
    for path in ("/healthz", "/readyz"):
        answer = client.get(path)
        check_answer("GET", path, answer.status_code, answer.json())


# -- schemathesis through the ASGI app ---------------------------------------------------------

APP = create_app(world(), CREDENTIALS)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


WORLD_IDS = {
    "targetGroup": 10,
    "targetGroupId": 10,
    "group": 10,
    "campaign_id": "camp_a",
    "campaign": "camp_a",
    "userId": 3,
    "customer": 3,
}
"""Path parameters naming what the world holds: each case is also sent with these, so that
the operations reach their successes and domain refusals, not only unknown ids."""


def send(case: Any) -> None:
    engine: Engine = APP.state.rankcore.engine
    before = engine.snapshot()
    path = case.formatted_path
    login = SHOP if is_capillary(path) or path.startswith("/rankcore/") else KEY
    response = case.call(headers=basic(login))
    case.validate_response(response, checks=CHECKS)
    if 400 <= response.status_code < 500:
        assert engine.snapshot() == before, (case.formatted_path, response.status_code)


@SCHEMA.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis(case: Any) -> None:
    send(case)
    if case.path_parameters:
        for name in case.path_parameters:
            case.path_parameters[name] = WORLD_IDS.get(name, 12)  # targetId: the streak
        if "targetId" in (case.query or {}):
            case.query["targetId"] = 11  # the milestone
        body = case.body
        if isinstance(body, list) and body and isinstance(body[0], dict):
            customer = body[0].get("customerId")
            if type(customer) is int:
                body[0]["customerId"] = customer % 32
        send(case)


def test_a_path_holding_a_newline_gets_the_routers_answer() -> None:
    answer = Client(APP).get("/campaigns/leaderboards/a%0Ab", headers=basic(KEY))
    assert answer.headers["content-type"] == "application/json"
    check_answer("GET", "/campaigns/leaderboards/a\nb", answer.status_code, answer.json())


@pytest.mark.parametrize(
    ("method", "path", "json"),
    [
        ("POST", "/rankcore/v1/boards/d%3Fx/submissions", {"entries": []}),
        ("GET", "/campaigns/leaderboards/a%3Fb", None),
    ],
)
def test_a_question_mark_sent_in_a_path_segment_stays_in_it(
    method: str, path: str, json: Any
) -> None:
    """``%3F`` decodes to a ``?`` that belongs to its segment: the route stays the one of
    the whole path (not a 405 of a shorter one), and the answer is one it documents."""
    answer = Client(APP).request(method, path, headers=basic(KEY), json=json)
    route, exact = route_name(method, path)
    assert exact and route != "unknown"
    assert answer.status_code != 405
    assert answer.headers["content-type"] == "application/json"
    check_answer(method, path, answer.status_code, answer.json())
