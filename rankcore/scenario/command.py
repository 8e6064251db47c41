"""``rankcore replay FILE``: print one JSON line per request step (and per refused event).

Exit status 0 when the scenario ran, 2 when it could not be loaded or built (the message on
stderr names the place: the step index or world entry, and the field).
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from rankcore.scenario.loader import load, loads
from rankcore.scenario.model import ScenarioError
from rankcore.scenario.replay import replay

__all__ = ["run_replay"]


def run_replay(path: str, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Replay the scenario file ``path`` (``-``: standard input), writing JSON lines to
    ``out``; returns the exit status. O(cost of the scenario)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        scenario = loads(sys.stdin.read()) if path == "-" else load(path)
        lines = replay(scenario)
    except ScenarioError as exc:
        err.write(f"rankcore replay: {path}: {exc}\n")
        return 2
    try:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
    except BrokenPipeError:  # the reader stopped listening (``| head``): not our failure
        return 0
    return 0
