"""``rankcore replay FILE``: print one JSON line per request step (and per refused event).

Exit status 0 when the scenario ran, 2 when it could not be read, loaded, built or run: then
one line on stderr, ``rankcore replay: FILE: WHERE: PROBLEM``, where ``WHERE`` is the place
(``steps[3].activity.value``, ``orgs[0].timezone``) or ``file`` when the problem is the file
as a whole (missing, not UTF-8, not JSON). The output is UTF-8 whatever the text it echoes.
"""

from __future__ import annotations

import io
import json
import sys
from typing import TextIO

from rankcore.errors import RankcoreError
from rankcore.scenario.loader import load, loads
from rankcore.scenario.model import Scenario, ScenarioError
from rankcore.scenario.replay import Line, replay

__all__ = ["json_line", "one_line", "run_replay"]

WHOLE_FILE = "file"
"""The ``WHERE`` of a message about the file as a whole."""
_LINE_SEPARATORS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
"""Characters that ``str.splitlines`` (and JavaScript) take for line breaks, which JSON
strings may hold as they are: they are written as escapes instead (only strings hold them)."""


def run_replay(path: str, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Replay the scenario file ``path`` (``-``: standard input), writing JSON lines to
    ``out``; returns the exit status (0, or 2 after one line on ``err``).

    Nothing is written to ``out`` unless the scenario loads and its world builds. A
    :class:`BrokenPipeError` from ``out`` propagates: what to do about a reader that went
    away is the caller's business (the command line exits quietly). O(cost of the scenario).
    """
    # A closed standard stream (None) discards what is written, as print() does.
    out = (sys.stdout or io.StringIO()) if out is None else out
    err = (sys.stderr or io.StringIO()) if err is None else err
    try:
        scenario = _read_stdin() if path == "-" else load(path)
        for line in replay(scenario):
            out.write(json_line(line) + "\n")
        out.flush()
    except ScenarioError as exc:
        err.write(one_line(f"rankcore replay: {path}: {exc.where or WHOLE_FILE}: {exc.problem}"))
        return 2
    except RankcoreError as exc:  # a refusal no check foresaw: still a message, not a trace
        err.write(one_line(f"rankcore replay: {path}: {exc}"))
        return 2
    return 0


def json_line(line: Line) -> str:
    """``line`` as one line of JSON text that UTF-8 can carry.

    Non-ASCII characters are written as they are, except those that some readers take for a
    line break (U+0085, U+2028, U+2029), which are escaped; a line holding a lone surrogate
    (which UTF-8 cannot carry) is written all in ASCII escapes (``\\ud800``). Either way
    ``json.loads`` reads back the same value. O(size of the line).
    """
    text = json.dumps(line, ensure_ascii=False)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(line)
    for separator, escape in _LINE_SEPARATORS.items():
        if separator in text:
            text = text.replace(separator, escape)
    return text


def one_line(message: str) -> str:
    """``message`` as one printable line, ending in a newline: characters that would break
    the line or the encoding (control characters, line separators, lone surrogates) are
    escaped as in Python. O(length)."""
    if not message.isprintable():
        message = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    return message + "\n"


def _read_stdin() -> Scenario:
    """The scenario on standard input, read as bytes (so that it must be UTF-8 whatever the
    locale), or as text when standard input has no bytes underneath."""
    stdin = sys.stdin
    if stdin is None:
        raise ScenarioError("", "cannot read: standard input is closed")
    buffer = getattr(stdin, "buffer", None)
    try:
        data = buffer.read() if buffer is not None else stdin.read()
    except OSError as exc:
        raise ScenarioError("", f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError("", f"cannot read: not UTF-8 ({exc.reason})") from exc
    return loads(data)
