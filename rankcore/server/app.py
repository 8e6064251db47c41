"""The Starlette app: HTTP in front of :func:`rankcore.api.handle`, with auth and lifecycle.

One catch-all route turns each HTTP request into a :class:`rankcore.api.Request` acting as
the authenticated principal and answers with what the router returns; the router's thread-
safe engine runs in Starlette's thread pool, so a slow call never blocks the event loop.
What the router never sees is answered here, in the path's vendor family (Capillary for
``/api_gateway/...`` and ``/v3.1/...``, Rehook otherwise): 401 without valid HTTP Basic
credentials, 413 for a body over ``max_body`` bytes, 400 "invalid input" for a body that is
not UTF-8 JSON. ``GET /healthz``, ``GET /readyz``, ``GET /metrics`` and ``GET /openapi.json``
(the OpenAPI 3.1 document, :mod:`rankcore.server.openapi`) need no credentials.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.requests import Request as HTTPRequest
from starlette.responses import Response as HTTPResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from rankcore.api import Request, Response, capillary, handle, native, rehook
from rankcore.api.jsontext import echo
from rankcore.api.router import ROUTES, is_capillary, is_native
from rankcore.engine import Engine
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.persistence.errors import PersistenceError
from rankcore.scenario import Replayer, Scenario, load
from rankcore.server.auth import Credentials, Principal, parse_basic
from rankcore.server.metrics import CONTENT_TYPE, Metrics
from rankcore.server.openapi import document_json

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_MAX_BODY",
    "UNKNOWN_ROUTE",
    "app_from_environment",
    "create_app",
    "family_error",
    "open_engine",
    "route_name",
]

DEFAULT_MAX_BODY: Final = 1_048_576
"""The default cap on a request body, in bytes (1 MiB)."""
UNKNOWN_ROUTE: Final = "unknown"
"""The ``route`` label of a path no router route matches."""
CHALLENGE: Final = 'Basic realm="rankcore"'
"""The ``WWW-Authenticate`` header of a 401."""
JSON_TYPE: Final = "application/json"
CONFIG_ENV: Final = "RANKCORE_SERVER_CONFIG"
"""The environment variable through which ``rankcore serve --workers N`` hands each worker
its settings (JSON: ``world``, ``credentials``, ``max_body``), for
:func:`app_from_environment`."""

_LOG: Final = logging.getLogger("rankcore.server")
_ROUTES: Final = tuple(
    (method, pattern, f"{endpoint.__module__.rsplit('.', 1)[-1]}.{endpoint.__name__}")
    for method, pattern, endpoint in ROUTES
)
_MESSAGES: Final = {
    401: ("unauthorized", "Unauthorized"),
    413: ("payload_too_large", "Payload too large"),
}


def route_name(method: str, path: str) -> tuple[str, bool]:
    """The router's name for the route of ``path`` (``capillary.enroll``, ...), or
    :data:`UNKNOWN_ROUTE`; and whether ``method`` is that route's (a path routed for
    several methods names the route of ``method``, else its first). O(routes)."""
    path = path.split("?", 1)[0]
    first = None
    for route_method, pattern, name in _ROUTES:
        if pattern.fullmatch(path):
            if route_method == method.upper():
                return name, True
            first = first or name
    return (UNKNOWN_ROUTE, False) if first is None else (first, False)


def _path(http: HTTPRequest) -> str:
    """The request's path as the router reads it: decoded, with a ``?`` that was sent as
    ``%3F`` (a character of a path segment) sent on as ``%3F``, since the router takes a
    ``?`` in a path for the start of its query. O(path)."""
    path: str = http.scope["path"]
    return path.replace("?", "%3F") if "?" in path else path


def family_error(request: Request, status: int, detail: str) -> Response:
    """The server's own answer ``status`` (400, 401 or 413) in the family of the request's
    path, built with the vendors' public writers as the router builds its own answers.

    Capillary: 400 is code 300004 "Invalid input" (as the router's), 401 and 413 carry the
    status as code, as the router's 404 and 405 do. Rehook: the error body with key
    ``bad_request``, ``unauthorized`` or ``payload_too_large`` and ``detail`` as details.
    Native (``/rankcore/...``): ``{"error": {"type", "message"}}`` with ``detail``.
    """
    if is_native(request.path.split("?", 1)[0]):
        kinds = {400: "InvalidArgument", 401: "Unauthorized", 413: "PayloadTooLarge"}
        return native.error(status, kinds[status], detail)
    if is_capillary(request.path.split("?", 1)[0]):
        if status == 400:
            return Response(400, capillary.error(*capillary.INVALID_INPUT, empty=[]))
        return Response(status, capillary.error(status, _MESSAGES[status][1], empty=[]))
    if status == 400:
        return rehook.bad_request(request, detail)
    key, message = _MESSAGES[status]
    return rehook.error(request, status, key, message, detail)


class _BodyTooLarge(Exception):
    pass


class _Server:
    """The state behind one app: the engine, who may call it, its metrics."""

    def __init__(self, engine: Engine, credentials: Credentials, max_body: int) -> None:
        self.engine = engine
        self.credentials = credentials
        self.max_body = max_body
        self.metrics = Metrics(engine)

    # -- the vendor routes --------------------------------------------------------------------

    async def vendor(self, http: HTTPRequest) -> HTTPResponse:
        """Every path but the lifecycle ones: authenticate, read, hand to the router."""
        started = time.perf_counter()
        route, exact = route_name(http.method, _path(http))
        response, principal = await self._answer(http, exact)
        self._observe(http, started, response, route, principal)
        return response

    async def _answer(
        self, http: HTTPRequest, exact: bool
    ) -> tuple[HTTPResponse, Principal | None]:
        method, path = http.method, _path(http)
        query = _query(http)
        headers = [(k, v) for k, v in http.headers.items() if k != "authorization"]
        credentials = parse_basic(http.headers.get("authorization"))
        principal = None
        if credentials is not None:
            principal = self.credentials.cached(*credentials) or await run_in_threadpool(
                self.credentials.verify, *credentials
            )
        if principal is None:
            anonymous = Request(method, path, 0, 0, query=query, headers=headers)
            detail = "valid HTTP Basic credentials are required"
            answer = family_error(anonymous, 401, detail)
            return _send(answer, {"WWW-Authenticate": CHALLENGE}), None
        org, user = principal.org, principal.user
        try:
            body = _parse(await self._read(http))
        except _BodyTooLarge:
            detail = f"the body is larger than {self.max_body} bytes"
            request = Request(method, path, org, user, query=query, headers=headers)
            return _send(family_error(request, 413, detail)), principal
        except (ValueError, RecursionError, ClientDisconnect) as exc:
            if exact:  # otherwise the router's 404 or 405 comes first
                detail = f"the body is not UTF-8 JSON: {exc}"
                request = Request(method, path, org, user, query=query, headers=headers)
                return _send(family_error(request, 400, detail)), principal
            body = None
        request = Request(method, path, org, user, query=query, headers=headers, body=body)
        return _send(await self._handle(request)), principal

    async def _handle(self, request: Request) -> Response:
        """The router's answer. A read on an idle local engine is answered in place (it
        takes microseconds, less than the hop to a worker thread); a write, a replica's
        call (it may reach Redis) or a read while another thread holds the engine goes to
        Starlette's thread pool, so the event loop never waits on a write."""
        engine = self.engine
        if request.method == "GET" and not engine.replicated:
            done, answer = engine.try_call(lambda: handle(engine, request))
            if done:
                assert answer is not None
                return answer
        return await run_in_threadpool(handle, engine, request)

    async def _read(self, http: HTTPRequest) -> bytes:
        """The body, refused with :class:`_BodyTooLarge` as soon as it passes the cap. A
        HTTP/1 request with neither ``Content-Length`` nor ``Transfer-Encoding`` has none
        (its message framing): it is not read."""
        headers = http.headers
        framed = "content-length" in headers or "transfer-encoding" in headers
        if not framed and http.scope.get("http_version") in ("1.0", "1.1"):
            return b""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise _BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in http.stream():
            size += len(chunk)
            if size > self.max_body:
                raise _BodyTooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    # -- lifecycle ----------------------------------------------------------------------------

    async def healthz(self, http: HTTPRequest) -> HTTPResponse:
        """Liveness: the process serves HTTP."""
        started = time.perf_counter()
        response = _json(200, {"status": "ok"})
        self._observe(http, started, response, "healthz", None)
        return response

    async def readyz(self, http: HTTPRequest) -> HTTPResponse:
        """Readiness: the engine answers (503 once its journal failed or was closed, or while
        a replica's Redis log cannot be reached)."""
        started = time.perf_counter()
        try:
            await run_in_threadpool(self.engine.sync)  # a replica reads its log: Redis is up
        except PersistenceError:  # no detail: it would name files to anyone who asks
            detail = "the engine's journal or log failed, or it was closed"
            response = _json(503, {"status": "unavailable", "detail": detail})
        else:
            response = _json(200, {"status": "ready"})
        self._observe(http, started, response, "readyz", None)
        return response

    async def metrics_text(self, http: HTTPRequest) -> HTTPResponse:
        """The app's Prometheus metrics."""
        started = time.perf_counter()
        response = HTTPResponse(self.metrics.render(), media_type=CONTENT_TYPE)
        self._observe(http, started, response, "metrics", None)
        return response

    async def openapi(self, http: HTTPRequest) -> HTTPResponse:
        """The OpenAPI 3.1 document of every route (:mod:`rankcore.server.openapi`)."""
        started = time.perf_counter()
        response = HTTPResponse(document_json(), media_type=JSON_TYPE)
        self._observe(http, started, response, "openapi", None)
        return response

    def shutdown(self) -> None:
        """Checkpoint a journalled engine, then close it. Failures are logged: the process
        is stopping either way, and what was acknowledged is in the journal."""
        engine = self.engine
        if engine.recovery is not None or engine.replicated:  # journalled, or a replica
            try:
                engine.checkpoint()
            except PersistenceError as exc:
                _LOG.error("%s", json.dumps({"event": "checkpoint failed", "detail": str(exc)}))
        try:
            engine.close()
        except PersistenceError as exc:
            _LOG.error("%s", json.dumps({"event": "close failed", "detail": str(exc)}))

    # -- observation --------------------------------------------------------------------------

    def _observe(
        self,
        http: HTTPRequest,
        started: float,
        response: HTTPResponse,
        route: str,
        principal: Principal | None,
    ) -> None:
        """Count the request in the metrics and write its access log line."""
        seconds = time.perf_counter() - started
        self.metrics.observe(route, response.status_code, seconds)
        if _LOG.isEnabledFor(logging.INFO):
            line = {
                "method": echo(http.method),
                "path": echo(http.scope["path"]),
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 3),
                "org": None if principal is None else principal.org,
            }
            _LOG.info("%s", json.dumps(line, ensure_ascii=False))


