"""The engine's write path and persistence under hostile conditions: a clock that moves
between two readings, input that cannot be encoded, a second opener of one journal, failing
subscribers, interrupted checkpoints, failing file systems and malformed snapshots."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_snapshot import HOUR, T0, small_world

from rankcore import (
    AwardRefused,
    Engine,
    IntervalClosed,
    InvalidArgument,
    InvalidArgumentType,
    JournalCorrupted,
    JournalError,
    JournalLocked,
    ManualClock,
    PersistenceError,
    RankcoreError,
    SnapshotCorrupted,
    SystemClock,
)
from rankcore.persistence.journal import scan_journal
from rankcore.persistence.snapshot import decode_snapshot, encode_snapshot

US = timedelta(microseconds=1)


class CreepingClock:
    """A clock that moves one microsecond on every reading, like a busy system clock."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def now(self) -> datetime:
        self.t += US
        return self.t


def boundary_world(clock: Any, journal: Path, end: datetime) -> Engine:
    """Org 1 with a daily campaign ``camp`` whose first interval ends at ``end``, a
    campaign_duration campaign ``whole`` ending at ``end``, and a loyalty period ending at
    ``end`` with a milestone on ``points``; customer 7."""
    engine = Engine(clock=clock, journal=journal)
    start = end - timedelta(hours=1)
    engine.add_org(1, "UTC")
    engine.create_campaign(
        1, recurrence="daily", start=start, end=end + timedelta(days=3), campaign_id="camp"
    )
    engine.create_campaign(
        1, recurrence="campaign_duration", start=start, end=end, campaign_id="whole"
    )
    engine.create_target_group(1, 10, "group")
    engine.add_period(1, 10, 100, ref_code="p", name="P", start=start, end=end)
    engine.add_period(1, 10, 101, ref_code="q", name="Q", start=end, end=end + HOUR)
    engine.add_target(1, 10, 11, name="t", type="MILESTONE", metric="points", value=10)
    engine.add_customer(1, 7)
    return engine


# -- 1. the journal records the instant the operation acted at --------------------------------


@pytest.mark.parametrize("operation", ["interval", "campaign_end", "period"])
def test_an_operation_just_before_a_boundary_is_replayed_before_it(
    tmp_path: Path, operation: str
) -> None:
    end = datetime(2024, 6, 1, tzinfo=UTC)  # a daily interval ends at midnight UTC
    path = tmp_path / "j"
    clock = CreepingClock(end - timedelta(minutes=5))
    engine = boundary_world(clock, path, end)
    clock.t = end - 2 * US  # the operation's first reading is the last microsecond before
    if operation == "interval":
        engine.award("camp", "ann", 5, event_id="e")
        engine.tick()  # closes the interval: ann is paid in it
        assert [e.points for e in engine.campaign_page(1, "camp", activity_id=None)] == []
    elif operation == "campaign_end":
        engine.award("whole", "ann", 5, event_id="e")
    else:
        engine.record_activity(1, 7, "points", 5, event_id="e")
    engine.tick()
    state = engine.snapshot()
    engine.close()
    reopened = Engine(journal=path, clock=CreepingClock(clock.t))
    assert reopened.snapshot() == state
    if operation == "period":
        assert reopened.milestone_progress(1, 10, 11, 7, 100).value == 5


def test_a_system_clock_loop_across_an_end_recovers_exactly(tmp_path: Path) -> None:
    """Awards through a real system clock right up to a campaign's end a few hundred ms
    away: every accepted award replays inside the campaign."""
    path = tmp_path / "j"
    engine = Engine(journal=path, fsync="never")
    now = engine.now()
    end = now + timedelta(milliseconds=300)
    engine.add_org(1, "UTC")
    engine.create_campaign(
        1, recurrence="campaign_duration", start=now - HOUR, end=end, campaign_id="whole"
    )
    accepted = refused = 0
    deadline = time.monotonic() + 5
    while refused < 200 and time.monotonic() < deadline:
        try:
            engine.award("whole", f"s{accepted % 50}", 1, event_id=f"e{accepted + refused}")
            accepted += 1
        except AwardRefused:
            refused += 1
    assert accepted > 0 and refused > 0
    state = engine.snapshot()
    engine.close()
    reopened = Engine(journal=path)
    assert reopened.snapshot() == state
    pages = [reopened.campaign_page(1, "whole", page) for page in (1, 2, 3)]
    assert sum(entry.points for page in pages for entry in page) == accepted


