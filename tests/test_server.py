"""``rankcore serve``: the Starlette app in process (every vendor route answers what the
router answers, auth, limits, lifecycle, metrics), the command line, and real Uvicorn
processes stopped with SIGTERM and killed with SIGKILL, whose journals keep every
acknowledged write exactly once. Examples of ``docs/server.md`` run against a real server.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from servers import RedisServer
from starlette.types import ASGIApp

import rankcore.server.auth as auth
from rankcore import Engine, InvalidArgument, JournalError, ManualClock
from rankcore.api import Request, handle
from rankcore.cli import NEEDS_EXTRA, main
from rankcore.server import Credential, Credentials, CredentialsError, Principal, create_app
from rankcore.server.app import route_name
from rankcore.server.auth import hash_password, parse_basic, verify_password

ROOT = Path(__file__).resolve().parent.parent
IST = ZoneInfo("Asia/Kolkata")
T0 = datetime(2024, 6, 2, tzinfo=IST)
BOARD = "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/"
ENROLL = "/v3.1/targetGroups/10/targets/12/enroll"
BADGES = "/api_gateway/v1/badges/group"
CAMPAIGN = "/campaigns/leaderboards/camp_a"
FAST = 16
"""scrypt's n for the tests' hashes: the parameters are read from each hash."""
SHOP = ("shop", "s3cret")  # Capillary: org 1, user 123
NEIGHBOUR = ("neighbour", "pw2")  # Capillary: org 2, user 5
KEY = ("key_abc", "secret_xyz")  # Rehook: application 7, user 0
STARTUP = 30.0
"""Seconds a server may take to answer /healthz (2 cores, a cold interpreter)."""


# -- a world, its credentials, its app -----------------------------------------------------------


def world() -> Engine:
    """Org 1 (connected to org 2) with target group 10: period 100, milestone 11 on points,
    streak 12 with explicit enrollment, 30 active customers; org 2 with one customer on its
    own group 20; Rehook application 7 with campaign ``camp_a`` and points for three sources."""
    engine = Engine(clock=ManualClock(datetime(2024, 6, 1, tzinfo=IST)))
    engine.add_org(2, "Europe/London")
    engine.add_org(1, "Asia/Kolkata", connected=[2])
    engine.add_org(7, "Asia/Kolkata")
    for org, group in [(1, 10), (2, 20)]:
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
    engine.create_campaign(
        7, recurrence="daily", start=datetime(2024, 6, 1, tzinfo=IST),
        end=datetime(2024, 6, 8, tzinfo=IST), campaign_id="camp_a",
        brackets=[{"position": "1-2", "reward_value": "30"}],
    )  # fmt: skip
    engine.advance_to(T0)
    for customer in range(1, 31):
        engine.add_customer(1, customer, first_name=f"c{customer}")
        engine.record_activity(1, customer, "points", customer * 10, event_id=f"a{customer}")
    engine.add_customer(2, 7, first_name="seven")
    engine.record_activity(2, 7, "points", 70, event_id="b7")
    for n, source in enumerate(["s1", "s2", "s3"]):
        engine.award("camp_a", source, 5 - n, event_id=f"p{n}")
    return engine


def entry(username: str, password: str, org: int, user: int, n: int = FAST) -> dict[str, Any]:
    return {
        "username": username,
        "password_hash": hash_password(password, n=n),
        "org": org,
        "user": user,
    }


def entries() -> list[dict[str, Any]]:
    return [
        entry(*SHOP, 1, 123),
        entry(*NEIGHBOUR, 2, 5),
        {k: v for k, v in entry(*KEY, 7, 0).items() if k != "user"},  # user defaults to 0
    ]


@pytest.fixture(scope="module")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    path = tmp_path_factory.mktemp("credentials") / "credentials.json"
    path.write_text(json.dumps(entries()))
    return Credentials.load(path)


class Client:
    """A synchronous client of an ASGI app in process, through httpx's ASGI transport
    (which runs no lifespan: the engine stays open)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.request(method, url, **options)

        return asyncio.run(send())

    def get(self, url: str, **options: Any) -> httpx.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        return self.request("POST", url, **options)


