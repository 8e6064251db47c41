"""The sans-IO request router: ``handle(engine, request) -> response``.

No sockets and no framework: an HTTP server, the scenario replayer and the tests all call
:func:`handle`. It matches the path against the four vendor routes and hands the request to
the endpoint, which answers in its vendor's shape. Unknown paths get 404 and known paths with
another method 405, each in the shape of the path's vendor family (Capillary for
``/api_gateway/...`` and ``/v3.1/...``, Rehook otherwise). An exception that escapes an
endpoint is a bug; it is answered with a 500 in the family's shape, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from rankcore.api import capillary, rehook
from rankcore.api.http import Request, Response
from rankcore.engine import Engine

__all__ = ["ROUTES", "handle"]

Endpoint = Callable[..., Response]

ROUTES: Final[tuple[tuple[str, re.Pattern[str], Endpoint], ...]] = (
    (
        "GET",
        re.compile(r"/api_gateway/intouch-api-v3/v3\.1/leaderboards/targetGroups/([^/]*)"),
        capillary.leaderboard,
    ),
    (
        "POST",
        re.compile(r"/v3\.1/targetGroups/([^/]*)/targets/([^/]*)/enroll"),
        capillary.enroll,
    ),
    ("POST", re.compile(r"/api_gateway/v1/badges/group"), capillary.badge_group),
    ("GET", re.compile(r"/campaigns/leaderboards(?:/([^/]*))?"), rehook.leaderboard),
)
"""``(method, path pattern, endpoint)``; the pattern's groups are the path parameters."""


def _is_capillary(path: str) -> bool:
    return path.startswith(("/api_gateway/", "/v3.1/"))


def _failure(request: Request, status: int, message: str) -> Response:
    if _is_capillary(request.path):
        return Response(status, capillary.error(status, message, empty=[]))
    key = {404: "not_found", 405: "method_not_allowed"}.get(status, "internal_error")
    return rehook.error(request, status, key, message, f"{request.method} {request.path}")


def handle(engine: Engine, request: Request) -> Response:
    """Answer ``request`` against ``engine``. Never raises for any request content."""
    path = request.path.split("?", 1)[0]
    method = request.method.upper()
    allowed = False
    for route_method, pattern, endpoint in ROUTES:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if route_method != method:
            allowed = True
            continue
        try:
            return endpoint(engine, request, *(group or "" for group in match.groups()))
        except Exception:  # a bug: answer in the vendor's shape rather than crash the caller
            return _failure(request, 500, "Internal error")
    if allowed:
        return _failure(request, 405, "Method not allowed")
    return _failure(request, 404, "Resource not found")
