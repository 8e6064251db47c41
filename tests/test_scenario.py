"""Scenario files: validation (every error names its place), replay rules (late events, the
clock), id hints, and the ``rankcore replay`` command's exit status."""

from __future__ import annotations

import copy
import io
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rankcore import InvalidArgument, InvalidArgumentType
from rankcore.cli import main
from rankcore.scenario import (
    FORMAT,
    Activity,
    Call,
    Replayer,
    Scenario,
    ScenarioError,
    Step,
    Tick,
    load,
    loads,
    replay,
)
from rankcore.scenario.command import run_replay
from rankcore.testing import reference_ranks, scenarios

EARLY = datetime(1970, 1, 1, tzinfo=UTC)
LEADERBOARD = "/api_gateway/intouch-api-v3/v3.1/leaderboards/targetGroups/232"


def world() -> dict[str, Any]:
    """A small valid scenario: one org, two customers, weekly periods, one milestone."""
    return {
        "format": FORMAT,
        "start": "2024-06-01T00:00:00Z",
        "orgs": [{"id": 1, "timezone": "UTC"}],
        "customers": [{"org": 1, "id": 10, "first_name": "Ada"}, {"org": 1, "id": 20, "count": 3}],
        "target_groups": [
            {
                "org": 1,
                "id": 232,
                "name": "Target",
                "periods": [
                    {
                        "id": 1,
                        "ref_code": "w1",
                        "name": "W1",
                        "start": "2024-06-01T00:00:00Z",
                        "end": "2024-06-08T00:00:00Z",
                    },
                    {
                        "id": 2,
                        "ref_code": "w2",
                        "name": "W2",
                        "start": "2024-06-08T00:00:00Z",
                        "end": "2024-06-15T00:00:00Z",
                    },
                ],
                "targets": [
                    {"id": 366, "name": "t", "type": "MILESTONE", "metric": "points", "value": 100},
                ],
            }
        ],
        "steps": [
            {
                "at": "2024-06-02T00:00:00Z",
                "activity": {"org": 1, "customer": 10, "metric": "points", "value": 5},
            },
            {"at": "2024-06-03T00:00:00Z", "tick": True},
            {
                "at": "2024-06-03T00:00:00Z",
                "request": {
                    "org": 1,
                    "user": 1,
                    "method": "GET",
                    "path": LEADERBOARD,
                    "query": {"targetId": "366"},
                },
            },
        ],
    }


def board(line: dict[str, Any]) -> list[tuple[int, Any]]:
    """(userId, achievedValue) of a Capillary leaderboard response line."""
    return [(r["userId"], r["achievedValue"]) for r in line["body"]["data"]["rankings"]]


# -- loading -------------------------------------------------------------------------------------


def test_a_valid_scenario_loads_into_values() -> None:
    scenario = load(world())
    assert isinstance(scenario, Scenario)
    assert scenario.start == datetime(2024, 6, 1, tzinfo=UTC)
    assert [step.kind for step in scenario.steps] == ["activity", "tick", "request"]
    assert scenario.steps[0].action == Activity(1, 10, "points", 5)
    assert scenario.steps[1].action == Tick()
    call = scenario.steps[2].action
    assert isinstance(call, Call) and call.query == {"targetId": "366"} and call.body is None
    assert loads(json.dumps(world())) == scenario


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(world()))
    assert load(path) == load(str(path)) == load(world())


def edit(change: Any) -> dict[str, Any]:
    document = world()
    change(document)
    return document