def client_for(engine: Engine, credentials: Credentials, **options: Any) -> Client:
    """A client of a new app over ``engine``."""
    return Client(create_app(engine, credentials, **options))


# -- every vendor route answers what handle() answers ---------------------------------------------

Call = tuple[tuple[str, str], int, int, str, str, dict[str, Any], dict[str, str], Any]
"""(credentials, org, user, method, path, query, headers, body)."""

CALLS: list[Call] = [
    (SHOP, 1, 123, "GET", f"{BOARD}10", {"targetId": "11", "pageSize": "5"}, {}, None),
    (SHOP, 1, 123, "GET", f"{BOARD}10", {"targetId": "11", "pageSize": "500"}, {}, None),
    (SHOP, 1, 123, "GET", f"{BOARD}10", {"targetId": "11", "pageOffset": "-1"}, {}, None),
    (SHOP, 1, 123, "GET", f"{BOARD}20", {"targetId": "21"}, {"DATA-SCOPE": "ALL"}, None),
    (SHOP, 1, 123, "GET", f"{BOARD}20", {"targetId": "21"}, {}, None),  # org 2's, scope SELF
    (NEIGHBOUR, 2, 5, "GET", f"{BOARD}10", {"targetId": "11"}, {}, None),  # scope SELF
    (SHOP, 1, 123, "GET", f"{BOARD}abc", {"targetId": "11"}, {}, None),
    (SHOP, 1, 123, "POST", ENROLL, {}, {}, [{"customerId": 3}]),
    (SHOP, 1, 123, "POST", ENROLL, {}, {}, [{"customerId": 3}, {"customerId": 4}]),
    (SHOP, 1, 123, "POST", ENROLL, {}, {"DATA-SCOPE": "ALL"}, [{"customerId": 4}]),
    (SHOP, 1, 123, "POST", BADGES, {}, {}, {"name": "GOLD", "rank": 1}),
    (SHOP, 1, 123, "POST", BADGES, {}, {}, {"name": "GOLD", "rank": 2}),  # 733
    (SHOP, 1, 123, "POST", BADGES, {}, {}, {"name": "SILVER"}),  # 732
    (SHOP, 1, 123, "POST", BADGES, {}, {}, None),
    (NEIGHBOUR, 2, 5, "POST", BADGES, {}, {}, {"name": "GOLD", "rank": 1}),  # its own org
    (KEY, 7, 0, "GET", CAMPAIGN, {}, {}, None),
    (KEY, 7, 0, "GET", CAMPAIGN, {"source_id": "s2"}, {}, None),
    (KEY, 7, 0, "GET", CAMPAIGN, {"source_id": "nobody"}, {}, None),
    (KEY, 7, 0, "GET", CAMPAIGN, {"page": "x"}, {}, None),
    (KEY, 7, 0, "GET", "/campaigns/leaderboards/camp_unknown", {}, {}, None),
    (SHOP, 1, 123, "GET", CAMPAIGN, {}, {}, None),  # another tenant's campaign
    (KEY, 7, 0, "GET", "/nowhere", {}, {}, None),
    (SHOP, 1, 123, "GET", "/API_GATEWAY/nowhere", {}, {}, None),
    (SHOP, 1, 123, "GET", BADGES, {}, {}, None),  # 405
    (KEY, 7, 0, "DELETE", CAMPAIGN, {}, {}, None),  # 405
    (SHOP, 1, 123, "PATCH", ENROLL, {}, {}, None),  # 405
]


def test_every_vendor_route_answers_what_the_router_answers(credentials: Credentials) -> None:
    served, direct = world(), world()  # twins: writes give the same ids and times
    client = client_for(served, credentials)
    statuses = set()
    for login, org, user, method, path, query, headers, body in CALLS:
        content = None if body is None else json.dumps(body)
        answer = client.request(
            method, path, params=query, headers=headers, content=content, auth=login
        )
        expected = handle(direct, Request(method, path, org, user, query, headers, body))
        assert (answer.status_code, answer.text) == (expected.status, expected.to_json()), path
        assert answer.headers["content-type"] == "application/json"
        statuses.add(answer.status_code)
    assert statuses == {200, 400, 404, 405}
    assert [g.name for g in served.badge_groups(1)] == ["GOLD"]
    assert [g.created_by for g in served.badge_groups(2)] == [5]  # the principal's user
    assert served.snapshot() == direct.snapshot()


