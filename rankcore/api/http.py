"""Requests and responses as plain values: what crosses the router, without any sockets.

A :class:`Request` accepts whatever a caller passes and never raises while it is built: its
converters keep what the router can read and note the rest as *problems*, which every endpoint
refuses with its vendor's "invalid input" answer (see :func:`rankcore.api.params.check`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from rankcore.api.jsontext import dumps, echo, json_problem

__all__ = ["JSON", "Params", "Request", "Response"]

JSON = Any
"""A JSON value as :func:`json.loads` returns it."""


class Params(Mapping[str, str]):
    """Query parameters or headers as the router reads them: each name to one string.

    Built from a mapping (``{"pageSize": "10"}``; a value may also be a list of exactly one
    string, as :func:`urllib.parse.parse_qs` gives) or from ``(name, value)`` pairs (as
    :func:`urllib.parse.parse_qsl` gives). Anything else — a value that is not a string, a
    list of none or of several values, a name given twice with different values, a name that
    is not a string, a container that is neither — is left out and described in
    :attr:`problems`, which endpoints refuse. Read-only. O(number of entries) to build.
    """

    __slots__ = ("_problems", "_values")

    def __init__(self, values: Mapping[str, str], problems: tuple[str, ...] = ()) -> None:
        self._values: dict[str, str] = dict(values)
        self._problems = problems

    @property
    def problems(self) -> tuple[str, ...]:
        """What could not be read, in words naming the entry; empty when all was read."""
        return self._problems

    @classmethod
    def read(cls, given: object, kind: str, *, upper: bool = False) -> Params:
        """Read ``given`` (see the class). ``kind`` names the entries in problems ("query
        parameter", "header"); ``upper`` upper-cases the names (header names are
        case-insensitive). Never raises."""
        if given is None:
            return cls({})
        if isinstance(given, Params):
            if not upper:
                return given
            pairs: Iterable[object] = list(given.items())
            inherited = given.problems
        else:
            inherited = ()
            try:
                if isinstance(given, Mapping):
                    pairs = list(given.items())
                elif isinstance(given, list | tuple):
                    pairs = list(given)
                else:
                    raise TypeError
            except Exception:
                what = type(given).__name__
                return cls({}, (f"the {kind}s must be a mapping of names to strings, not {what}",))
        values: dict[str, str] = {}
        problems = list(inherited)
        for pair in pairs:
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                problems.append(f"each {kind} must be a (name, value) pair")
                continue
            name, value = pair
            if not isinstance(name, str):
                problems.append(f"a {kind} name must be a string, not {type(name).__name__}")
                continue
            if upper:
                name = name.upper()
            text = _single(value)
            if text is None:
                if isinstance(value, list | tuple):
                    what = f"a list of {len(value)} values"
                else:
                    what = type(value).__name__
                problems.append(f"{kind} {echo(name)} must be one string, not {what}")
            elif values.setdefault(name, text) != text:
                problems.append(
                    f"{kind} {echo(name)} is given more than once, with different values"
                )
        return cls(values, tuple(dict.fromkeys(problems)))

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Params):
            return self._values == other._values and self.problems == other.problems
        if isinstance(other, Mapping):
            return not self.problems and self._values == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        problems = f", problems={self.problems!r}" if self.problems else ""
        return f"Params({self._values!r}{problems})"


def _single(value: object) -> str | None:
    """A parameter's value: a string, or the string of a list of exactly one."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return None


def _text(value: object) -> str:
    """The method or the path: a string, or ``""`` for anything else (which no route
    matches: a known path answers 405, any other 404)."""
    return value if isinstance(value, str) else ""


def _query(value: object) -> Params:
    return Params.read(value, "query parameter")


def _headers(value: object) -> Params:
    """Header names are case-insensitive: they are kept upper-cased."""
    return Params.read(value, "header", upper=True)