BROKEN = [
    (lambda d: d.update(format="rankcore.scenario/2"), "format"),
    (lambda d: d.pop("start"), "start"),
    (lambda d: d.update(start="2024-06-01T00:00:00"), "start"),
    (lambda d: d.update(start="June 1st"), "start"),
    (lambda d: d.update(seed="1"), "seed"),
    (lambda d: d.update(extra=1), "extra"),
    (lambda d: d.update(orgs={}), "orgs"),
    (lambda d: d["orgs"][0].update(tz="UTC"), "orgs[0].tz"),
    (lambda d: d["orgs"][0].update(timezone="Mars/Olympus"), "orgs[0].timezone"),
    (lambda d: d["orgs"][0].update(id="1"), "orgs[0].id"),
    (lambda d: d["orgs"].append({"id": 1, "timezone": "UTC"}), "orgs[1].id"),
    (lambda d: d["customers"][1].update(count=0), "customers[1].count"),
    (lambda d: d["customers"][0].update(org=2), "customers[0].org"),
    (lambda d: d["customers"][0].update(email=5), "customers[0].email"),
    (lambda d: d["target_groups"][0].update(active="yes"), "target_groups[0].active"),
    (lambda d: d["target_groups"][0]["periods"][1].pop("end"), "target_groups[0].periods[1].end"),
    (
        lambda d: d["target_groups"][0]["periods"][0].update(end="2024-05-01T00:00:00Z"),
        "target_groups[0].periods[0].end",
    ),
    (
        lambda d: d["target_groups"][0]["targets"][0].update(ties="fair"),
        "target_groups[0].targets[0].ties",
    ),
    (
        lambda d: d["target_groups"][0]["targets"][0].update(type="STREAK"),
        "target_groups[0].targets[0].streak_length",
    ),
    (
        lambda d: d["target_groups"][0]["targets"][0].update(value=True),
        "target_groups[0].targets[0].value",
    ),
    (lambda d: d.update(steps=[{"at": "2024-06-02T00:00:00Z"}]), "steps[0]"),
    (lambda d: d["steps"][1].pop("at"), "steps[1].at"),
    (lambda d: d["steps"][1].update(jump=True), "steps[1].jump"),
    (lambda d: d["steps"][0].update(tick=True), "steps[0].tick"),
    (lambda d: d["steps"][1].update(tick=False), "steps[1].tick"),
    (lambda d: d["steps"][0]["activity"].update(value="5"), "steps[0].activity.value"),
    (lambda d: d["steps"][0]["activity"].update(value=2**60), "steps[0].activity.value"),
    (lambda d: d["steps"][0]["activity"].pop("metric"), "steps[0].activity.metric"),
    (lambda d: d["steps"][0]["activity"].update(event_id=[1]), "steps[0].activity.event_id"),
    (
        lambda d: d["steps"][2]["request"]["query"].update(pageSize=10),
        "steps[2].request.query.pageSize",
    ),
    (lambda d: d["steps"][2]["request"].update(path="api/x"), "steps[2].request.path"),
    (lambda d: d["steps"][2]["request"].pop("user"), "steps[2].request.user"),
    (lambda d: d["steps"][2].update(at="2024-06-02T23:00:00Z"), "steps[2].at"),
    (lambda d: d["steps"][1].update(at="2024-05-31T00:00:00Z"), "steps[1].at"),
    (
        lambda d: d.update(
            campaigns=[
                {
                    "org": 7,
                    "id": "c",
                    "recurrence": "daily",
                    "start": "2024-06-01T00:00:00Z",
                    "end": "2024-06-03T00:00:00Z",
                }
            ]
        ),
        "campaigns[0].org",
    ),
    (
        lambda d: d.update(
            campaigns=[
                {
                    "org": 1,
                    "id": "c",
                    "recurrence": "hourly",
                    "start": "2024-06-01T00:00:00Z",
                    "end": "2024-06-03T00:00:00Z",
                }
            ]
        ),
        "campaigns[0].recurrence",
    ),
    (
        lambda d: d.update(
            campaigns=[
                {
                    "org": 1,
                    "id": "c",
                    "recurrence": "daily",
                    "start": "2024-06-01T00:00:00Z",
                    "end": "2024-06-03T00:00:00Z",
                    "activity_ids": ["a", "b", "c"],
                }
            ]
        ),
        "campaigns[0].activity_ids",
    ),
    (
        lambda d: d.update(
            campaigns=[
                {
                    "org": 1,
                    "id": "c",
                    "recurrence": "daily",
                    "start": "2024-06-01T00:00:00Z",
                    "end": "2024-06-03T00:00:00Z",
                    "reward_brackets": [{"position": "2-1", "reward_value": "5"}],
                }
            ]
        ),
        "campaigns[0].reward_brackets[0]",
    ),
]