# -- 2. nothing is applied that cannot be recorded --------------------------------------------

SURROGATE = json.loads('"\\ud800"')


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.create_badge_group(1, "bad" + SURROGATE, 1, user=4),
        lambda e: e.award("camp", SURROGATE, 1, T0 + 3 * HOUR),
        lambda e: e.award("camp", "ann", 1, T0 + 3 * HOUR, event_id=SURROGATE),
        lambda e: e.record_activity(1, 1, "points", 1, event_id="x" + SURROGATE),
        lambda e: e.record_activity(1, 1, SURROGATE, 1),
        lambda e: e.add_customer(1, 99, first_name=SURROGATE),
        lambda e: e.create_target_group(1, 77, SURROGATE),
        lambda e: e.add_org(10**5000, "UTC"),
        lambda e: e.add_customer(1, 10**5000),
        lambda e: e.register(1, "z" * 10 + SURROGATE),
    ],
)
@pytest.mark.parametrize("journalled", [True, False])
def test_input_that_cannot_be_encoded_is_refused_and_changes_nothing(
    tmp_path: Path, call: Any, journalled: bool
) -> None:
    path = tmp_path / "j"
    engine = small_world(journal=path) if journalled else small_world()
    engine.advance_to(T0 + 3 * HOUR)
    before = engine.snapshot()
    with pytest.raises(InvalidArgument):
        call(engine)
    assert engine.snapshot() == before
    engine.award("camp", "ann", 1, event_id="after")  # the engine still works
    state = engine.snapshot()
    if journalled:
        engine.close()
        assert Engine(journal=path).snapshot() == state


# -- 3. one journal, one writer ---------------------------------------------------------------


def test_a_second_engine_on_an_open_journal_is_refused_and_the_first_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j"
    first = small_world(journal=path)
    with pytest.raises(JournalLocked, match="another engine"):
        Engine(journal=path)
    first.advance_to(T0 + 3 * HOUR)
    first.award("camp", "ann", 4, event_id="a")
    state = first.snapshot()
    first.close()
    assert Engine(journal=path).snapshot() == state


def test_an_engine_in_another_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j"
    first = small_world(journal=path)
    code = (
        "import sys\n"
        "from rankcore import Engine, JournalLocked\n"
        "try:\n"
        "    Engine(journal=sys.argv[1])\n"
        "except JournalLocked as exc:\n"
        "    print('locked:', exc)\n"
        "    sys.exit(3)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 3, child.stderr
    assert "another engine" in child.stdout
    first.record_activity(1, 1, "points", 2)  # unaffected
    first.close()
    again = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0, again.stdout + again.stderr


# -- 4. subscribers cannot break the engine ---------------------------------------------------


def test_a_failing_subscriber_is_logged_and_interrupts_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = small_world()
    seen: list[object] = []

    def webhook_down(event: object) -> None:
        raise ConnectionError("webhook is down")

    engine.subscribe(IntervalClosed, webhook_down)
    engine.subscribe(object, seen.append)
    engine.advance_to(T0 + 3 * HOUR)
    engine.award("camp", "ann", 5, event_id="a")
    engine.award("camp", "bob", 3, event_id="b")
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    clock.set(T0 + 24 * HOUR + HOUR)
    # this award's call closes the interval first: the failing webhook must not stop it
    award = engine.award("camp", "cy", 1, event_id="c")
    assert award.standing is not None and award.standing.rank == 1 and award.sequence == 2
    closed = [e for e in seen if isinstance(e, IntervalClosed)]
    assert len(closed) == 1 and [p.source_id for p in closed[0].payouts] == ["ann", "bob"]
    failures = [r for r in caplog.records if r.name == "rankcore.events"]
    assert failures and failures[0].exc_info is not None
    assert isinstance(failures[0].exc_info[1], ConnectionError)


def test_subscribe_refuses_what_is_not_a_type_or_not_callable() -> None:
    engine = small_world()
    with pytest.raises(InvalidArgumentType):
        engine.subscribe("IntervalClosed", print)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentType):
        engine.subscribe(IntervalClosed, "print")  # type: ignore[arg-type]


# -- 5. recovery holes ------------------------------------------------------------------------


