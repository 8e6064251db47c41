"""The ``rankcore`` command line as a user runs it: a real process, real files, real pipes.

``rankcore replay FILE`` never prints a traceback whatever the file holds: a file it cannot
replay exits with status 2 and one line on stderr, ``rankcore replay: FILE: WHERE: PROBLEM``
(``WHERE`` is ``file`` for the file as a whole). Its output is UTF-8 whatever it echoes and
whatever the locale. A reader that goes away (``| head``) and Ctrl-C end it quietly.
"""

from __future__ import annotations

import copy
import ctypes
import importlib
import importlib.metadata
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import rankcore
import rankcore.cli
from rankcore.cli import main
from rankcore.demo import DemoConfig
from rankcore.errors import InvalidArgument, RankcoreError
from rankcore.scenario import ScenarioError, load, replay, run_replay
from rankcore.scenario.command import json_line, one_line

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
BADGES = EXAMPLES / "capillary_badge_group.json"
HUGE = "9" * 5000
"""A JSON integer Python reads but cannot print (``str`` stops at 4,300 digits)."""
DEEP = "[" * 100_000 + "]" * 100_000
"""A JSON array nested 100,000 levels: more than ``json.loads`` can recurse."""


def rankcore_cli(
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m rankcore.cli ARGS`` in the repository, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "rankcore.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        preexec_fn=preexec_fn,
        timeout=120,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess[bytes], file: str, where: str) -> str:
    """Exit status 2, nothing on stdout, and one UTF-8 line ``rankcore replay: FILE: WHERE:
    PROBLEM`` on stderr; returns the problem."""
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2, err
    assert result.stdout == b""
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    prefix = f"rankcore replay: {file}: {where}: "
    assert err.startswith(prefix), err
    return err[len(prefix) :].rstrip("\n")


def badges() -> dict[str, Any]:
    """The badge group example: one org, four requests (the first creates GROUP_RANK_4)."""
    document: dict[str, Any] = json.loads(BADGES.read_text(encoding="utf-8"))
    return document


def season() -> dict[str, Any]:
    """A small world with a weekly period, a campaign and both kinds of events."""
    return {
        "format": "rankcore.scenario/1",
        "start": "2024-06-01T00:00:00Z",
        "orgs": [{"id": 1, "timezone": "UTC"}],
        "customers": [{"org": 1, "id": 10}],
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
                    }
                ],
                "targets": [
                    {"id": 366, "name": "t", "type": "MILESTONE", "metric": "points", "value": 9}
                ],
            }
        ],
        "campaigns": [
            {
                "org": 1,
                "id": "camp",
                "recurrence": "daily",
                "start": "2024-06-01T00:00:00Z",
                "end": "2024-06-03T00:00:00Z",
            }
        ],
        "steps": [
            {
                "at": "2024-06-01T01:00:00Z",
                "activity": {"org": 1, "customer": 10, "metric": "points", "value": 5},
            },
            {
                "at": "2024-06-01T02:00:00Z",
                "points": {"campaign": "camp", "source_id": "s", "points": 3},
            },
        ],
    }


def write(tmp_path: Path, name: str, content: str | bytes | dict[str, Any]) -> str:
    """Write a scenario file (a document, JSON text, or raw bytes); returns its path."""
    path = tmp_path / name
    if isinstance(content, dict):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    return str(path)


def with_text(document: dict[str, Any], old: str, new: str) -> str:
    """The document's JSON text with one piece of it replaced (to write what ``json.dumps``
    cannot: lone surrogate escapes, numbers of 5,000 digits)."""
    text = json.dumps(document)
    assert old in text
    return text.replace(old, new, 1)


# -- rankcore replay: every file it cannot replay is one line, status 2 ------------------------


def edited(change: Callable[[dict[str, Any]], None], base: Callable[[], dict[str, Any]]) -> str:
    document = base()
    change(document)
    return json.dumps(document)