@pytest.mark.parametrize(("change", "where"), BROKEN, ids=[w for _, w in BROKEN])
def test_a_malformed_scenario_names_the_place(change: Any, where: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load(edit(change))
    assert caught.value.where == where
    assert str(caught.value).startswith(f"{where}: ")
    assert caught.value.problem


def test_two_kinds_in_one_step_are_refused_naming_both() -> None:
    document = world()
    document["steps"][1]["points"] = {"campaign": "c", "source_id": "s", "points": 1}
    with pytest.raises(ScenarioError, match=r"steps\[1\]\.tick: .*'points'"):
        load(document)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"format": ', "bad JSON at line 1"),
        ('{"format": "a", "format": "b"}', "appears twice"),
        ('{"value": NaN}', "NaN is not a JSON number"),
        ("[]", "must be an object"),
    ],
)
def test_bad_json_is_a_scenario_error(text: str, needle: str) -> None:
    with pytest.raises(ScenarioError, match=needle):
        loads(text)


def test_a_world_the_engine_refuses_names_the_entry_before_any_step_runs() -> None:
    document = world()
    periods = document["target_groups"][0]["periods"]
    periods[1]["start"] = "2024-06-07T00:00:00Z"  # overlaps the first
    scenario = load(document)  # well-formed...
    with pytest.raises(ScenarioError) as caught:
        replay(scenario)  # ...but refused when built, before any step runs
    assert caught.value.where == "target_groups[0].periods[1]"


def test_the_design_example_shape_loads_and_its_world_is_checked() -> None:
    document = {
        "format": "rankcore.scenario/1",
        "start": "2024-06-01T00:00:00+05:30",
        "orgs": [
            {"id": 50156, "timezone": "Asia/Kolkata", "leaderboards": True, "connected": [50157]}
        ],
        "customers": [
            {
                "org": 50156,
                "id": 381329844,
                "first_name": "A",
                "last_name": "B",
                "mobile": "918828069049",
                "email": "a@example.com",
                "gender": "Male",
            }
        ],
        "target_groups": [
            {
                "org": 50156,
                "id": 232,
                "name": "Target",
                "active": True,
                "leaderboard": True,
                "periods": [
                    {
                        "id": 243,
                        "ref_code": "target_period",
                        "name": "PERIOD_G_29463_1",
                        "start": "2024-06-01T00:00:00+05:30",
                        "end": "2024-07-01T00:00:00+05:30",
                    }
                ],
                "targets": [
                    {
                        "id": 366,
                        "name": "target1",
                        "type": "MILESTONE",
                        "metric": "points",
                        "value": 21000,
                        "leaderboard": True,
                        "ties": "ordinal",
                        "enrollment": "auto",
                    },
                    {
                        "id": 367,
                        "name": "weekly-visits",
                        "type": "STREAK",
                        "metric": "visits",
                        "value": 2,
                        "streak_length": 3,
                        "leaderboard": True,
                        "enrollment": "explicit",
                    },
                ],
            }
        ],
        "campaigns": [
            {
                "org": 7,
                "id": "camp_29vfKDh0hHOgkOXdWoSyA",
                "recurrence": "daily",
                "start": "2023-09-18T12:26:13.656765Z",
                "end": "2023-09-25T00:00:00Z",
                "reward_brackets": [
                    {"position": "1-2", "reward_value": "30"},
                    {"position": "3", "reward_value": "10", "min_value": 2},
                ],
            }
        ],
        "steps": [
            {
                "at": "2024-06-02T10:00:00+05:30",
                "activity": {
                    "org": 50156,
                    "customer": 381329844,
                    "metric": "points",
                    "value": 500,
                    "event_id": "e-1",
                },
            },
            {
                "at": "2023-09-18T13:00:00Z",
                "points": {
                    "campaign": "camp_29vfKDh0hHOgkOXdWoSyA",
                    "source_id": "KMN@123",
                    "points": 4,
                    "event_id": "p-1",
                },
            },
            {
                "at": "2024-06-03T00:00:00+05:30",
                "request": {
                    "org": 50156,
                    "user": 123,
                    "method": "GET",
                    "path": LEADERBOARD,
                    "query": {"targetId": "366", "pageSize": "10"},
                    "headers": {},
                    "body": None,
                },
            },
        ],
    }
    with pytest.raises(ScenarioError, match=r"^campaigns\[0\]\.org: org 7 is not in orgs"):
        load(document)
    document["orgs"].append({"id": 7, "timezone": "Asia/Kolkata"})
    lines = list(replay(document))
    # The campaign ended before the clock's start: its late points are refused, and said so.
    assert lines[0]["step"] == 1 and lines[0]["error"]["type"] == "AwardIntervalClosed"
    assert lines[1]["step"] == 2 and board(lines[1]) == [(381329844, 500)]