def test_repeated_query_parameters_are_refused_by_the_router(credentials: Credentials) -> None:
    client = client_for(world(), credentials)
    answer = client.get(f"{BOARD}10?targetId=11&targetId=11", auth=SHOP)
    assert (answer.status_code, answer.json()["errors"]) == (
        400,
        [{"code": 300004, "message": "Invalid input"}],
    )
    answer = client.get(f"{CAMPAIGN}?page=1&page=2", auth=KEY)
    assert (answer.status_code, answer.json()["key"]) == (400, "bad_request")
    assert "page" in answer.json()["details"]


def test_a_principal_acts_only_as_its_own_org(credentials: Credentials) -> None:
    engine = world()
    client = client_for(engine, credentials)
    body = {"name": "MINE", "rank": 1}
    answer = client.post(BADGES, params={"org": "2"}, headers={"X-Org": "2"}, json=body, auth=SHOP)
    assert answer.json()["data"]["orgId"] == 1
    assert [g.org for g in engine.badge_groups(1)] == [1] and engine.badge_groups(2) == []
    # application 7 is connected to no org: no scope reaches org 1's board, or 7's campaign
    answer = client.get(
        f"{BOARD}10", params={"targetId": "11"}, headers={"DATA-SCOPE": "ALL"}, auth=KEY
    )
    assert answer.status_code == 400 and answer.json()["data"] is None
    assert client.get(CAMPAIGN, auth=NEIGHBOUR).json()["leaderboard"] is None


# -- authentication ------------------------------------------------------------------------------


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (basic("shop", "wrong"), 401),
        (basic("nobody", "s3cret"), 401),
        ({"Authorization": "Bearer s3cret"}, 401),
        ({"Authorization": "Basic !!!not-base64"}, 401),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, 401),
        (basic(*SHOP), 200),
    ],
)
def test_http_basic(credentials: Credentials, headers: dict[str, str], status: int) -> None:
    client = client_for(world(), credentials)
    for path, family in [(f"{BOARD}10?targetId=11", "capillary"), (CAMPAIGN, "rehook")]:
        if family == "rehook" and status == 200:
            headers = basic(*KEY)
        answer = client.get(path, headers=headers)
        assert answer.status_code == status
        if status == 401:
            assert answer.headers["WWW-Authenticate"] == 'Basic realm="rankcore"'
            body = answer.json()
            if family == "capillary":
                assert body == {
                    "data": None,
                    "errors": [{"code": 401, "message": "Unauthorized"}],
                    "warnings": [],
                }
            else:
                assert list(body) == ["code", "key", "message", "details", "request_id"]
                assert (body["code"], body["key"], body["message"]) == (
                    401,
                    "unauthorized",
                    "Unauthorized",
                )
        else:
            assert "WWW-Authenticate" not in answer.headers


def test_verification_is_cached_and_unknown_users_spend_one_scrypt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real = auth._scrypt

    def counting(*args: Any) -> bytes:
        calls.append(1)
        return real(*args)

    creds = Credentials([Credential("ann", hash_password("pw", n=FAST), Principal(3, 4))])
    monkeypatch.setattr(auth, "_scrypt", counting)
    assert creds.verify("ann", "pw") == Principal(3, 4)
    assert creds.verify("ann", "pw") == Principal(3, 4)
    assert creds.cached("ann", "pw") == Principal(3, 4)
    assert len(calls) == 1  # the second verification was a cache hit
    assert creds.verify("ann", "PW") is None
    assert creds.verify("bob", "pw") is None
    assert creds.verify("bob", "pw") is None  # failures are never cached
    assert len(calls) == 4
    assert creds.cached("ann", "PW") is None