HOSTILE_FILES: list[tuple[str, Callable[[], str], str]] = [
    ("deep-document", lambda: DEEP, "file"),
    (
        "deep-body",
        lambda: with_text(
            badges(), '{"name": "GROUP_RANK_4"', f'{{"x": {DEEP}, "name": "GROUP_RANK_4"'
        ),
        "file",
    ),
    (
        "body-64-deep",
        lambda: with_text(badges(), '"rank": 2', '"rank": ' + "[" * 70 + "]" * 70),
        "steps[0].request.body.rank" + "[0]" * 63,  # the 65th level: body, rank, 63 more
    ),
    ("huge-org-id", lambda: with_text(badges(), '"id": 50156', f'"id": {HUGE}'), "orgs[0].id"),
    (
        "huge-user",
        lambda: with_text(badges(), '"user": 123', f'"user": {HUGE}'),
        "steps[0].request.user",
    ),
    (
        "huge-body-int",
        lambda: with_text(badges(), '"rank": 2', f'"rank": {HUGE}'),
        "steps[0].request.body.rank",
    ),
    ("huge-seed", lambda: with_text(badges(), '"format"', f'"seed": {HUGE}, "format"'), "seed"),
    (
        "huge-value",
        lambda: with_text(season(), '"value": 5', f'"value": {HUGE}'),
        "steps[0].activity.value",
    ),
    (
        "huge-negative-points",
        lambda: with_text(season(), '"points": 3', f'"points": -{HUGE}'),
        "steps[1].points.points",
    ),
    ("id-past-int64", lambda: with_text(badges(), '"id": 50156', f'"id": {2**63}'), "orgs[0].id"),
    (
        "count-past-int64",
        lambda: edited(lambda d: d["customers"][0].update(id=2**63 - 2, count=5), season),
        "customers[0].count",
    ),
    (
        "float-overflow",
        lambda: with_text(badges(), '"rank": 2', '"rank": 1e400'),
        "steps[0].request.body.rank",
    ),
    (
        "zone-directory",
        lambda: edited(lambda d: d["orgs"][0].update(timezone="America"), badges),
        "orgs[0].timezone",
    ),
    (
        "zone-localtime",
        lambda: edited(lambda d: d["orgs"][0].update(timezone="localtime"), badges),
        "orgs[0].timezone",
    ),
    (
        "zone-right",
        lambda: edited(lambda d: d["orgs"][0].update(timezone="right/UTC"), badges),
        "orgs[0].timezone",
    ),
    (
        "zone-too-long",
        lambda: edited(lambda d: d["orgs"][0].update(timezone="A" * 300), badges),
        "orgs[0].timezone",
    ),
    (
        "start-past-year-9999",
        lambda: edited(lambda d: d.update(start="9999-12-31T23:59:59-23:59"), badges),
        "start",
    ),
    (
        "start-before-year-1",
        lambda: edited(lambda d: d.update(start="0001-01-01T00:00:00+14:00"), badges),
        "start",
    ),
    (
        "campaign-end-past-9999",
        lambda: edited(lambda d: d["campaigns"][0].update(end="9999-12-31T23:59:59-23:59"), season),
        "campaigns[0].end",
    ),
    (
        "period-end-9999",
        lambda: edited(
            lambda d: d["target_groups"][0]["periods"][0].update(end="9999-12-31T00:00:00Z"), season
        ),
        "target_groups[0].periods[0].end",
    ),
    (
        "step-in-year-1",
        lambda: edited(lambda d: d["steps"][1].update(at="0001-01-01T00:00:00+14:00"), season),
        "steps[1].at",
    ),
    (
        "surrogate-in-body",
        lambda: with_text(badges(), '"GROUP_RANK_4", "rank": 2', '"\\ud800", "rank": 2'),
        "steps[0].request.body.name",
    ),
    (
        "surrogate-in-body-key",
        lambda: with_text(badges(), '"rank": 2', '"\\udfff": 2'),
        'steps[0].request.body["\\udfff"]',
    ),
    (
        "surrogate-in-note",
        lambda: with_text(badges(), '"note": "the seed', '"note": "\\udc00 the seed'),
        "steps[0].note",
    ),
    (
        "surrogate-in-id-hint",
        lambda: with_text(badges(), '"6581281e8f68666070de15c5"', '"\\ud83d"'),
        "steps[0].request.id",
    ),
    (
        "surrogate-in-zone",
        lambda: with_text(badges(), '"Asia/Kolkata"', '"Asia/\\udc80"'),
        "orgs[0].timezone",
    ),
    (
        "surrogate-in-query",
        lambda: with_text(badges(), '"query": {}', '"query": {"a": "\\ud800"}'),
        "steps[0].request.query.a",
    ),
    (
        "surrogate-in-metric",
        lambda: with_text(
            season(), '"metric": "points", "value": 5', '"metric": "\\ud800", "value": 5'
        ),
        "steps[0].activity.metric",
    ),
    (
        "surrogate-unknown-key",
        lambda: with_text(badges(), '"format"', '"\\ud800": 1, "format"'),
        '["\\ud800"]',
    ),
    (
        "newline-in-unknown-key",
        lambda: with_text(badges(), '"format"', '"a\\nb\\u2028c": 1, "format"'),
        '["a\\nb\\u2028c"]',
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "where"), HOSTILE_FILES, ids=[name for name, _, _ in HOSTILE_FILES]
)
def test_a_hostile_file_is_one_line_naming_the_place(
    name: str, text: Callable[[], str], where: str, tmp_path: Path
) -> None:
    path = write(tmp_path, f"{name}.json", text())
    problem = assert_refused(rankcore_cli("replay", path), path, where)
    assert len(problem) < 300  # a refused value is repeated shortened, never whole