# -- running -------------------------------------------------------------------------------------


def late_world() -> dict[str, Any]:
    document = world()
    activity = {"org": 1, "metric": "points"}
    document["steps"] = [
        {"at": "2024-06-09T00:00:00Z", "activity": {**activity, "customer": 10, "value": 1}},
        {"at": "2024-06-07T00:00:00Z", "activity": {**activity, "customer": 10, "value": 2}},
        {"at": "2024-06-08T12:00:00Z", "activity": {**activity, "customer": 20, "value": 3}},
        {
            "at": "2024-06-07T12:00:00Z",
            "activity": {**activity, "customer": 20, "count": 3, "value": 4},
        },
        {
            "at": "2024-06-09T00:00:00Z",
            "request": {
                "org": 1,
                "user": 1,
                "method": "GET",
                "path": LEADERBOARD,
                "query": {"targetId": "366"},
            },
        },
    ]
    return document


def test_late_events_count_in_open_periods_and_are_refused_in_closed_ones() -> None:
    lines = list(replay(late_world()))
    refused, bulk, answer = lines[0], lines[1:4], lines[4]
    # Step 1 is late for week 1, which closed when the clock reached week 2.
    assert refused["step"] == 1 and set(refused) == {"step", "error"}
    assert refused["error"]["type"] == "PeriodClosed"
    assert set(refused["error"]) == {"type", "code", "message", "detail"}
    # A bulk step reports each refused customer.
    assert [(line["step"], line["customer"]) for line in bulk] == [(3, 20), (3, 21), (3, 22)]
    # Step 2 is late too, but week 2 is open: it counts, at its own time, and the clock
    # stayed where it was (the request at the clock's time is fine).
    assert answer["step"] == 4 and answer["status"] == 200
    assert board(answer) == [(20, 3), (10, 1)]
    assert answer["body"]["data"]["periodId"] == 2
    assert answer["body"]["data"]["rankings"][0]["lastActivityTime"].startswith("2024-06-08T12")


def test_a_domain_refusal_carries_the_vendor_code() -> None:
    document = world()
    document["steps"] = [
        {
            "at": "2024-06-02T00:00:00Z",
            "activity": {"org": 1, "customer": 99, "metric": "points", "value": 5},
        },
    ]
    (line,) = replay(document)
    assert line["error"]["type"] == "CustomerNotFound"
    assert line["error"]["code"] == 310011
    assert line["error"]["message"]
    assert "99" in line["error"]["detail"]


def test_replays_are_deterministic_and_independent() -> None:
    first = [json.dumps(line) for line in replay(late_world())]
    second = [json.dumps(line) for line in replay(late_world())]
    assert first == second
    scenario = load(late_world())
    assert [json.dumps(x) for x in replay(scenario)] == [json.dumps(x) for x in replay(scenario)]


def test_the_seed_field_seeds_generated_ids() -> None:
    def badge_id(seed: int) -> str:
        document = world()
        document["seed"] = seed
        document["steps"] = [
            {
                "at": "2024-06-02T00:00:00Z",
                "request": {
                    "org": 1,
                    "user": 1,
                    "method": "POST",
                    "path": "/api_gateway/v1/badges/group",
                    "body": {"name": "G", "rank": 1},
                },
            },
        ]
        (line,) = replay(document)
        return str(line["body"]["data"]["id"])

    assert badge_id(1) == badge_id(1) != badge_id(2)


def campaign(cid: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"org": 1, "id": cid, "recurrence": "daily", "start": start, "end": end, **extra}


