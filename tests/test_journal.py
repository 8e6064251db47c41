"""The write-ahead journal: what is journalled, recovery, torn tails, checkpoints, fsync
policies, exactly-once across recovery and the bounded memory of event ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_snapshot import HOUR, T0, small_world

from rankcore import (
    AwardIntervalClosed,
    Engine,
    InvalidArgument,
    ManualClock,
    MilestoneReached,
    PeriodClosed,
)
from rankcore.persistence.errors import JournalCorrupted, JournalError
from rankcore.persistence.journal import scan_journal


def journalled(tmp_path: Path, **args: Any) -> tuple[Engine, Path]:
    path = tmp_path / "engine.journal"
    return small_world(journal=path, **args), path


def records(path: Path) -> list[dict[str, Any]]:
    return list(scan_journal(path))


def test_every_accepted_mutation_is_one_record_and_refusals_none(tmp_path: Path) -> None:
    engine, path = journalled(tmp_path)
    ops = [r["op"] for r in records(path)]
    assert ops[:3] == ["add_org", "add_org", "create_target_group"]
    count = len(ops)
    engine.record_activity(1, 1, "points", 4, event_id="a")
    engine.record_activity(1, 1, "points", 4, event_id="a")  # a duplicate changes nothing
    for bad in (
        lambda: engine.record_activity(1, 99, "points", 4),
        lambda: engine.record_activity(1, 1, "points", float("nan")),
        lambda: engine.award("camp", "ann", 1, T0),  # before the campaign
        lambda: engine.create_badge_group(1, None, 1, user=1),
    ):
        with pytest.raises(Exception):  # noqa: B017 - each is a different refusal
            bad()
    found = records(path)
    assert len(found) == count + 1
    assert found[-1]["op"] == "record_activity" and found[-1]["args"]["event_id"] == "a"
    assert [r["n"] for r in found] == list(range(1, len(found) + 1))


def test_reopening_replays_to_the_identical_state_without_publishing(tmp_path: Path) -> None:
    engine, path = journalled(tmp_path)
    engine.advance_to(T0 + 3 * HOUR)
    engine.record_activity(1, 2, "points", 12, event_id="m")  # a milestone event
    engine.award("camp", "ann", 5, event_id="p")
    engine.enroll(1, 10, 12, 3)
    engine.advance_to(T0 + 30 * HOUR)  # closes a period and an interval
    engine.create_badge_group(1, "Gold", 1, user=4)
    state = engine.snapshot()
    engine.close()
    reopened = Engine(journal=path)
    assert reopened.snapshot() == state
    assert isinstance(reopened.clock, ManualClock) and reopened.now() == T0 + 30 * HOUR
    report = reopened.recovery
    assert report is not None and report.snapshot and report.replayed > 5
    assert report.problem is None and report.events == ()
    reopened.close()
    again = Engine(journal=path, replay_events=True)
    assert again.recovery is not None
    assert [type(e) for e in again.recovery.events].count(MilestoneReached) == 1


def test_a_retried_event_after_recovery_is_still_a_duplicate(tmp_path: Path) -> None:
    engine, path = journalled(tmp_path)
    engine.advance_to(T0 + 3 * HOUR)
    engine.record_activity(1, 2, "points", 3, event_id="m")
    engine.award("camp", "ann", 5, event_id="p")
    engine.close()
    reopened = Engine(journal=path)
    assert reopened.record_activity(1, 2, "points", 3, event_id="m").duplicate
    assert reopened.award("camp", "ann", 5, event_id="p").duplicate
    assert reopened.milestone_progress(1, 10, 11, 2, 100).value == 3


def test_a_torn_tail_is_reported_dropped_and_never_applied(tmp_path: Path) -> None:
    engine, path = journalled(tmp_path)
    engine.record_activity(1, 2, "points", 3, event_id="kept")
    before = engine.snapshot()
    engine.record_activity(1, 2, "points", 4, event_id="torn")
    engine.close()
    data = path.read_bytes()
    path.write_bytes(data[:-7])  # the last record loses its end
    reopened = Engine(journal=path)
    assert reopened.recovery is not None
    assert "incomplete" in str(reopened.recovery.problem)
    assert reopened.recovery.dropped_bytes > 0
    assert reopened.snapshot() == before
    reopened.record_activity(1, 2, "points", 4, event_id="torn")  # appends after the cut
    reopened.close()
    assert Engine(journal=path).snapshot() == reopened.snapshot()


def test_a_corrupted_last_record_is_dropped(tmp_path: Path) -> None:
    engine, path = journalled(tmp_path)
    before = engine.snapshot()
    engine.record_activity(1, 2, "points", 3, event_id="bad")
    engine.close()
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x04
    path.write_bytes(bytes(data))
    reopened = Engine(journal=path)
    assert reopened.recovery is not None and "checksum" in str(reopened.recovery.problem)
    assert reopened.snapshot() == before


def test_damage_before_the_end_is_refused(tmp_path: Path) -> None:
    engine, path = journalled(tmp_path)
    engine.record_activity(1, 2, "points", 3)
    engine.record_activity(1, 2, "points", 4)
    engine.close()
    lines = path.read_bytes().split(b"\n")
    lines[-3] = lines[-3].replace(b'"value":3', b'"value":9')
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(JournalCorrupted, match="damaged before its end"):
        Engine(journal=path)


def test_a_journal_without_its_snapshot_is_refused(tmp_path: Path) -> None:
    engine, path = journalled(tmp_path)
    engine.close()
    Path(str(path) + ".snapshot").unlink()
    with pytest.raises(JournalCorrupted, match="no snapshot"):
        Engine(journal=path)


def test_checkpoint_writes_a_snapshot_and_starts_a_fresh_journal(tmp_path: Path) -> None:
    engine, path = journalled(tmp_path)
    engine.record_activity(1, 2, "points", 3)
    old_journal = path.read_bytes()
    engine.checkpoint()
    assert records(path) == [] and scan_journal(path).after == len(old_journal.splitlines()) - 1
    engine.record_activity(1, 2, "points", 5)
    state = engine.snapshot()
    engine.close()
    reopened = Engine(journal=path)
    assert reopened.snapshot() == state and reopened.recovery is not None
    assert reopened.recovery.replayed == 1
    reopened.close()
    # A crash after the snapshot was written but before the journal was reset: the old
    # journal's records are already in the snapshot and are skipped, not applied twice.
    path.write_bytes(old_journal)
    stale = Engine(journal=path)
    assert stale.recovery is not None and stale.recovery.replayed == 0
    assert stale.milestone_progress(1, 10, 11, 2, 100).value == 3


@pytest.mark.parametrize("policy", ["always", "interval", "never"])
def test_every_fsync_policy_recovers_the_same_state(tmp_path: Path, policy: str) -> None:
    engine, path = journalled(tmp_path, fsync=policy, fsync_interval=0.01)
    engine.advance_to(T0 + 3 * HOUR)
    for n in range(20):
        engine.award("camp", "ann" if n % 2 else "bob", n, event_id=f"e{n}")
    state = engine.snapshot()
    engine.close()
    with pytest.raises(JournalError):
        engine.award("camp", "ann", 1)
    assert Engine(journal=path, fsync=policy).snapshot() == state


def test_bad_journal_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fsync"):
        Engine(journal=tmp_path / "j", fsync="sometimes")
    with pytest.raises(InvalidArgument, match="fsync_interval"):
        Engine(journal=tmp_path / "j", fsync="interval", fsync_interval=0)
    with pytest.raises(InvalidArgument, match="journal"):
        Engine().checkpoint()


def test_a_failing_journal_stops_the_engine_rather_than_lose_acknowledgements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _ = journalled(tmp_path)
    journal = engine._journal
    assert journal is not None

    def full(_: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal._file, "write", full)
    with pytest.raises(JournalError, match="No space"):
        engine.record_activity(1, 2, "points", 3)
    with pytest.raises(JournalError, match="no longer accepts"):
        engine.record_activity(1, 2, "points", 3)


# -- bounded memory for event ids ---------------------------------------------------------------


def remembered(engine: Engine) -> tuple[int, int]:
    """How many event ids the loyalty domain and the campaign remember, from the snapshot."""
    state = json.loads(engine.snapshot().split(b"\n")[1])
    loyalty = sum(len(rows) for _, rows in state["loyalty"]["event_ids"])
    campaign = sum(len(i["events"]) for i in state["campaigns"]["campaigns"][0]["intervals"])
    return loyalty, campaign


def test_loyalty_event_ids_are_kept_one_period_past_their_period_then_forgotten() -> None:
    engine = small_world()
    engine.advance_to(T0 + 3 * HOUR)
    for n in range(5):
        engine.record_activity(1, 1, "points", 1, event_id=f"d0-{n}")
    assert remembered(engine)[0] == 5
    engine.advance_to(T0 + 30 * HOUR)  # day 0 closed: retries are still duplicates
    assert engine.record_activity(1, 1, "points", 1, event_id="d0-1").duplicate
    engine.advance_to(T0 + 48 * HOUR)  # one period later: forgotten
    assert remembered(engine)[0] == 0
    with pytest.raises(PeriodClosed):  # a retry with its own time is still never counted
        engine.record_activity(1, 1, "points", 1, at=T0 + 3 * HOUR, event_id="d0-1")
    assert engine.milestone_progress(1, 10, 11, 1, 100).value == 5


def test_campaign_event_ids_are_kept_until_the_next_interval_closes() -> None:
    engine = small_world()
    engine.advance_to(T0 + 3 * HOUR)
    for n in range(4):
        engine.award("camp", "ann", 1, event_id=f"i1-{n}")
    engine.advance_to(T0 + 26 * HOUR)  # interval 1 closed, interval 2 open
    engine.award("camp", "bob", 1, event_id="i2-0")
    assert remembered(engine)[1] == 5
    assert engine.award("camp", "ann", 1, T0 + 3 * HOUR, event_id="i1-0").duplicate
    engine.advance_to(T0 + 50 * HOUR)  # interval 2 closed: interval 1's ids are forgotten
    assert remembered(engine)[1] == 1
    with pytest.raises(AwardIntervalClosed):
        engine.award("camp", "ann", 1, T0 + 3 * HOUR, event_id="i1-0")
    assert engine.award("camp", "bob", 1, T0 + 26 * HOUR, event_id="i2-0").duplicate