def test_a_surrogate_is_reported_escaped(tmp_path: Path) -> None:
    path = write(tmp_path, "s.json", with_text(badges(), '"Asia/Kolkata"', '"\\ud800"'))
    problem = assert_refused(rankcore_cli("replay", path), path, "orgs[0].timezone")
    assert "\\ud800" in problem


def test_a_huge_integer_is_described_not_printed(tmp_path: Path) -> None:
    path = write(tmp_path, "h.json", with_text(season(), '"value": 5', f'"value": {HUGE}'))
    problem = assert_refused(rankcore_cli("replay", path), path, "steps[0].activity.value")
    assert "an integer of 5,000 digits" in problem


def test_a_period_to_year_9999_is_refused_before_the_engine_overflows(tmp_path: Path) -> None:
    document = season()
    document["target_groups"][0]["periods"][0]["end"] = "9999-12-31T00:00:00Z"
    path = write(tmp_path, "p.json", document)
    problem = assert_refused(rankcore_cli("replay", path), path, "target_groups[0].periods[0].end")
    assert "before 3000-01-01T00:00:00Z" in problem


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"format": "rankcore.scenario/1", "description": "caf\xe9"}', "not UTF-8"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"format": ', "bad JSON at line 1"),
        (b"", "bad JSON"),
        (b"[]", "must be an object"),
    ],
    ids=["latin-1", "utf-16-bom", "truncated", "empty", "array"],
)
def test_a_file_that_is_not_a_scenario_is_about_the_file(
    content: bytes, problem: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "bad.json", content)
    assert problem in assert_refused(rankcore_cli("replay", path), path, "file")


def test_a_directory_is_about_the_file(tmp_path: Path) -> None:
    problem = assert_refused(rankcore_cli("replay", str(tmp_path)), str(tmp_path), "file")
    assert problem == "cannot read: Is a directory"


def test_a_missing_file_is_about_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "absent.json")
    problem = assert_refused(rankcore_cli("replay", path), path, "file")
    assert problem == "cannot read: No such file or directory"