def test_a_missing_journal_beside_a_snapshot_that_saw_writes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j"
    engine = small_world(journal=path)
    engine.checkpoint()
    engine.close()
    path.unlink()
    with pytest.raises(JournalCorrupted, match="missing"):
        Engine(journal=path)


def test_power_loss_inside_checkpoint_recovers_twice(tmp_path: Path) -> None:
    """The snapshot was written, the journal's reset and its last records were lost: the
    snapshot is ahead of the journal. Both restarts work and lose nothing."""
    path = tmp_path / "j"
    engine = small_world(journal=path)
    engine.advance_to(T0 + 3 * HOUR)
    engine.award("camp", "ann", 1, event_id="a")
    behind = path.read_bytes()  # what the disk still held of the journal
    engine.award("camp", "bob", 2, event_id="b")
    engine.checkpoint()
    state = engine.snapshot()
    engine.close()
    path.write_bytes(behind)
    first = Engine(journal=path)
    assert first.snapshot() == state
    assert first.recovery is not None and "afresh" in str(first.recovery.problem)
    first.award("camp", "cy", 3, event_id="c")
    after = first.snapshot()
    first.close()
    second = Engine(journal=path)
    assert second.snapshot() == after


def test_saves_of_two_engines_to_one_path_never_corrupt_it(tmp_path: Path) -> None:
    target = tmp_path / "shared.snapshot"
    engines = [small_world(), small_world()]
    engines[1].advance_to(T0 + 5 * HOUR)
    states = {engine.snapshot() for engine in engines}
    errors: list[BaseException] = []

    def save_many(engine: Engine) -> None:
        try:
            for _ in range(60):
                engine.save(target)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save_many, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Engine.load(target).snapshot() in states
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_stale_temporary_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "s.snapshot"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f".{target.name}.{dead.stdout.strip()}.abc.tmp"
    live = tmp_path / f".{target.name}.{os.getpid()}.inflight.tmp"
    stale.write_bytes(b"half a snapshot")
    live.write_bytes(b"another writer of this process")
    small_world().save(target)
    assert not stale.exists() and live.exists()


