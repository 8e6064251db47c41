"""The example scenarios under ``docs/examples`` reproduce the seed samples exactly.

Each example is replayed through :func:`rankcore.scenario.replay` and through the
``rankcore replay`` command; the printed bodies are compared, as JSON text (so key order,
types and values all count), with the seeds' samples (``tests/seed_samples.py``).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from seed_samples import (
    SAMPLE_000,
    SAMPLE_001,
    SAMPLE_001_UNKNOWN_ACTIVITY,
    SAMPLE_001_UNKNOWN_CAMPAIGN,
    SAMPLE_001_UNKNOWN_SOURCE,
    SAMPLE_002,
    SAMPLE_002_SCOPE_ALL,
    SAMPLE_003,
)

from rankcore.cli import main
from rankcore.scenario import load, replay, run_replay

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def lines_of(name: str) -> dict[int, dict[str, Any]]:
    """The replay's output lines by step index (one line per step in these examples)."""
    return {line["step"]: line for line in replay(EXAMPLES / name)}


def same(line: dict[str, Any], status: int, body: Any) -> None:
    assert line["status"] == status
    assert json.dumps(line["body"]) == json.dumps(body)


def test_capillary_leaderboard_example_reproduces_seed_000() -> None:
    lines = lines_of("capillary_leaderboard.json")
    assert sorted(lines) == [4, 5, 6, 7, 8]  # no refusals: the late event was on time enough
    same(lines[4], 200, SAMPLE_000)
    same(lines[5], 200, SAMPLE_000)  # periodId defaults to the current period
    offset = lines[6]["body"]
    # The warning's shape is the router's business; its text is the seed's.
    warning = "Page offset can not be in negative, fetching the first page by default"
    assert warning in json.dumps(offset["warnings"])
    assert [r["userId"] for r in offset["data"]["rankings"]] == [381329844, 381332324]
    assert lines[7]["body"]["errors"] == [{"code": 300004, "message": "Invalid input"}]
    assert lines[8]["body"]["data"]["rankings"][0]["userId"] == 381329844


def test_rehook_leaderboard_example_reproduces_seed_001() -> None:
    lines = lines_of("rehook_leaderboard.json")
    assert sorted(lines) == [5, 6, 7, 8, 9, 11, 12]
    same(lines[5], 200, SAMPLE_001)
    same(lines[6], 200, SAMPLE_001_UNKNOWN_CAMPAIGN)
    same(lines[7], 200, SAMPLE_001_UNKNOWN_CAMPAIGN)
    unknown_source = dict(lines[8]["body"])
    # A request id is Rehook's to assign: only its form can match the sample.
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", unknown_source["request_id"])
    unknown_source["request_id"] = SAMPLE_001_UNKNOWN_SOURCE["request_id"]
    same({"status": lines[8]["status"], "body": unknown_source}, 404, SAMPLE_001_UNKNOWN_SOURCE)
    same(lines[9], 200, SAMPLE_001_UNKNOWN_ACTIVITY)


def test_rehook_example_refuses_the_late_point_and_pays_the_first_day() -> None:
    lines = lines_of("rehook_leaderboard.json")
    assert lines[11]["error"]["type"] == "AwardIntervalClosed"
    assert lines[11]["error"]["code"] == 400
    closed = lines[12]["body"]
    assert closed["leaderboard_reward_given"] is True
    assert closed["leaderboard"] == SAMPLE_001["leaderboard"]  # the late point changed nothing
    assert closed["my_rank"] == {
        "source_id": "New_customer2",
        "rank": 2,
        "points": 3,
        "reward": "30",
    }
    first, second = closed["past_leaderboard_intervals"]
    assert (first["activity_id"], first["status"]) == ("ldac_Q8zWIV2r7cmZ8akj0Fjd4", "inactive")
    assert second["recurrence_type_value"] == 2 and second["activity_id"].startswith("ldac_")


def test_capillary_enroll_example_reproduces_seed_002() -> None:
    lines = lines_of("capillary_enroll.json")
    assert json.dumps(lines[0]["body"]) == json.dumps(SAMPLE_002_SCOPE_ALL)
    same(lines[1], 200, SAMPLE_002)
    codes = [lines[i]["body"]["errors"][0]["code"] for i in (2, 3, 4)]
    assert codes == [310119, 310144, 300004]
    (ranking,) = lines[6]["body"]["data"]["rankings"]
    assert (ranking["userId"], ranking["achievedValue"]) == (345651201, 500)  # 100 + 400


def test_capillary_badge_group_example_reproduces_seed_003() -> None:
    lines = lines_of("capillary_badge_group.json")
    same(lines[0], 200, SAMPLE_003)
    assert lines[1]["body"]["errors"][0]["code"] == 733
    generated = lines[2]["body"]["data"]
    assert generated["name"] == "group_rank_4"
    assert (
        re.fullmatch(r"[0-9a-f]{24}", generated["id"])
        and generated["id"] != SAMPLE_003["data"]["id"]
    )
    assert lines[3]["body"]["errors"][0]["code"] == 732


EXAMPLE_FILES = sorted(path.name for path in EXAMPLES.glob("*.json"))


def test_there_is_an_example_per_seed() -> None:
    assert {
        "capillary_leaderboard.json",
        "rehook_leaderboard.json",
        "capillary_enroll.json",
        "capillary_badge_group.json",
    } <= set(EXAMPLE_FILES)


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_the_command_prints_the_same_bytes_twice(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(EXAMPLES / name)]) == 0
    first = capsys.readouterr().out
    assert main(["replay", str(EXAMPLES / name)]) == 0
    second = capsys.readouterr().out
    assert first == second
    printed = [json.loads(text) for text in first.splitlines()]
    assert printed == list(replay(load(EXAMPLES / name)))
    assert all(set(line) in ({"step", "status", "body"}, {"step", "error"}) for line in printed)


def test_run_replay_writes_to_the_given_streams() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_replay(str(EXAMPLES / "capillary_badge_group.json"), out, err) == 0
    assert err.getvalue() == ""
    assert len(out.getvalue().splitlines()) == 4