def _without_file_permission_overrides() -> None:
    """In the child: give up root's power to read any file (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH leave the bounding set, so the program exec'd lacks them)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_a_file_without_read_permission_is_about_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.json", badges())
    os.chmod(path, 0)
    preexec = None
    if os.geteuid() == 0:
        if not sys.platform.startswith("linux"):
            pytest.skip("root reads any file")
        preexec = _without_file_permission_overrides
    try:
        result = rankcore_cli("replay", path, preexec_fn=preexec)
    except subprocess.SubprocessError as exc:  # pragma: no cover - depends on the host
        pytest.skip(f"cannot drop root's file capabilities: {exc}")
    assert assert_refused(result, path, "file") == "cannot read: Permission denied"


def test_permission_denied_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    out, err = io.StringIO(), io.StringIO()
    assert run_replay("x.json", out, err) == 2
    assert err.getvalue() == "rankcore replay: x.json: file: cannot read: Permission denied\n"


def test_standard_input_must_be_utf8_whatever_the_locale() -> None:
    result = rankcore_cli("replay", "-", stdin=b'{"format": "\xff"}', env={"LC_ALL": "C"})
    assert "not UTF-8" in assert_refused(result, "-", "file")


def test_standard_input_too_deep_is_about_the_file() -> None:
    assert_refused(rankcore_cli("replay", "-", stdin=DEEP.encode()), "-", "file")


def test_a_valid_file_still_replays_from_standard_input() -> None:
    result = rankcore_cli("replay", "-", stdin=BADGES.read_bytes())
    assert result.returncode == 0 and result.stderr == b""
    assert len(result.stdout.splitlines()) == 4


# -- a refusal from any layer is still FILE: WHERE: PROBLEM ----------------------------------


def test_an_engine_refusal_while_building_names_the_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise InvalidArgument("timezone 'X' is not a known IANA time zone")

    monkeypatch.setattr("rankcore.engine.Engine.add_org", refuse)
    out, err = io.StringIO(), io.StringIO()
    assert run_replay(str(BADGES), out, err) == 2
    assert out.getvalue() == ""
    assert err.getvalue() == (
        f"rankcore replay: {BADGES}: orgs[0]: refused by the engine: "
        "timezone 'X' is not a known IANA time zone\n"
    )


def test_an_engine_refusal_while_running_names_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise InvalidArgument("lone surrogates are refused")

    # The package re-exports a function named replay: patch the module itself.
    monkeypatch.setattr(importlib.import_module("rankcore.scenario.replay"), "handle", refuse)
    out, err = io.StringIO(), io.StringIO()
    assert run_replay(str(BADGES), out, err) == 2
    assert err.getvalue() == (
        f"rankcore replay: {BADGES}: steps[0]: refused by the engine: lone surrogates are refused\n"
    )


def test_any_other_rankcore_error_is_still_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_scenario: object) -> Iterator[dict[str, Any]]:
        raise RankcoreError("something\nunforeseen")

    monkeypatch.setattr("rankcore.scenario.command.replay", refuse)
    out, err = io.StringIO(), io.StringIO()
    assert run_replay(str(BADGES), out, err) == 2
    assert err.getvalue() == f"rankcore replay: {BADGES}: something\\nunforeseen\n"


def test_a_hand_built_mapping_with_a_huge_int_is_a_scenario_error() -> None:
    document = season()
    document["steps"][0]["activity"]["value"] = 10**5000  # no JSON text: a Python int
    with pytest.raises(ScenarioError) as caught:
        load(document)
    assert caught.value.where == "steps[0].activity.value"
    assert "an integer of 5,001 digits" in caught.value.problem


def test_a_hand_built_body_that_contains_itself_is_a_scenario_error() -> None:
    document = badges()
    body: dict[str, Any] = {"name": "loop", "rank": 1}
    body["self"] = body
    document["steps"][0]["request"]["body"] = body
    with pytest.raises(ScenarioError, match="appears twice") as caught:
        load(document)
    assert caught.value.where == "steps[0].request.body.self"


def test_a_hand_built_body_sharing_a_list_is_refused_before_walking_it_twice() -> None:
    document = badges()
    shared: list[Any] = []
    for _ in range(60):  # 2**60 paths if the walk followed every reference
        shared = [shared, shared]
    document["steps"][0]["request"]["body"] = {"name": "x", "rank": 1, "tags": shared}
    with pytest.raises(ScenarioError, match="appears twice"):
        load(document)


# -- the output is UTF-8 ------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_the_examples_print_exactly_as_before(path: Path) -> None:
    result = rankcore_cli("replay", str(path))
    assert result.returncode == 0 and result.stderr == b""
    expected = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in replay(path))
    assert result.stdout == expected.encode("utf-8")


def test_output_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    document = badges()
    document["steps"][0]["request"]["body"]["name"] = "Gold ★ ₹ 金"
    path = write(tmp_path, "gold.json", document)
    result = rankcore_cli("replay", path, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr.decode()
    first = json.loads(result.stdout.decode("utf-8").splitlines()[0])
    assert first["body"]["data"]["name"] == "Gold ★ ₹ 金"
    assert "★".encode() in result.stdout  # printed as it is, not escaped


def test_a_line_with_a_lone_surrogate_is_escaped_so_it_stays_utf8() -> None:
    line = {"step": 0, "status": 200, "body": {"name": "\ud800 and ★"}}
    text = json_line(line)
    text.encode("utf-8")
    assert json.loads(text) == line
    assert json_line({"step": 1, "body": "★"}) == '{"step": 1, "body": "★"}'


def test_a_line_never_holds_a_character_that_splitlines_breaks_at() -> None:
    line = {"step": 0, "body": "a\x85b\u2028c\u2029d ★"}
    text = json_line(line)
    assert text.splitlines() == [text] and "★" in text
    assert json.loads(text) == line


def test_one_line_escapes_what_would_break_the_line() -> None:
    assert one_line("a\nb\u2028c\ud800\x00 é") == "a\\nb\\u2028c\\ud800\\x00 é\n"


# -- pipes that close early, Ctrl-C ----------------------------------------------------------


def big_scenario(tmp_path: Path) -> str:
    """A scenario printing far more than a pipe holds (2,000 leaderboard responses)."""
    document = json.loads((EXAMPLES / "rehook_leaderboard.json").read_text(encoding="utf-8"))
    document["steps"] = document["steps"][:6] + [
        copy.deepcopy(document["steps"][5]) for _ in range(2000)
    ]
    return write(tmp_path, "big.json", document)


def read_then_close(args: list[str], lines: int) -> tuple[int, bytes]:
    """Run the command, read ``lines`` lines of its output, close the pipe (as ``head``
    does) and return its exit status and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rankcore.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    for _ in range(lines):
        assert process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    process.stderr.close()
    return process.wait(timeout=120), err