def test_password_hashes() -> None:
    encoded = hash_password("pässwörd", n=FAST)
    assert re.fullmatch(r"scrypt\$16\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}", encoded)
    assert base64.b64decode(encoded.split("$")[4]).__len__() == 16  # a 16-byte salt
    assert verify_password("pässwörd", encoded)
    assert not verify_password("passwörd", encoded)
    assert hash_password("x", n=FAST) != hash_password("x", n=FAST)  # salted
    for bad in ["", "md5$1$2", "scrypt$15$8$1$AA==$" + "A" * 44, "scrypt$16$8$1$%%$AAAA"]:
        with pytest.raises(CredentialsError):
            verify_password("x", bad)
    assert parse_basic("basic " + base64.b64encode("é:ü:x".encode()).decode()) == ("é", "ü:x")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{", "not JSON"),
        ("[]", "a JSON list of credentials"),
        ('[{"username": "a"}]', "[0].password_hash"),
        ('[{"username": "a:b", "password_hash": "x", "org": 1}]', "[0].username"),
        ('[{"username": "a", "password_hash": "x", "org": 1}]', "[0]: a password hash"),
        ("[1]", "[0]: an entry must be a JSON object"),
    ],
)
def test_credentials_files_are_checked(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content)
    if content == "[]":
        assert len(Credentials.load(path)) == 0  # allowed: only the lifecycle routes answer
        return
    with pytest.raises(CredentialsError, match=re.escape(problem)):
        Credentials.load(path)
    good = entry("a", "b", 1, 1)
    path.write_text(json.dumps([good, {**good, "org": -1}]))
    with pytest.raises(CredentialsError, match=r"\[1\]: org must not be negative"):
        Credentials.load(path)
    path.write_text(json.dumps([good, good]))
    with pytest.raises(CredentialsError, match="listed twice"):
        Credentials.load(path)


# -- bodies: the cap, bad JSON ------------------------------------------------------------------


def test_bodies_over_the_cap_are_413_in_the_family_shape(credentials: Credentials) -> None:
    engine = world()
    client = client_for(engine, credentials, max_body=100)
    big = json.dumps({"name": "x" * 200, "rank": 1})
    answer = client.post(BADGES, content=big, auth=SHOP)
    assert answer.status_code == 413
    assert answer.json() == {
        "data": None,
        "errors": [{"code": 413, "message": "Payload too large"}],
        "warnings": [],
    }

    async def chunks() -> AsyncIterator[bytes]:  # chunked: no Content-Length
        yield big[:60].encode()
        yield big[60:].encode()

    answer = client.post(BADGES, content=chunks(), auth=SHOP)
    assert answer.status_code == 413
    answer = client.request("GET", CAMPAIGN, content=big, auth=KEY)
    assert (answer.status_code, answer.json()["key"]) == (413, "payload_too_large")
    assert engine.badge_groups(1) == []
    exact = json.dumps({"name": "y" * 50, "rank": 1})
    assert len(exact) <= 100
    assert client.post(BADGES, content=exact, auth=SHOP).status_code == 200


@pytest.mark.parametrize(
    "content",
    [b"{", b'{"name": "A", "rank": 1', b"\xff\xfe{}", b'{"name": "\xe9"}', b"[" * 100_000],
)
def test_bodies_that_are_not_utf8_json_are_400(credentials: Credentials, content: bytes) -> None:
    engine = world()
    client = client_for(engine, credentials, max_body=1_000_000)
    answer = client.post(BADGES, content=content, auth=SHOP)
    assert (answer.status_code, answer.json()) == (
        400,
        {"data": None, "errors": [{"code": 300004, "message": "Invalid input"}], "warnings": []},
    )
    answer = client.request("GET", CAMPAIGN, content=content, auth=KEY)
    body = answer.json()
    assert (answer.status_code, body["key"], body["message"]) == (400, "bad_request", "bad request")
    assert body["details"].startswith("the body is not UTF-8 JSON")
    # no route, or another method: the router's 404 and 405 come first
    assert client.post("/nowhere", content=content, auth=KEY).status_code == 404
    assert client.post(CAMPAIGN, content=content, auth=KEY).status_code == 405
    assert engine.badge_groups(1) == []


