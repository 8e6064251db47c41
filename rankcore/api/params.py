"""Reading request values strictly: query strings, header values and JSON body fields.

Each reader returns the value or raises :class:`BadParameter` naming what was wrong; the
endpoint turns that into its vendor's "invalid input" shape. :func:`check` is every
endpoint's first step: it refuses what no endpoint can read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from rankcore.api.http import Request
from rankcore.api.jsontext import json_problem
from rankcore.errors import InvalidArgument

__all__ = ["BadParameter", "check", "json_int", "org_list", "path_int", "query_int"]

_INTEGER: Final = re.compile(r"[+-]?[0-9]+")
_LONG_MAX: Final = 2**63 - 1


class BadParameter(InvalidArgument):
    """A request parameter is missing or malformed."""


def check(request: Request) -> None:
    """Refuse a request no endpoint can read: query parameters or headers that are not one
    string per name, a principal (``org``, ``user``) that is not two integer ids, a body that
    is not strict JSON (see :func:`~rankcore.api.jsontext.json_problem`). Raises
    :class:`BadParameter` naming the first problem. O(size of the request)."""
    for params in (request.query, request.headers):
        if params.problems:
            raise BadParameter(params.problems[0])
    for name in ("org", "user"):
        value = getattr(request, name)
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _LONG_MAX:
            raise BadParameter(f"the acting {name} must be an integer id")
    problem = json_problem(request.body)
    if problem is not None:
        raise BadParameter(problem)


def _parse_int(text: str, name: str) -> int:
    text = text.strip()
    if not _INTEGER.fullmatch(text) or len(text) > 20:
        raise BadParameter(f"{name} must be an integer, got {text!r}")
    value = int(text)
    if abs(value) > _LONG_MAX:
        raise BadParameter(f"{name} is out of range: {text}")
    return value


def query_int(query: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    """The integer query parameter ``name``; ``default`` when absent or empty."""
    text = query.get(name)
    if text is None or text == "":
        return default
    return _parse_int(text, name)


def path_int(text: str, name: str) -> int:
    """An integer path segment."""
    return _parse_int(text, name)


def json_int(record: Mapping[str, object], name: str, *, required: bool) -> int | None:
    """An integer field of a JSON object (a JSON number without fraction, not a boolean)."""
    value = record.get(name)
    if value is None:
        if required:
            raise BadParameter(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadParameter(f"{name} must be an integer, not {type(value).__name__}")
    if abs(value) > _LONG_MAX:
        raise BadParameter(f"{name} is out of range")
    return value


def org_list(text: str | None) -> list[int]:
    """``DATA-SCOPE-ORG``: org ids separated by commas, optionally in brackets."""
    if text is None:
        return []
    inner = text.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    return [_parse_int(part, "DATA-SCOPE-ORG") for part in inner.split(",") if part.strip()]