def test_replay_into_head_exits_quietly(tmp_path: Path) -> None:
    status, err = read_then_close(["replay", big_scenario(tmp_path)], 1)
    assert (status, err) == (1, b"")


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_replay_into_a_closed_pipe_exits_quietly(path: Path) -> None:
    assert read_then_close(["replay", str(path)], 0) == (1, b"")


def test_demo_into_a_closed_pipe_exits_quietly() -> None:
    assert read_then_close(["demo", "--json", "--events", "2000"], 0) == (1, b"")


def test_demo_into_head_exits_quietly() -> None:
    status, err = read_then_close(["demo", "--json", "--events", "2000"], 1)
    # The four lines may all fit in the pipe before it closes: then the run completes.
    assert (status, err) == (1, b"") or (status == 0 and err.startswith(b"Ingested "))
    assert b"Traceback" not in err


def test_ctrl_c_exits_130_without_a_traceback() -> None:
    ready = "import sys, rankcore.cli; print('ready', file=sys.stderr, flush=True); "
    process = subprocess.Popen(
        [sys.executable, "-c", ready + "sys.exit(rankcore.cli.main(['replay', '-']))"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdin is not None and process.stderr is not None
    assert process.stderr.readline() == b"ready\n"
    time.sleep(0.3)  # it is now waiting for the scenario on standard input
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (130, b"", b"")


def test_ctrl_c_during_the_demo_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(rankcore.cli, "run_demo", interrupted)
    try:
        status = main(["demo", "--events", "10"])
    except KeyboardInterrupt:  # not pytest's to receive: it would stop the whole run
        pytest.fail("KeyboardInterrupt escaped main()")
    assert status == 130
    assert capsys.readouterr().err == ""


# -- rankcore --version, rankcore demo's arguments --------------------------------------------


def test_version() -> None:
    result = rankcore_cli("--version")
    assert result.returncode == 0 and result.stderr == b""
    assert result.stdout.decode() == f"rankcore {importlib.metadata.version('rankcore')}\n"
    assert importlib.metadata.version("rankcore") == rankcore.__version__ == "0.1.0"


def test_version_of_the_console_script() -> None:
    script = Path(sys.executable).with_name("rankcore")
    if not script.exists():
        pytest.skip("the console script is not installed next to this interpreter")
    result = subprocess.run([script, "--version"], capture_output=True, check=False, timeout=60)
    assert (result.returncode, result.stdout) == (0, f"rankcore {rankcore.__version__}\n".encode())


def test_version_without_distribution_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    def absent(_name: str) -> str:
        raise importlib.metadata.PackageNotFoundError("rankcore")

    monkeypatch.setattr(importlib.metadata, "version", absent)
    assert rankcore.cli.version() == rankcore.__version__


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--customers", "-1"], "customers must be between 1"),
        (["--customers", "0"], "customers must be between 1"),
        (["--events", "-1"], "events must be between 0"),
        (["--customers", "99999999999"], "customers must be between 1"),
        (["--events", "1" + "0" * 30], "got a number of more than 20 digits"),
        (["--seed", HUGE], "argument --seed: a number of 5,000 digits is too large"),
        (["--customers", HUGE], "argument --customers: a number of 5,000 digits is too large"),
        (["--events", "1e3"], "argument --events: expected an integer, got '1e3'"),
        (["--customers", ""], "argument --customers: expected an integer"),
    ],
    ids=[
        "negative-customers",
        "no-customers",
        "negative-events",
        "too-many-customers",
        "31-digit-events",
        "5000-digit-seed",
        "5000-digit-customers",
        "float-events",
        "empty-customers",
    ],
)
def test_demo_refuses_bad_sizes_in_one_short_line(args: list[str], needle: str) -> None:
    result = rankcore_cli("demo", *args)
    err = result.stderr.decode()
    assert (result.returncode, result.stdout) == (2, b""), err
    assert "Traceback" not in err
    last = err.splitlines()[-1]
    assert last.startswith("rankcore demo: error: ") and needle in last, err
    assert len(last) < 200, last