def test_json_the_router_refuses_gets_its_answer(credentials: Credentials) -> None:
    engine = world()
    client = client_for(engine, credentials)
    for text in ['{"name": "A", "rank": NaN}', '{"name": "\\ud800", "rank": 1}', "  \n"]:
        answer = client.post(BADGES, content=text, auth=SHOP)
        assert answer.status_code == 400
        assert answer.json()["errors"] == [{"code": 300004, "message": "Invalid input"}]
    assert engine.badge_groups(1) == []


# -- lifecycle, metrics, logs -------------------------------------------------------------------


def test_healthz_and_readyz(tmp_path: Path, credentials: Credentials) -> None:
    engine = Engine(journal=tmp_path / "j")
    client = client_for(engine, credentials)
    answer = client.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    answer = client.get("/readyz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ready"})
    engine.close()  # a dead engine: not ready, still alive
    answer = client.get("/readyz")
    assert (answer.status_code, answer.json()["status"]) == (503, "unavailable")
    assert client.get("/healthz").status_code == 200
    answer = client.get(CAMPAIGN, auth=KEY)
    assert (answer.status_code, answer.json()["key"]) == (503, "service_unavailable")


def test_the_lifespan_checkpoints_and_closes_a_journalled_engine(
    tmp_path: Path, credentials: Credentials
) -> None:
    journal = tmp_path / "game.journal"
    engine = Engine(journal=journal)
    engine.add_org(1, "UTC")
    app = create_app(engine, credentials)

    async def serve() -> int:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),  # what Uvicorn runs around serving
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            answer = await client.post(BADGES, json={"name": "A", "rank": 1}, auth=SHOP)
        return answer.status_code

    assert asyncio.run(serve()) == 200
    with pytest.raises(JournalError, match="closed"):
        engine.now()
    again = Engine(journal=journal)
    assert again.recovery is not None and again.recovery.replayed == 0  # all in the snapshot
    assert [g.name for g in again.badge_groups(1)] == ["A"]
    again.close()


def test_metrics(credentials: Credentials) -> None:
    client = client_for(world(), credentials)
    client.get(f"{BOARD}10", params={"targetId": "11"}, auth=SHOP)
    client.get(f"{BOARD}10", params={"targetId": "11"})
    client.get("/somewhere/else", auth=SHOP)
    client.get("/healthz")
    text = client.get("/metrics").text
    for line in [
        'rankcore_requests_total{route="capillary.leaderboard",status="200"} 1.0',
        'rankcore_requests_total{route="capillary.leaderboard",status="401"} 1.0',
        'rankcore_requests_total{route="unknown",status="404"} 1.0',
        'rankcore_requests_total{route="healthz",status="200"} 1.0',
        'rankcore_request_seconds_count{route="capillary.leaderboard"} 2.0',
    ]:
        assert line in text.splitlines(), line
    assert "# TYPE rankcore_request_seconds histogram" in text
    assert 'rankcore_request_seconds_bucket{le="+Inf",route="unknown"} 1.0' in text
    other = client_for(world(), credentials).get("/metrics").text  # a registry per app
    assert "capillary.leaderboard" not in other
    assert route_name("get", "/campaigns/leaderboards/x?y=1") == ("rehook.leaderboard", True)
    assert route_name("POST", f"{BOARD}1") == ("capillary.leaderboard", False)
    assert route_name("GET", f"/{'x' * 50}") == ("unknown", False)