def test_activity_ids_go_to_their_own_campaigns_intervals() -> None:
    document = world()
    document["start"] = "2024-06-02T00:00:00Z"
    document["campaigns"] = [
        # b and c open their intervals at the same instants as a; d has no hints.
        campaign(
            "a", "2024-06-01T00:00:00Z", "2024-06-05T00:00:00Z", activity_ids=["a1", "a2", "a3"]
        ),
        campaign("d", "2024-06-01T12:00:00Z", "2024-06-06T00:00:00Z"),
        campaign("b", "2024-06-03T00:00:00Z", "2024-06-06T00:00:00Z", activity_ids=["b1"]),
        campaign("c", "2024-06-02T00:00:00Z", "2024-06-06T00:00:00Z", activity_ids=["c1", "c2"]),
    ]
    document["steps"] = [{"at": "2024-06-07T00:00:00Z", "tick": True}]
    replayer = Replayer(load(document))
    assert list(replayer.run()) == []
    engine = replayer.engine

    def ids(cid: str) -> list[str]:
        return [info.activity_id for info in engine.campaign_intervals(1, cid)]

    assert ids("a")[:3] == ["a1", "a2", "a3"] and len(ids("a")) == 4
    assert ids("b")[0] == "b1" and len(ids("b")) == 3
    assert ids("c")[:2] == ["c1", "c2"] and len(ids("c")) == 4
    generated = ids("a")[3:] + ids("b")[1:] + ids("c")[2:] + ids("d")
    assert all(g.startswith("ldac_") and len(g) == 26 for g in generated)
    assert len(set(generated)) == len(generated) == 1 + 2 + 2 + 5


def test_a_request_id_hint_is_used_once() -> None:
    document = world()
    badge = {"org": 1, "user": 1, "method": "POST", "path": "/api_gateway/v1/badges/group"}
    document["steps"] = [
        {
            "at": "2024-06-02T00:00:00Z",
            "request": {
                **badge,
                "body": {"name": "A", "rank": 1},
                "id": "aaaaaaaaaaaaaaaaaaaaaaaa",
            },
        },
        {
            "at": "2024-06-02T00:00:00Z",
            "request": {
                **badge,
                "body": {"name": "A", "rank": 1},
                "id": "bbbbbbbbbbbbbbbbbbbbbbbb",
            },
        },
        {"at": "2024-06-02T00:00:00Z", "request": {**badge, "body": {"name": "B", "rank": 1}}},
    ]
    first, refused, generated = (line["body"] for line in replay(document))
    assert first["data"]["id"] == "aaaaaaaaaaaaaaaaaaaaaaaa"
    assert refused["errors"][0]["code"] == 733  # nothing created: the hint goes unused...
    assert generated["data"]["id"] != "bbbbbbbbbbbbbbbbbbbbbbbb"  # ...and is then forgotten


# -- the command ---------------------------------------------------------------------------------


