"""Every public method of the engine, called with hostile arguments: it answers or raises a
``RankcoreError`` in the caller's terms, a refusal changes nothing, and the engine can
always still be saved and reopened from its journal."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_fuzz import HUGE
from test_snapshot import HOUR, T0, small_world

from rankcore import CustomerProfile, Engine, RankcoreError, Scope

SKIPPED = {"load", "save", "close", "checkpoint", "snapshot", "subscribe", "now", "clock"}
METHODS = sorted(
    name
    for name, member in inspect.getmembers(Engine)
    if not name.startswith("_") and callable(member) and name not in SKIPPED
)

anything = st.characters(codec=None)  # every code point, lone surrogates included
hostile = st.deferred(
    lambda: st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from(HUGE),
        st.integers(max_value=-1),
        st.floats(),
        st.text(alphabet=anything, max_size=12),
        st.sampled_from(
            [
                json.loads('"\\ud800"'),
                "x" * 10_000,
                "",
                "camp",
                "ann",
                "points",
                "localtime",
                "America",
                "Asia/Kolkata",
                "DAILY",
                "Ordinal",
                "milestone",
            ]
        ),
        st.sampled_from(
            [
                T0 + 3 * HOUR,
                T0 + 300 * HOUR,
                datetime(2024, 6, 1),
                datetime.max.replace(tzinfo=UTC),
                datetime.min.replace(tzinfo=timezone(timedelta(hours=14))),
                date(2024, 6, 1),
                timedelta(hours=1),
                ZoneInfo("UTC"),
                Scope(1, "ALL"),
                CustomerProfile(first_name="z"),
                object(),
                b"bytes",
                1,
                2,
                10,
                11,
                12,
                100,
            ]
        ),
        st.lists(hostile, max_size=3),
        st.dictionaries(st.text(max_size=4), hostile, max_size=3),
    )
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(METHODS),
    st.lists(hostile, max_size=5),
    st.dictionaries(st.sampled_from(["at", "event_id", "org", "page", "period_name"]), hostile),
)
def test_every_public_call_answers_or_refuses_in_the_callers_terms(
    tmp_path_factory: Any, name: str, args: list[Any], kwargs: dict[str, Any]
) -> None:
    path: Path = tmp_path_factory.mktemp("fuzz") / "j"
    engine = small_world(journal=path, fsync="never")  # durability is not what this tests
    engine.advance_to(T0 + 3 * HOUR)
    method = getattr(engine, name)
    try:
        inspect.signature(method).bind(*args, **kwargs)
    except TypeError:
        assume(False)  # a call Python itself refuses never reaches the engine
    before = engine.snapshot()
    try:
        method(*args, **kwargs)
    except RankcoreError:
        assert engine.snapshot() == before, f"a refused {name} changed the engine"
    state = engine.snapshot()
    engine.close()
    assert Engine(journal=path).snapshot() == state