def test_a_demo_size_too_large_to_print_is_still_a_clear_refusal() -> None:
    with pytest.raises(InvalidArgument, match="customers must be between 1 and 1,000,000, got a"):
        DemoConfig(customers=10**5000)


# -- fuzz: any hostile leaf, in process -------------------------------------------------------

HOSTILE_JSON = [
    '"\\ud800"',
    '"\\udfff\\ud800"',
    HUGE,
    "-" + HUGE,
    str(2**63),
    str(-(2**63)),
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "[" * 5000 + "]" * 5000,
    "[" * 70 + "]" * 70,
    '{"a": ' * 100 + "1" + "}" * 100,
    '"America"',
    '"localtime"',
    '"9999-12-31T23:59:59-23:59"',
    '"0001-01-01T00:00:00+14:00"',
    '"2024-06-01T00:00:00"',
]
"""JSON texts that no field accepts, or few, to put in place of a leaf of a valid scenario."""
ODD_JSON = [
    '"a\\u0000\\n\\u2028b"',
    '"\\ud83d\\ude00 \u2605 \u20b9 \u91d1"',
    '"x" ',
    '""',
    "-0",
    "1.5",
    "0",
    "-1",
    str(2**53 + 1),
    "true",
    "null",
    "[]",
    "{}",
]
"""JSON texts that many fields accept, and that the output may echo."""

