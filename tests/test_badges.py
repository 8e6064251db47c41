"""Badge groups (seed 003): unique case-sensitive names, mandatory rank, seeded ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from rankcore import Engine, InvalidArgumentType, ManualClock
from rankcore.loyalty import (
    BadgeGroupNameTaken,
    BadgeGroupRankMissing,
    InvalidInput,
    Scope,
    ScopeAllNotSupported,
)

NOW = datetime.fromtimestamp(1702963230.966423, UTC)


def _engine(seed: int = 0) -> Engine:
    engine = Engine(clock=ManualClock(NOW), seed=seed)
    engine.add_org(50157, "UTC")
    engine.add_org(50156, "Asia/Kolkata", connected=[50157])
    return engine


def test_seed_sample_fields() -> None:
    group = _engine().create_badge_group(50156, "GROUP_RANK_4", 2, user=123)
    assert re.fullmatch(r"[0-9a-f]{24}", group.id)
    assert (group.org, group.name, group.rank) == (50156, "GROUP_RANK_4", 2)
    assert (group.created_by, group.last_updated_by) == (123, 123)
    assert group.created_on == group.last_updated_on == pytest.approx(1702963230.966423)
    assert group.active is True


def test_ids_are_deterministic_per_seed() -> None:
    def first_id(seed: int) -> str:
        return _engine(seed).create_badge_group(50156, "g", 1, user=1).id

    assert first_id(7) == first_id(7) != first_id(8)


def test_names_are_unique_and_case_sensitive() -> None:
    engine = _engine()
    engine.create_badge_group(50156, "Gold", 1, user=1)
    engine.create_badge_group(50156, "gold", 1, user=1)
    engine.create_badge_group(50157, "Gold", 1, user=1)  # another org may reuse it
    with pytest.raises(BadgeGroupNameTaken) as taken:
        engine.create_badge_group(50156, "Gold", 5, user=2)
    assert (taken.value.code, taken.value.message) == (733, "Group Name should be Unique")
    assert len(engine.badge_groups(50156)) == 2


def test_rank_is_mandatory_and_input_is_checked() -> None:
    engine = _engine()
    with pytest.raises(BadgeGroupRankMissing) as missing:
        engine.create_badge_group(50156, "G", None, user=1)
    assert (missing.value.code, missing.value.message) == (732, "Group Rank is Mandatory")
    with pytest.raises(InvalidInput):
        engine.create_badge_group(50156, None, 1, user=1)
    with pytest.raises(InvalidInput):
        engine.create_badge_group(50156, "  ", 1, user=1)
    with pytest.raises(InvalidArgumentType):
        engine.create_badge_group(50156, "G", "2", user=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentType):
        engine.create_badge_group(50156, "G", True, user=1)
    with pytest.raises(ScopeAllNotSupported):
        engine.create_badge_group(Scope.all_connected(50156), "G", 1, user=1)
    assert engine.badge_groups(50156) == []


def test_listing_is_by_rank_then_creation() -> None:
    engine = _engine()
    for name, rank in [("c", 3), ("a", 1), ("b", 3), ("d", 2)]:
        engine.create_badge_group(50156, name, rank, user=1)
    engine.create_badge_group(Scope.other(50156, [50157]), "x", 0, user=1)
    assert [g.name for g in engine.badge_groups(50156)] == ["a", "d", "c", "b"]
    assert [g.name for g in engine.badge_groups(Scope.all_connected(50156))] == [
        "x", "a", "d", "c", "b",
    ]  # fmt: skip