def test_the_command_exits_2_naming_the_step_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = world()
    document["steps"].append({"at": "2024-06-04T00:00:00Z", "tick": True, "request": {}})
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    assert main(["replay", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # validated before anything ran
    assert "steps[3].request" in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize("text", ["{", '{"format": "rankcore.scenario/1"}', "null"])
def test_the_command_exits_2_on_bad_files(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert main(["replay", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"rankcore replay: {path}: ")


def test_the_command_exits_2_on_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_command_prints_one_line_per_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "late.json"
    path.write_text(json.dumps(late_world()))
    assert main(["replay", str(path)]) == 0
    printed = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert [line["step"] for line in printed] == [1, 3, 3, 3, 4]
    assert printed == list(replay(late_world()))


# -- late points against a plain model -----------------------------------------------------------

DAY0 = datetime(2024, 1, 1, tzinfo=UTC)
CAMPAIGN_START = DAY0 + timedelta(hours=6)
CAMPAIGN_END = DAY0 + timedelta(days=3)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4 * 24 * 60 - 1), st.sampled_from("xyz"), st.integers(1, 9)),
        max_size=25,
    )
)
def test_points_steps_match_a_model_of_the_clock(events: list[tuple[int, str, int]]) -> None:
    """Any order of timed points: a point counts unless it is outside the campaign or late
    for a day that the clock has already left; the totals per day are the accepted sums."""
    steps = [
        {
            "at": (DAY0 + timedelta(minutes=m)).isoformat(),
            "points": {"campaign": "c", "source_id": who, "points": n},
        }
        for m, who, n in events
    ]
    document = {
        "format": FORMAT,
        "start": DAY0.isoformat(),
        "orgs": [{"id": 1, "timezone": "UTC"}],
        "campaigns": [
            campaign("c", CAMPAIGN_START.isoformat(), CAMPAIGN_END.isoformat(), ties="dense")
        ],
        "steps": steps,
    }
    # The model: a clock that only moves forward, and days that close at midnight.
    clock, refused = DAY0, []
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for i, (minute, who, n) in enumerate(events):
        at = DAY0 + timedelta(minutes=minute)
        clock = max(clock, at)
        day = minute // (24 * 60)
        day_end = DAY0 + timedelta(days=day + 1)
        if at < CAMPAIGN_START or at >= CAMPAIGN_END or day_end <= clock:
            refused.append(i)
        else:
            totals[day][who] += n
    replayer = Replayer(load(copy.deepcopy(document)))
    lines = list(replayer.run())
    assert [line["step"] for line in lines] == refused
    engine = replayer.engine
    for info in engine.campaign_intervals(1, "c"):
        entries = engine.campaign_page(1, "c", 1, activity_id=info.activity_id)
        got = {entry.source_id: entry.points for entry in entries}
        assert got == dict(totals[info.sequence - 1])


def test_a_hand_built_late_request_is_refused_when_run() -> None:
    scenario = load(world())
    replayer = Replayer(scenario)
    replayer.build()
    for step in scenario.steps:
        replayer.step(step)
    with pytest.raises(ScenarioError, match=r"^steps\[2\]\.at: "):
        replayer.step(Step(2, scenario.start, scenario.steps[2].action))


def test_a_connection_listed_before_the_org_it_names_still_links_both_ways() -> None:
    """Connections go both ways: the file may list one on either org, even the first."""
    document = world()
    document["orgs"] = [
        {"id": 1, "timezone": "UTC", "connected": [2]},
        {"id": 2, "timezone": "UTC"},
        {"id": 3, "timezone": "UTC", "connected": [1, 3, 99]},  # itself, and no org 99
    ]
    replayer = Replayer(load(document))
    engine = replayer.build()
    links = {org: engine.org(org).connected for org in (1, 2, 3)}  # type: ignore[union-attr]
    assert links == {1: {2, 3}, 2: {1}, 3: {1}}