EXAMPLE_DOCUMENTS = [json.loads(path.read_text(encoding="utf-8")) for path in EXAMPLE_FILES]
PLACEHOLDER = "\u2603hostile\u2603"


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The paths of a document's leaves (and of its empty arrays and objects)."""
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from leaves(inner, (*path, key))
    elif isinstance(value, list) and value:
        for i, inner in enumerate(value):
            yield from leaves(inner, (*path, i))
    else:
        yield path


def hostile_text(document: Any, data: st.DataObject) -> str:
    """The document's JSON text with one to three leaves replaced by hostile or odd JSON."""
    document = copy.deepcopy(document)
    paths = list(leaves(document))
    count = data.draw(st.integers(1, 3))
    chosen = list(dict.fromkeys(data.draw(st.sampled_from(paths)) for _ in range(count)))
    fragments = []
    for k, path in enumerate(chosen):
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = f"{PLACEHOLDER}{k}"
        fragments.append(data.draw(st.sampled_from(HOSTILE_JSON) | st.sampled_from(ODD_JSON)))
    text = json.dumps(document, ensure_ascii=False)
    for k, fragment in enumerate(fragments):
        text = text.replace(json.dumps(f"{PLACEHOLDER}{k}", ensure_ascii=False), fragment)
    return text


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_fuzz_hostile_leaves_are_scenario_errors_or_replays(
    data: st.DataObject, tmp_path: Path
) -> None:
    text = hostile_text(data.draw(st.sampled_from(EXAMPLE_DOCUMENTS)), data)
    path = tmp_path / "fuzz.json"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    out, err = io.StringIO(), io.StringIO()
    status = run_replay(str(path), out, err)  # anything but a ScenarioError escapes: a failure
    printed, message = out.getvalue(), err.getvalue()
    event(f"exit status {status}")
    printed.encode("utf-8")
    message.encode("utf-8")
    if status == 2:
        assert printed == "" or message.startswith(f"rankcore replay: {path}: steps[")
        assert message.startswith(f"rankcore replay: {path}: ") and message.count("\n") == 1
    else:
        assert status == 0 and message == ""
    for line in printed.splitlines():  # any reader's idea of a line: one JSON object each
        json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} printed"))
    # The same document handed over already parsed: a ScenarioError or a replay.
    try:
        document = json.loads(text)
    except (RecursionError, ValueError):
        return  # too deep, or too many digits, for Python's own reader
    try:
        for output in replay(document):
            json_line(output).encode("utf-8")
    except ScenarioError as exc:
        assert exc.problem
        one_line(str(exc)).encode("utf-8")


@settings(max_examples=100, deadline=None)
@given(name=st.text(min_size=1, max_size=20))
def test_fuzz_any_echoed_text_prints_as_utf8_or_is_refused(name: str) -> None:
    """Any text in a badge group's name, which the response echoes: lone surrogates are
    refused naming the field; anything else prints as UTF-8 and reads back the same."""
    document = badges()
    document["steps"][0]["request"]["body"]["name"] = name
    out, err = io.StringIO(), io.StringIO()
    path = "-"
    text = json.dumps(document)  # ASCII, with \\uXXXX escapes: surrogates pass through
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode()), "utf-8"))
        status = run_replay(path, out, err)
    out.getvalue().encode("utf-8")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        assert status == 2 and out.getvalue() == ""
        assert err.getvalue().startswith("rankcore replay: -: steps[0].request.body.name: ")
        return
    assert (status, err.getvalue()) == (0, ""), err.getvalue()
    first = json.loads(out.getvalue().splitlines()[0])
    assert first["status"] != 200 or first["body"]["data"]["name"] == name
