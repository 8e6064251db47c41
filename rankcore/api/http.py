"""Requests and responses as plain values: what crosses the router, without any sockets."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

__all__ = ["JSON", "Request", "Response"]

JSON = Any
"""A JSON value as :func:`json.loads` returns it."""


def _strings(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(value or {}))


def _headers(value: Mapping[str, str] | None) -> Mapping[str, str]:
    """Header names are case-insensitive: they are kept upper-cased."""
    return MappingProxyType({str(k).upper(): v for k, v in (value or {}).items()})


@attrs.frozen
class Request:
    """One HTTP request as the router sees it.

    ``query`` holds the query parameters as strings (as HTTP delivers them), ``headers`` the
    headers (names upper-cased), ``body`` the parsed JSON body (``None`` for none). ``org``
    and ``user`` are the authenticated principal: the acting tenant and the acting user.
    """

    method: str
    path: str
    org: int
    user: int
    query: Mapping[str, str] = attrs.field(factory=dict, converter=_strings)
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_headers)
    body: JSON = None

    def request_id(self) -> str:
        """A request id in UUID form, derived from the request itself.

        Deterministic (replays print the same ids) and pure (answering a request never
        changes the engine). O(size of the request).
        """
        text = json.dumps(
            [self.method, self.path, self.org, self.user, dict(self.query), self.body],
            sort_keys=True,
            default=repr,
        )
        digest = hashlib.sha256(text.encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


@attrs.frozen
class Response:
    """An HTTP status and a JSON body whose key order is the vendor's."""

    status: int
    body: JSON

    def to_json(self) -> str:
        """The body as JSON text, keys in the vendor's order. O(size of the body)."""
        return json.dumps(self.body, ensure_ascii=False)
