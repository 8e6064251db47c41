"""The sans-IO request router: ``handle(engine, request) -> response``.

No sockets and no framework: an HTTP server, the scenario replayer and the tests all call
:func:`handle`. It matches the path against the routes of :data:`ROUTES` (Capillary's,
Rehook's and rankcore's native API, :mod:`rankcore.api.native`) and hands the request to the
endpoint, which answers in its family's shape.

Families. A path whose first segment is ``api_gateway``, ``v3.1`` or ``v3``, in any ASCII
case (``/API_GATEWAY/...``, ``/V3.1/...``), belongs to Capillary; a path under
``/rankcore/`` to the native API; every other path to Rehook.
Routes themselves match exactly, case included, as Capillary's and Rehook's gateways route
(``/API_GATEWAY/v1/badges/group`` is no route: a 404 in Capillary's shape); methods match in
any case (``get`` is ``GET``).

Answers the router gives itself, each in the path's family shape: 404 for an unknown path,
405 for a known path with another method, 400 "invalid input" for a rankcore bad-input error
(:class:`~rankcore.errors.InvalidArgument`, :class:`~rankcore.errors.InvalidArgumentType`)
that an endpoint let escape, 503 when the engine is dead (it raised
:class:`~rankcore.persistence.errors.JournalError`: its journal failed or was closed). Any
other exception escaping an endpoint is a bug: it is logged with its traceback on the
``rankcore.api`` logger and answered with a 500, never a traceback. :func:`handle` itself
never raises for any request content.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Final

from rankcore.api import capillary, native, rehook
from rankcore.api.http import Request, Response
from rankcore.api.jsontext import echo
from rankcore.engine import Engine
from rankcore.errors import InvalidArgument, InvalidArgumentType
from rankcore.persistence.errors import JournalError

__all__ = ["ROUTES", "handle", "is_capillary", "is_native"]

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
    (
        "POST",
        re.compile(r"/v3\.1/targetGroups/([^/]*)/targets/([^/]*)/unEnroll"),
        capillary.unenroll,
    ),
    (
        "GET",
        re.compile(r"/api_gateway/intouch-api-v3/v3\.1/leaderboards/user/([^/]*)"),
        capillary.user_leaderboard,
    ),
    ("GET", re.compile(r"/api_gateway/v1/badges/group"), capillary.badge_groups),
    ("GET", re.compile(r"/api_gateway/v1/badges/group/([^/]*)"), capillary.badge_group_by_id),
    ("GET", re.compile(r"/v3/targetGroups"), capillary.target_groups),
    ("GET", re.compile(r"/v3/targetGroups/([^/]*)"), capillary.target_group),
    ("GET", re.compile(r"/v3/targetGroups/([^/]*)/targets"), capillary.group_targets),
    ("GET", re.compile(r"/v3/targetGroups/([^/]*)/targetPeriods"), capillary.group_periods),
    ("POST", re.compile(r"/events/invoke"), rehook.invoke),
    ("GET", re.compile(r"/campaigns/meta-data"), rehook.campaigns_metadata),
    *((method, re.compile(pattern), endpoint) for method, pattern, endpoint in native.ROUTES),
)
"""``(method, path pattern, endpoint)``; the pattern's groups are the path parameters."""

_CAPILLARY_ROOTS: Final = frozenset({"api_gateway", "v3.1", "v3"})
_LOG: Final = logging.getLogger("rankcore.api")


def is_capillary(path: str) -> bool:
    """Whether ``path`` (without its query string) is in Capillary's family: its first
    segment is ``api_gateway``, ``v3.1`` or ``v3`` in any ASCII case. O(length of the path)."""
    first = path.removeprefix("/").split("/", 1)[0]
    return first.isascii() and first.lower() in _CAPILLARY_ROOTS


def is_native(path: str) -> bool:
    """Whether ``path`` is in rankcore's native family: under ``/rankcore/`` (exact case).
    O(length of the path)."""
    return path == "/rankcore" or path.startswith("/rankcore/")


def _failure(request: Request, path: str, status: int, detail: str = "") -> Response:
    """The router's own answer ``status`` (400, 404, 405, 500 or 503) in the path's family;
    ``detail`` says what was invalid (a 400 in Rehook's or the native shape shows it)."""
    if is_native(path):
        return native.failure(request, status, detail)
    if is_capillary(path):
        if status == 400:
            return Response(400, capillary.error(*capillary.INVALID_INPUT, empty=[]))
        if status == 503:
            return Response(503, capillary.error(*capillary.UNAVAILABLE, empty=[]))
        message = {404: "Resource not found", 405: "Method not allowed"}.get(
            status, "Internal error"
        )
        return Response(status, capillary.error(status, message, empty=[]))
    if status == 400:
        return rehook.bad_request(request, detail or "the request is not valid")
    if status == 503:
        return rehook.unavailable(request)
    key, message = {
        404: ("not_found", "Resource not found"),
        405: ("method_not_allowed", "Method not allowed"),
    }.get(status, ("internal_error", "Internal error"))
    details = f"{echo(request.method)} {echo(request.path)}"
    return rehook.error(request, status, key, message, details)


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
        except JournalError:
            return _failure(request, path, 503)
        except (InvalidArgument, InvalidArgumentType) as exc:
            return _failure(request, path, 400, str(exc))
        except Exception:  # a bug: log it, answer in the vendor's shape, never crash the caller
            _LOG.exception(
                "%s %s (request %s) failed; answered 500",
                echo(method),
                echo(path),
                request.request_id(),
            )
            return _failure(request, path, 500)
    if allowed:
        return _failure(request, path, 405)
    return _failure(request, path, 404)