def test_metrics_count_the_engines_changes_and_appends(
    tmp_path: Path, credentials: Credentials
) -> None:
    journal = tmp_path / "metrics.journal"
    engine = Engine(journal=journal, clock=ManualClock(datetime(2024, 6, 1, tzinfo=UTC)))
    engine.add_org(1, "UTC")
    engine.add_customer(1, 7)
    with pytest.raises(InvalidArgument):
        engine.add_customer(1, 7)  # refused: counts nothing
    text = client_for(engine, credentials).get("/metrics").text.splitlines()
    assert "rankcore_mutations_total 2.0" in text
    assert "rankcore_log_appends_total 2.0" in text
    assert "rankcore_replica_lag_seconds 0.0" in text
    engine.close()
    again = Engine(journal=journal)  # replayed changes count; nothing is appended
    text = client_for(again, credentials).get("/metrics").text.splitlines()
    assert "rankcore_mutations_total 2.0" in text
    assert "rankcore_log_appends_total 0.0" in text
    again.close()


def test_one_json_access_line_per_request(
    credentials: Credentials, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(world(), credentials)
    with caplog.at_level(logging.INFO, logger="rankcore.server"):
        client.post(BADGES, json={"name": "A", "rank": 1}, auth=SHOP)
        client.get(CAMPAIGN)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "rankcore.server"]
    assert [list(line) for line in lines] == [
        ["method", "path", "status", "duration_ms", "org"]
    ] * 2
    assert [(x["method"], x["path"], x["status"], x["org"]) for x in lines] == [
        ("POST", BADGES, 200, 1),
        ("GET", CAMPAIGN, 401, None),
    ]
    assert all(isinstance(x["duration_ms"], float) for x in lines)


# -- the command line in process ----------------------------------------------------------------