# -- generated scenarios (rankcore.testing) ------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=scenarios(max_steps=25, bad=True))
def test_generated_scenarios_replay_the_same_bytes_twice(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("generated") / "scenario.json"
    path.write_text(json.dumps(document))
    outputs = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        assert run_replay(str(path), out, err) == 0, err.getvalue()
        outputs.append(out.getvalue().encode("utf-8"))
    assert outputs[0] == outputs[1]
    requests = sum(1 for step in document["steps"] if "request" in step)
    lines = [json.loads(line) for line in outputs[0].decode("utf-8").splitlines()]
    assert sum(1 for line in lines if "status" in line) == requests


# -- rankcore simulate ---------------------------------------------------------------------------


def test_simulate_writes_a_scenario_that_replay_reproduces_byte_for_byte(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    scenario = tmp_path / "season.json"
    argv = ["simulate", "--seed", "3", "--customers", "40", "--events", "3000", "--days", "9"]
    assert main([*argv, "--json", "--out", str(scenario)]) == 0
    simulated = capsysbinary.readouterr()
    assert b"%" not in simulated.err  # no progress bar when stderr is not a terminal
    assert main(["replay", str(scenario)]) == 0
    replayed = capsysbinary.readouterr().out
    assert replayed == simulated.out and replayed.count(b"\n") == 2
    assert main([*argv, "--json"]) == 0  # the same seed, the same season
    assert capsysbinary.readouterr().out == simulated.out


def test_a_simulated_season_ranks_as_a_brute_force_count_of_its_events(tmp_path: Path) -> None:
    from rankcore.simulate import SEASON_TARGET, SimulationConfig, run_simulation

    config = SimulationConfig(seed=11, customers=30, events=4000, days=8, zone="Europe/London")
    with (tmp_path / "s.json").open("w", encoding="utf-8") as out:
        result = run_simulation(config, out=out)
    document = json.loads((tmp_path / "s.json").read_text())
    # the season milestone counts points; the same event id counts once
    totals: dict[int, int] = defaultdict(int)
    last: dict[int, datetime] = {}
    seen: set[str] = set()
    for step in document["steps"]:
        activity = step.get("activity")
        if activity is None or activity["event_id"] in seen:
            continue
        seen.add(activity["event_id"])
        if activity["metric"] == "points":
            customer = activity["customer"]
            totals[customer] += activity["value"]
            last[customer] = max(last.get(customer, EARLY), datetime.fromisoformat(step["at"]))
    assert result.counted == len(seen) and result.counted + result.duplicates == 4000
    assert result.refused == 0
    expected = reference_ranks(
        [(c, totals[c], last[c]) for c in sorted(totals, key=lambda c: last[c])], ties="ordinal"
    )
    assert [(rank, customer, points) for rank, customer, points, _ in result.top] == [
        (s.rank, s.member, s.score) for s in expected[:10]
    ]
    assert sorted(result.scores, reverse=True) == sorted(totals.values(), reverse=True)
    assert sum(1 for points in totals.values() if points >= config.milestone) == (result.milestones)
    body = result.lines[0]["body"]
    assert body["data"]["targetRuleId"] == SEASON_TARGET
    assert [r["userId"] for r in body["data"]["rankings"]] == [s.member for s in expected[:10]]
    assert len(result.daily_top) == 8


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--zone", "Mars/Olympus"], "not an IANA time zone"),
        (["--events", "-1"], "events must lie within"),
        (["--customers", "0"], "customers must lie within"),
        (["--days", "x"], "expected an integer"),
        (["--out", "/nonexistent/dir/s.json"], "--out"),
    ],
)
def test_simulate_refuses_bad_options_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = main(["simulate", "--events", "10", *argv])
    except SystemExit as exit_:  # argparse's own usage errors
        status = int(exit_.code or 0)
    assert status == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_simulate_plots_ranks_and_the_distribution(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    image = tmp_path / "season.png"
    assert main(["simulate", "--events", "2000", "--days", "5", "--plot", str(image)]) == 0
    assert image.read_bytes().startswith(b"\x89PNG")


def test_the_simulation_config_is_checked() -> None:
    from rankcore.simulate import SimulationConfig

    with pytest.raises(InvalidArgumentType):
        SimulationConfig(seed=True)
    with pytest.raises(InvalidArgument):
        SimulationConfig(days=0)
    assert SimulationConfig(start=date(2024, 3, 1), zone="Australia/Lord_Howe").midnight(
        35
    ) == datetime(2024, 4, 5, tzinfo=ZoneInfo("Australia/Lord_Howe"))


# -- boards (tournaments) --------------------------------------------------------------------------


def cup(**changes: Any) -> dict[str, Any]:
    """A daily cup on one board: best run counts, a minute of grace."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "start": "2024-06-01T00:00:00Z",
        "orgs": [{"id": 1, "timezone": "UTC"}],
        "boards": [
            {
                "org": 1,
                "id": "cup",
                "reset": "daily",
                "grace": 60,
                "subscore": "asc",
                "reward_brackets": [{"position": "1", "reward_value": "gold"}],
            }
        ],
        "steps": [
            {
                "at": "2024-06-01T10:00:00Z",
                "submit": {"org": 1, "board": "cup", "member": "ann", "score": 7, "subscore": 30},
            },
            {
                "at": "2024-06-01T11:00:00Z",
                "submit": {
                    "org": 1, "board": "cup", "member": "bob", "score": 7, "subscore": 20,
                    "meta": {"car": "red"}, "event_id": "b1",
                },
            },
            {
                "at": "2024-06-01T11:00:00Z",
                "submit": {
                    "org": 1, "board": "cup", "member": "bob", "score": 7, "subscore": 20,
                    "meta": {"car": "red"}, "event_id": "b1",
                },
            },
            {
                "at": "2024-06-01T12:00:00Z",
                "submit": {"org": 1, "board": "cup", "member": "ann", "score": 3, "subscore": 1},
            },
            {"at": "2024-06-02T00:00:30Z", "tick": True},
            {
                "at": "2024-06-01T23:59:59Z",
                "submit": {"org": 1, "board": "cup", "member": "cy", "score": 9, "subscore": 99},
                "note": "late, but in the grace minute: counted in day one",
            },
            {
                "at": "2024-06-02T00:02:00Z",
                "submit": {"org": 1, "board": "cup", "member": "di", "score": 1, "subscore": 1},
            },
            {
                "at": "2024-06-01T23:00:00Z",
                "submit": {"org": 1, "board": "cup", "member": "eve", "score": 50, "subscore": 1},
                "note": "day one is closed now",
            },
            {
                "at": "2024-06-02T00:03:00Z",
                "submit": {"org": 1, "board": "nope", "member": "eve", "score": 1},
            },
        ],
    }  # fmt: skip
    document.update(changes)
    return document


def test_board_submissions_replay_under_the_boards_rules() -> None:
    replayer = Replayer(load(cup()))
    lines = list(replayer.run())
    assert [(line["step"], line["error"]["type"]) for line in lines] == [
        (7, "AwardIntervalClosed"),
        (8, "BoardNotFound"),
    ]
    engine = replayer.engine
    first, second = engine.board_intervals(1, "cup")
    day_one = engine.board_page(1, "cup", 0, 10, interval=first.activity_id)
    # best runs: equal scores, the lower subscore (seconds) is better; bob's repeat counted once
    assert [(s.member, s.score, s.subscore, s.rank) for s in day_one] == [
        ("cy", 9, 99, 1),
        ("bob", 7, 20, 2),
        ("ann", 7, 30, 3),
    ]
    assert day_one[1].meta == {"car": "red"}
    assert [s.member for s in engine.board_page(1, "cup", 0, 10)] == ["di"]
    assert second.sequence == 2


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["boards"][0].update(reset="fortnightly"), "boards[0].reset"),
        (lambda d: d["boards"][0].update(org=2), "boards[0].org"),
        (lambda d: d["boards"][0].update(grace=-1), "boards[0].grace"),
        (lambda d: d["boards"][0].update(operator="max"), "boards[0].operator"),
        (lambda d: d["boards"][0].update(capacity=0), "boards[0].capacity"),
        (lambda d: d["boards"][0].update(colour="red"), "boards[0].colour"),
        (
            lambda d: d["boards"][0].update(
                start="2024-06-02T00:00:00Z", end="2024-06-01T00:00:00Z"
            ),
            "boards[0].end",
        ),
        (lambda d: d["boards"].append(dict(d["boards"][0])), "boards[1].id"),
        (lambda d: d["steps"][0]["submit"].update(score=2**60), "steps[0].submit.score"),
        (lambda d: d["steps"][0]["submit"].update(member=""), "steps[0].submit.member"),
        (
            lambda d: d["steps"].append(
                {"at": "2024-06-01T00:00:00Z", "join": {"org": 1, "board": "cup", "member": "a"}}
            ),
            "steps[9].at",
        ),
    ],
)
def test_bad_boards_and_submissions_name_their_place(change: Any, where: str) -> None:
    document = cup()
    change(document)
    with pytest.raises(ScenarioError) as error:
        load(document)
    assert error.value.where == where


def test_a_board_the_engine_refuses_names_the_board() -> None:
    document = cup()
    document["boards"][0]["id"] = "no spaces"
    with pytest.raises(ScenarioError) as error:
        list(replay(document))
    assert error.value.where == "boards[0]"


def test_joining_a_board_that_needs_it() -> None:
    document = cup()
    document["boards"][0]["join_required"] = True
    document["steps"][1:1] = [
        {"at": "2024-06-01T10:30:00Z", "join": {"org": 1, "board": "cup", "member": "bob"}}
    ]
    lines = list(replay(document))
    assert [(line["step"], line["error"]["type"]) for line in lines][:1] == [(0, "NotJoined")]
    assert 1 not in [line["step"] for line in lines] and 2 not in [line["step"] for line in lines]
