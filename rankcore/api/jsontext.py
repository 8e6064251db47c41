"""JSON values at the router's edges: what a request body may hold, how a response is written.

- :func:`json_problem` says why a value is not strict JSON that rankcore can read and print
  again (too deep, too many values, an integer too long to print, NaN, a lone surrogate, a
  non-JSON type), without recursion, so that it never fails itself.
- :class:`ExactNumber` is a JSON number with a fixed spelling (``1702963230.966423000``):
  a ``float`` everywhere, written verbatim by :func:`dumps`.
- :func:`dumps` writes a response body: keys in order, non-ASCII kept, lone surrogates escaped
  (the text always encodes to UTF-8), exact numbers verbatim.
- :func:`echo` bounds and cleans caller text before a response repeats it.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
from collections.abc import Iterator
from typing import Any, Final

__all__ = [
    "ECHO_LIMIT",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_VALUES",
    "ExactNumber",
    "dumps",
    "echo",
    "json_problem",
]

MAX_DEPTH: Final = 64
"""Arrays and objects nested deeper than this are refused (the top-level value is level 1)."""
MAX_VALUES: Final = 1_000_000
"""A body holding more values than this is refused (a Python caller can share one list many
times over: ``x = [x, x]`` sixty times is small in memory but astronomically long as JSON)."""
MAX_INT_DIGITS: Final = 4300
"""Integers with more decimal digits are refused: Python's default limit for ``str(int)``
(lower if the interpreter's ``sys.get_int_max_str_digits()`` is lower)."""
ECHO_LIMIT: Final = 200
"""At most this many characters of caller text are repeated in a response."""

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class ExactNumber(float):
    """A JSON number with a fixed spelling: equal to ``float(text)``, written as ``text``.

    Plain :func:`json.dumps` writes it as the float it equals; :func:`dumps` (and so
    :meth:`~rankcore.api.Response.to_json`) writes ``text`` verbatim, trailing zeros included.
    """

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> ExactNumber:
        if not isinstance(text, str) or not _NUMBER.fullmatch(text):
            raise ValueError(f"not a JSON number: {text!r}")
        number = super().__new__(cls, text)
        if not math.isfinite(number):
            raise ValueError(f"not a finite number: {text!r}")
        number.text = text
        return number

    def __repr__(self) -> str:
        return self.text

    def __reduce__(self) -> tuple[type[ExactNumber], tuple[str]]:
        return (ExactNumber, (self.text,))


@functools.cache
def _int_bound(limit: int) -> int:
    return int(10**limit)


def _int_problem(value: int) -> str | None:
    if -(2**63) <= value < 2**63:
        return None
    limit = sys.get_int_max_str_digits()
    digits = MAX_INT_DIGITS if limit == 0 else min(limit, MAX_INT_DIGITS)
    if abs(value) >= _int_bound(digits):
        return f"the body holds an integer of more than {digits} digits"
    return None


def _text_problem(text: str) -> str | None:
    if text.isascii() or _SURROGATE.search(text) is None:
        return None
    return "the body holds text that is not valid Unicode (a lone surrogate)"


def json_problem(value: object) -> str | None:
    """Why ``value`` is not a JSON value rankcore reads, or ``None`` when it is one.

    A JSON value is ``None``, a ``bool``, an ``int`` of at most :data:`MAX_INT_DIGITS`
    digits, a finite ``float``, a ``str`` without lone surrogates, a ``list`` or ``tuple`` of
    JSON values, or a ``dict`` from such strings to JSON values; nested at most
    :data:`MAX_DEPTH` levels, :data:`MAX_VALUES` values in all (a cycle is refused as too
    deep). Never raises, never recurses. O(number of values + length of the text).
    """
    try:
        return _problem(value)
    except Exception:  # a container subclass that fails when read
        return f"the body holds a {type(value).__name__} that cannot be read"


def _problem(value: object) -> str | None:
    stack: list[tuple[object, int]] = [(value, 1)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return f"the body holds more than {MAX_VALUES} values"
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, str):
            problem = _text_problem(item)
        elif isinstance(item, int):
            problem = _int_problem(item)
        elif isinstance(item, float):
            problem = None if math.isfinite(item) else "the body holds NaN or an infinity"
        elif isinstance(item, list | tuple | dict):
            if depth > MAX_DEPTH:
                return f"the body is nested more than {MAX_DEPTH} levels deep"
            problem = None
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        return f"the body has an object key that is a {type(key).__name__}"
                    problem = problem or _text_problem(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        else:
            problem = f"the body holds a {type(item).__name__}, which is not a JSON value"
        if problem is not None:
            return problem
    return None


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` fit to be repeated in a response: at most ``limit`` characters (then ``…``)
    and every lone surrogate replaced by U+FFFD. O(limit) for long text."""
    if len(text) > limit:
        text = text[:limit] + "\u2026"
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)


def _key(key: object) -> str:
    """An object key as :func:`json.dumps` writes it (it converts scalars to strings)."""
    if not isinstance(key, str):
        key = json.dumps(key)  # True -> true, None -> null, 1.5 -> 1.5
    return json.dumps(key, ensure_ascii=False)


def _pieces(value: Any) -> Iterator[str]:
    """JSON text of ``value`` in pieces, as ``json.dumps(ensure_ascii=False)`` writes it,
    except that an :class:`ExactNumber` is written as its text."""
    if isinstance(value, ExactNumber):
        yield value.text
    elif isinstance(value, dict):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield f"{', ' if i else ''}{_key(key)}: "
            yield from _pieces(item)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for i, item in enumerate(value):
            if i:
                yield ", "
            yield from _pieces(item)
        yield "]"
    else:
        yield json.dumps(value, ensure_ascii=False)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps(value: Any, *, exact: bool = False) -> str:
    """``value`` (a response body) as JSON text: keys in order, non-ASCII characters kept,
    lone surrogates escaped as ``\\udxxx`` (so the text always encodes to UTF-8 and parses
    back to ``value``), and with ``exact``, :class:`ExactNumber` values verbatim.

    Without ``exact`` the body takes :func:`json.dumps`'s C path, which writes an
    :class:`ExactNumber` as the float it also is; with it, a small Python writer (about
    three times slower; only badge groups need it). O(size of the body).
    """
    text = "".join(_pieces(value)) if exact else json.dumps(value, ensure_ascii=False)
    if text.isascii():
        return text
    # A raw surrogate can only stand inside a JSON string: its escape means the same.
    return _SURROGATE.sub(_escape, text)