def test_after_a_failed_append_snapshot_and_save_refuse_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = small_world(journal=tmp_path / "j")
    engine.advance_to(T0 + 3 * HOUR)

    def no_space(_: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("rankcore.persistence.journal.os.fsync", no_space)
    with pytest.raises(JournalError, match="No space"):
        engine.award("camp", "ann", 4, event_id="lost")
    monkeypatch.undo()
    for refused in (engine.snapshot, lambda: engine.save(tmp_path / "s"), engine.tick):
        with pytest.raises(JournalError):
            refused()
    assert not (tmp_path / "s").exists()


def _mutations(state: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every leaf of a plain JSON state."""
    if isinstance(state, dict):
        return [p for k, v in state.items() for p in _mutations(v, (*path, k))]
    if isinstance(state, list):
        return [p for i, v in enumerate(state) for p in _mutations(v, (*path, i))]
    return [path]


def _replace(state: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(state) if isinstance(state, dict) else list(state)
    copy[path[0]] = _replace(state[path[0]], path[1:], value)
    return copy


def _busy_engine() -> Engine:
    engine = small_world()
    engine.advance_to(T0 + 3 * HOUR)
    engine.award("camp", "ann", 5, event_id="a")
    engine.record_activity(1, 2, "points", 4, event_id="m")
    engine.enroll(1, 10, 12, 3)
    engine.record_activity(1, 3, "visits", 1)
    engine.create_badge_group(1, "Gold", 1, user=4)
    engine.advance_to(T0 + 26 * HOUR)
    return engine


BUSY_STATE = decode_snapshot(_busy_engine().snapshot())
LEAVES = _mutations(BUSY_STATE)
HOSTILE = [
    "x",
    "",
    -1,
    10**30,
    2**63,
    1.5,
    None,
    True,
    [],
    {},
    "Nowhere/Zone",
    "9999-12-31T23:59:59+00:00",
    "2024-06-01T00:00:00",
]


def _exercise(engine: Engine) -> None:
    """Every read the restored engine offers, then a write and a snapshot."""
    engine.tick()
    engine.campaign_leaderboard(1, "camp")
    engine.campaign_intervals(1, "camp")
    engine.target_leaderboard(1, 10, 11, limit=50)
    engine.streak_progress(1, 10, 12, 3)
    engine.badge_groups(1)
    engine.customer(1, 2)
    engine.snapshot()
    engine.advance_to(engine.now() + 30 * HOUR)
    engine.snapshot()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LEAVES), st.sampled_from(HOSTILE))
def test_a_snapshot_with_a_valid_digest_but_malformed_state_is_refused_whole(
    leaf: tuple[Any, ...], value: Any
) -> None:
    data = encode_snapshot(_replace(BUSY_STATE, leaf, value))
    try:
        engine = _load(data)
    except SnapshotCorrupted:
        return
    with contextlib.suppress(RankcoreError):  # a refusal in the caller's terms is fine
        _exercise(engine)


def _load(data: bytes) -> Engine:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "s"
        path.write_bytes(data)
        return Engine.load(path, clock=ManualClock(T0 + 26 * HOUR))


# -- 7. recovery cost -------------------------------------------------------------------------


def test_checkpoint_every_bounds_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "j"
    engine = small_world(journal=path, checkpoint_every=10)
    engine.advance_to(T0 + 3 * HOUR)
    for n in range(35):
        engine.award("camp", f"s{n % 7}", 1, event_id=f"e{n}")
    assert len(list(scan_journal(path))) < 10
    state = engine.snapshot()
    engine.close()
    reopened = Engine(journal=path, checkpoint_every=None)
    assert reopened.snapshot() == state
    assert reopened.recovery is not None and reopened.recovery.replayed < 10


@pytest.mark.parametrize("bad", [0, -3, True, 1.5, "10"])
def test_checkpoint_every_must_be_a_positive_int(tmp_path: Path, bad: Any) -> None:
    with pytest.raises((InvalidArgument, InvalidArgumentType)):
        Engine(journal=tmp_path / "j", checkpoint_every=bad)


def test_a_failed_checkpoint_leaves_a_working_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j"
    engine = small_world(journal=path)
    engine.advance_to(T0 + 3 * HOUR)
    engine.award("camp", "ann", 1, event_id="a")

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("rankcore.persistence.snapshot.os.replace", full)
    with pytest.raises(PersistenceError, match=r"j\.snapshot'.*No space"):
        engine.checkpoint()
    monkeypatch.undo()
    engine.award("camp", "bob", 2, event_id="b")
    state = engine.snapshot()
    engine.close()
    assert Engine(journal=path).snapshot() == state


# -- file-system failures in the caller's terms -----------------------------------------------


def test_file_system_failures_are_persistence_errors_naming_the_users_path(
    tmp_path: Path,
) -> None:
    engine = small_world()
    directory = tmp_path / "a-directory"
    directory.mkdir()
    with pytest.raises(PersistenceError, match="a-directory"):
        engine.save(directory)
    with pytest.raises(PersistenceError, match="missing"):
        engine.save(tmp_path / "missing" / "s")
    with pytest.raises(PersistenceError, match="nothing-here"):
        Engine.load(tmp_path / "nothing-here")
    with pytest.raises(PersistenceError, match="a-directory"):
        Engine(journal=directory)
    with pytest.raises(InvalidArgumentType):
        engine.save(42)  # type: ignore[arg-type]


# -- clocks -----------------------------------------------------------------------------------


def test_the_engine_checks_its_clock() -> None:
    with pytest.raises(InvalidArgumentType):
        Engine(clock="system")  # type: ignore[arg-type]
    engine = Engine(clock=SystemClock())
    with pytest.raises(InvalidArgument, match="later than the system clock"):
        engine.advance_to(engine.now() + timedelta(days=1))
    engine.advance_to(engine.now() - timedelta(days=1))  # closes what is due, moves nothing
    manual = Engine(clock=ManualClock(T0))
    with pytest.raises(InvalidArgument):
        manual.advance_to(T0 - HOUR)


def test_a_closed_engine_refuses_reads_and_writes_but_can_be_saved(tmp_path: Path) -> None:
    engine = small_world(journal=tmp_path / "j", fsync="ALWAYS")  # enums in any case
    state = engine.snapshot()
    engine.close()
    engine.close()  # idempotent
    for call in (lambda: engine.org(1), engine.now, engine.tick, lambda: engine.badge_groups(1)):
        with pytest.raises(JournalError, match="closed"):
            call()
    assert engine.snapshot() == state
    engine.save(tmp_path / "copy")
    assert Engine.load(tmp_path / "copy").snapshot() == state