@attrs.frozen
class Request:
    """One HTTP request as the router sees it.

    ``query`` holds the query parameters as strings (as HTTP delivers them), ``headers`` the
    headers (names upper-cased), ``body`` the parsed JSON body (``None`` for none). ``org``
    and ``user`` are the authenticated principal: the acting tenant and the acting user.

    Building a request never raises: a method or path that is not a string becomes ``""``,
    and what ``query`` and ``headers`` hold that is not one string per name is described in
    their :attr:`Params.problems`. Endpoints refuse such requests, and requests whose
    principal is not two integers or whose body is not strict JSON, with their vendor's
    "invalid input" answer.
    """

    method: str = attrs.field(converter=_text)
    path: str = attrs.field(converter=_text)
    org: int
    user: int
    query: Params = attrs.field(default=None, converter=_query)
    headers: Params = attrs.field(default=None, converter=_headers)
    body: JSON = None

    def request_id(self) -> str:
        """A request id in UUID form, derived from the request itself.

        Deterministic (replays print the same ids) and pure (answering a request never
        changes the engine). Never raises: a request JSON cannot print (a body too deep, an
        integer too long, a lone surrogate, a cycle, a non-JSON object) gets an id from a
        bounded fingerprint of what it holds. O(size of the request).
        """
        head: list[object] = [self.method, self.path, self.org, self.user, dict(self.query)]
        if self.query.problems:
            head.append(list(self.query.problems))
        data: bytes | None = None
        if all(json_problem(v) is None for v in (self.org, self.user, self.body)):
            try:
                text = json.dumps([*head, self.body], sort_keys=True)
                data = text.encode("utf-8", "surrogatepass")
            except Exception:  # cannot happen for checked values; the fingerprint is the net
                data = None
        if data is None:
            try:
                data = b"\x00".join(_fingerprint([*head, self.body]))
            except Exception:  # a container subclass that fails when read
                data = repr(type(self.body)).encode()
        digest = hashlib.sha256(data).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _fingerprint(value: object, limit: int = 100_000) -> Iterator[bytes]:
    """Tokens describing ``value`` deterministically, for any object: containers in order,
    scalars by value, other objects by type name only (their ``repr`` may hold an address);
    at most ``limit`` values, deep nesting and cycles included. Raises only if a container
    subclass fails when read."""
    stack: list[object] = [value]
    count = 0
    while stack and count < limit:
        item = stack.pop()
        count += 1
        if item is None or isinstance(item, bool):
            yield repr(item).encode()
        elif isinstance(item, str):
            yield b"s" + item.encode("utf-8", "surrogatepass")
        elif isinstance(item, int):
            yield b"i" + format(int(item), "x").encode()  # hex: no digit limit
        elif isinstance(item, float):
            yield b"f" + float.hex(item).encode()  # "inf", "nan" included
        elif isinstance(item, dict):
            yield b"{%d" % len(item)
            for key, child in reversed(list(item.items())):
                stack += [child, key]
        elif isinstance(item, list | tuple):
            yield b"[%d" % len(item)
            stack.extend(reversed(item))
        else:
            yield b"o" + type(item).__qualname__.encode("utf-8", "surrogatepass")
    if stack:
        yield b"..."


@attrs.frozen
class Response:
    """An HTTP status and a JSON body whose key order is the vendor's."""

    status: int
    body: JSON
    exact: bool = False
    """Whether the body holds :class:`~rankcore.api.jsontext.ExactNumber` values to write
    as the vendor spells them (badge groups' timestamps); ``False`` writes the JSON text
    in C, each such value as the float it also is."""

    def to_json(self) -> str:
        """The body as JSON text, keys in the vendor's order, non-ASCII kept, and exact
        numbers as the vendor spells them when :attr:`exact`. The text always encodes to
        UTF-8: a lone surrogate is written as its ``\\u`` escape. O(size of the body)."""
        return dumps(self.body, exact=self.exact)