def test_serve_without_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn raises ImportError
    assert main(["serve", "--credentials", "nowhere.json"]) == 2
    assert capsys.readouterr().err == NEEDS_EXTRA + "\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--journal", "j", "--workers", "2"], "--workers 2 with --journal: a journal has one"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--port", "70000"], "--port must be from 0 to 65535"),
        (["--world", "missing.json"], "missing.json: file: cannot read"),
    ],
)
def test_serve_refuses_bad_options(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.json").write_text(json.dumps(entries()))
    assert main(["serve", "--credentials", "c.json", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rankcore serve: ") and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "j").exists()


def test_serve_refuses_bad_credentials_and_locked_journals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("{}")
    assert main(["serve", "--credentials", "bad.json"]) == 2
    assert "rankcore serve: bad.json: the file must hold a JSON list" in capsys.readouterr().err
    (tmp_path / "c.json").write_text(json.dumps(entries()))
    holder = Engine(journal=tmp_path / "j")
    try:
        assert main(["serve", "--credentials", "c.json", "--journal", "j"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("rankcore serve: j: journal ") and "one writer" in err, err
    finally:
        holder.close()


def test_passwd(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("hunter2\n"))
    assert main(["passwd"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("scrypt$") and verify_password("hunter2", printed)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["passwd"]) == 2
    assert capsys.readouterr().err == "rankcore passwd: the password is empty\n"


# -- real servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """``rankcore serve ARGS`` (or ``command``, listening on ``port``) as a subprocess in
    ``folder``, on a free loopback port; started once it answers ``/healthz``."""

    def __init__(
        self, folder: Path, *args: str, command: list[str] | None = None, port: int = 0
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"server-{self.port}.log"
        if command is None:
            command = [sys.executable, "-m", "rankcore.cli", "serve", "--port", str(self.port)]
            command += args
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=log)
        deadline = time.monotonic() + STARTUP
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop(signal.SIGKILL)
                raise AssertionError(f"the server did not start: {self.output()}")
            time.sleep(0.05)

    def output(self) -> str:
        """What the server wrote on stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig``, wait for the exit (SIGKILL after a timeout); the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
            raise AssertionError(f"the server did not stop on {sig}: {self.output()}") from None


@pytest.fixture
def server_folder(tmp_path: Path) -> Path:
    (tmp_path / "credentials.json").write_text(json.dumps(entries()))
    world_file = tmp_path / "world.json"
    world_file.write_text(
        json.dumps(
            {
                "format": "rankcore.scenario/1",
                "start": "2024-06-01T00:00:00Z",
                "orgs": [{"id": 1, "timezone": "Asia/Kolkata"}, {"id": 7, "timezone": "UTC"}],
                "customers": [{"org": 1, "id": 1, "count": 5}],
                "steps": [],
            }
        )
    )
    return tmp_path


SERVE = ["--world", "world.json", "--journal", "game.journal", "--credentials", "credentials.json"]


class Writer(threading.Thread):
    """Creates badge groups with unique names over one keep-alive connection until told to
    stop or the server goes away; ``acked`` maps each acknowledged name to its id."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__(daemon=True)
        self.url, self.prefix = url, prefix
        self.acked: dict[str, str] = {}
        self.sent = 0
        self.halt = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        with httpx.Client(base_url=self.url, auth=SHOP, timeout=5.0) as client:
            while not self.halt.is_set():
                name = f"{self.prefix}-{self.sent}"
                self.sent += 1
                try:
                    answer = client.post(BADGES, json={"name": name, "rank": 1})
                except httpx.HTTPError:
                    return  # the server went away: this write is unacknowledged
                if not answer.is_success:  # a server going away answers no error
                    self.error = f"{answer.status_code} {answer.text}"
                    return
                self.acked[name] = answer.json()["data"]["id"]

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 20
        while len(self.acked) < count and self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(self.acked) >= count, self.error


def groups(folder: Path) -> dict[str, list[str]]:
    """Badge group names of org 1 in the journal, each with the ids it has."""
    engine = Engine(journal=folder / "game.journal")
    try:
        found: dict[str, list[str]] = {}
        for group in engine.badge_groups(1):
            found.setdefault(group.name, []).append(group.id)
        return found
    finally:
        engine.close()


def test_sigterm_drains_checkpoints_and_exits_0(server_folder: Path) -> None:
    server = Server(server_folder, *SERVE)
    writer = Writer(server.url, "term")
    writer.start()
    writer.wait_for(5)
    assert server.stop(signal.SIGTERM) == 0
    writer.halt.set()
    writer.join(timeout=20)
    assert writer.error is None
    output = server.output()
    assert "Application shutdown complete" in output and "Traceback" not in output
    engine = Engine(journal=server_folder / "game.journal")
    try:
        assert engine.recovery is not None
        assert (engine.recovery.snapshot, engine.recovery.replayed) == (True, 0)  # checkpointed
        assert engine.customer(1, 5) is not None  # the world
    finally:
        engine.close()
    found = groups(server_folder)
    assert {name: found.get(name) for name in writer.acked} == {
        name: [group_id] for name, group_id in writer.acked.items()
    }


def test_sigkill_loses_no_acknowledged_write(server_folder: Path) -> None:
    rng = random.Random(20240601)
    acked: dict[str, str] = {}
    for round_ in range(10):
        server = Server(server_folder, *SERVE)  # the world is not applied again
        writer = Writer(server.url, f"r{round_}")
        writer.start()
        writer.wait_for(rng.randrange(1, 4))
        time.sleep(rng.uniform(0.0, 0.15))
        server.stop(signal.SIGKILL)
        writer.join(timeout=20)
        assert not writer.is_alive() and writer.error is None
        acked.update(writer.acked)
    found = groups(server_folder)
    assert {name: found.get(name) for name in acked} == {
        name: [group_id] for name, group_id in acked.items()
    }
    assert all(len(ids) == 1 for ids in found.values())
    engine = Engine(journal=server_folder / "game.journal")
    try:
        assert engine.customer(1, 5) is not None and engine.customer(1, 6) is None
    finally:
        engine.close()


def test_a_second_server_on_a_journal_is_refused(server_folder: Path) -> None:
    server = Server(server_folder, *SERVE)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "rankcore.cli", "serve", "--port", str(free_port()), *SERVE],
            cwd=server_folder,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 2
        assert second.stderr.decode().startswith("rankcore serve: game.journal: ")
    finally:
        assert server.stop() == 0


def test_workers_without_a_journal_each_serve_the_world(server_folder: Path) -> None:
    args = ["--world", "world.json", "--credentials", "credentials.json", "--workers", "2"]
    server = Server(server_folder, *args)
    try:
        for _ in range(4):
            answer = httpx.get(f"{server.url}{BOARD}10", params={"targetId": "1"}, auth=SHOP)
            assert answer.status_code == 400  # org 1 has no target group 10: the router's answer
            assert answer.json()["errors"][0]["code"] != 401
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.output()


# -- the examples of docs/server.md, against a real server ---------------------------------------

_TESTED = re.compile(
    r"<!-- test: (\w+) -->\n```\w+\n(.*?)^```\n(?:\n(?:[^\n]*\n\n)?```(\w+)\n(.*?)^```)?",
    re.S | re.M,
)


def examples() -> list[tuple[str, str, str | None, str | None]]:
    """``(kind, block, answer language, answer)`` for each marked block of the page."""
    text = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    return [(m[1], m[2], m[3], m[4]) for m in _TESTED.finditer(text)]


def matches(expected: Any, actual: Any) -> bool:
    """``actual`` is ``expected``, where ``"…"`` stands for any value; keys in order."""
    if expected == "…":
        return True
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and list(expected) == list(actual)
            and all(matches(expected[k], actual[k]) for k in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(type(expected) is type(actual) and expected == actual)


def test_the_pages_examples_hold(tmp_path: Path) -> None:
    found = examples()
    kinds = [kind for kind, *_ in found]
    assert kinds[:3] == ["passwd", "credentials", "serve"] and kinds.count("request") >= 4
    shims = tmp_path / "bin"
    shims.mkdir()
    shim = shims / "rankcore"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m rankcore.cli "$@"\n')
    shim.chmod(0o755)
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}

    def sh(script: str, port: int | None = None) -> str:
        if port is not None:
            script = script.replace("8000", str(port))
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout.decode()

    hashed = sh(found[0][1]).strip()
    assert re.fullmatch(r"scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}", hashed)
    listed = json.loads(found[1][1].replace("scrypt$32768$8$1$…", hashed))
    assert [e["username"] for e in listed] == ["shop", "key_29vfKDh0"]
    (tmp_path / "credentials.json").write_text(json.dumps(listed))
    command = found[2][1].replace("\\\n", " ").split()
    assert command[:2] == ["rankcore", "serve"] and command[-2:] == ["--port", "8000"]
    port = free_port()
    server = Server(tmp_path, command=[str(shim), *command[1:-1], str(port)], port=port)
    try:
        for kind, block, language, answer in found[3:]:
            assert kind == "request" and answer is not None, block
            out = sh(block, server.port)
            if language == "json":
                assert matches(json.loads(answer), json.loads(out)), (block, out)
            else:
                got = set(out.splitlines())
                assert set(answer.splitlines()) <= got, (block, out)
    finally:
        assert server.stop() == 0


# -- several servers on one Redis log ----------------------------------------------------------


def test_two_servers_on_one_redis_log_share_one_state(server_folder: Path) -> None:
    """Two ``rankcore serve --redis`` processes (two hosts, say) answer from one state: a
    badge group created through one is a taken name (733) through the other."""
    redis_server = RedisServer(server_folder / "redis").start()
    args = ["--world", "world.json", "--redis", redis_server.url]
    args += ["--credentials", "credentials.json"]
    first = Server(server_folder, *args)
    second = Server(server_folder, *args)  # the world is in the log already: not applied again
    try:
        with httpx.Client(auth=SHOP, timeout=10.0) as client:
            made = client.post(f"{first.url}{BADGES}", json={"name": "SHARED", "rank": 1})
            assert made.status_code == 200, made.text
            again = client.post(f"{second.url}{BADGES}", json={"name": "SHARED", "rank": 2})
            assert again.json()["errors"][0]["code"] == 733, again.text
            assert client.get(f"{second.url}/readyz").status_code == 200
        assert first.stop() == 0 and second.stop() == 0
        replica = Engine.connect(redis_server.url)
        assert [g.name for g in replica.badge_groups(1)] == ["SHARED"]
        replica.close()
    finally:
        for server in (first, second):
            if server.process.poll() is None:
                server.stop(signal.SIGKILL)
        redis_server.stop()