class _Vendor:
    """The catch-all route as a plain ASGI app: Starlette lets such a route take every
    method (a function endpoint would take only GET), so the router answers 405 itself."""

    def __init__(self, server: _Server) -> None:
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.server.vendor(HTTPRequest(scope, receive))
        await response(scope, receive, send)


def _query(http: HTTPRequest) -> dict[str, str | list[str]]:
    """Query parameters by name; a name given more than once keeps all its values as a list,
    which the router refuses as invalid input."""
    values: dict[str, list[str]] = {}
    # As Starlette's query_params reads it, without building its multi-dict.
    for name, value in parse_qsl(http.scope["query_string"].decode("latin-1"), True):
        values.setdefault(name, []).append(value)
    return {name: found[0] if len(found) == 1 else found for name, found in values.items()}


def _parse(data: bytes) -> Any:
    """The JSON body; ``None`` for none (no bytes or only whitespace). Raises
    :class:`ValueError` (or :class:`RecursionError`) for text that is not UTF-8 JSON."""
    text = data.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if not text.strip():
        return None
    return json.loads(text)


def _json(status: int, body: object) -> HTTPResponse:
    return HTTPResponse(json.dumps(body), status_code=status, media_type=JSON_TYPE)


def _send(answer: Response, headers: dict[str, str] | None = None) -> HTTPResponse:
    body = answer.to_json().encode("utf-8")
    return HTTPResponse(body, status_code=answer.status, headers=headers, media_type=JSON_TYPE)


def create_app(
    engine: Engine, credentials: Credentials, *, max_body: int = DEFAULT_MAX_BODY
) -> Starlette:
    """A Starlette app serving ``engine``'s vendor routes to ``credentials``' principals.

    ``max_body`` caps request bodies, in bytes. At shutdown (the ASGI lifespan's end: after
    Uvicorn drained the requests in flight) the app checkpoints the engine if it has a
    journal, and closes it. A principal acts only as its own org; the router's data scopes
    then decide what it sees.
    """
    if isinstance(max_body, bool) or not isinstance(max_body, int):
        raise InvalidArgumentType(f"max_body must be an int, not {type(max_body).__name__}")
    if max_body < 0:
        raise InvalidArgument(f"max_body must not be negative, got {max_body}")
    server = _Server(engine, credentials, max_body)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(server.shutdown)

    routes = [
        Route("/healthz", server.healthz, methods=["GET"]),
        Route("/readyz", server.readyz, methods=["GET"]),
        Route("/metrics", server.metrics_text, methods=["GET"]),
        Route("/openapi.json", server.openapi, methods=["GET"]),
        Route("/{path:path}", _Vendor(server)),  # every method: the router decides
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.router.default = _Vendor(server)  # what no route matches (a newline in the path)
    app.state.rankcore = server
    return app


def _holds_nothing(engine: Engine) -> bool:
    """Whether ``engine`` holds no state at all: in memory and new, on a new journal, or on
    a journal whose state is that of a new engine. O(size of the state)."""
    recovery = engine.recovery
    if recovery is None or not recovery.snapshot:
        return True
    return recovery.replayed == 0 and engine.snapshot() == Engine().snapshot()


def open_engine(
    world: Scenario | None = None, journal: str | None = None, redis: str | None = None
) -> Engine:
    """The engine ``rankcore serve`` serves: on the system clock, in memory or on
    ``journal``, with ``world``'s orgs, customers, target groups and campaigns (its steps
    are ignored) when it holds nothing yet. A journal that already holds state is served as
    it is: the world is not applied again.

    The world is first built on a throwaway in-memory engine, so a world the engine refuses
    (:class:`~rankcore.scenario.ScenarioError`) never reaches the journal; once built on a
    journal, the engine checkpoints. Raises what opening the journal raises
    (:class:`~rankcore.JournalLocked`, :class:`~rankcore.JournalCorrupted`, ...).
    O(size of the journal + size of the world).

    With ``redis`` (a URL, see :meth:`Engine.connect`) the engine is a replica following the
    log; the world is applied when none of its orgs exists there yet.
    """
    if world is not None and (journal is not None or redis is not None):
        Replayer(world).build()  # a dry run on a manual clock
    engine = Engine(journal=journal) if redis is None else Engine.connect(redis, follow=True)
    try:
        fresh = (
            _holds_nothing(engine)
            if redis is None
            else world is not None and all(engine.org(org.id) is None for org in world.orgs)
        )
        if world is not None and fresh:
            replayer = Replayer(world)
            replayer.engine = engine  # the world's builder, on the served engine
            replayer.build()
            if journal is not None:
                engine.checkpoint()
    except BaseException:
        engine.close()
        raise
    return engine


def app_from_environment() -> Starlette:
    """The app of one ``rankcore serve --workers N`` worker (a Uvicorn factory): settings
    from :data:`CONFIG_ENV`; each worker has its own in-memory engine built from the world
    (workers never share a journal)."""
    config = json.loads(os.environ[CONFIG_ENV])
    credentials = Credentials.load(config["credentials"])
    redis = config.get("redis")
    if redis is not None:  # the parent applied the world to the log before the workers
        return create_app(open_engine(None, None, redis), credentials, max_body=config["max_body"])
    world = None if config["world"] is None else load(config["world"])
    return create_app(open_engine(world), credentials, max_body=config["max_body"])
