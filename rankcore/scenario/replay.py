"""Running a scenario: build its world on a manual clock, then run its steps in order.

:func:`replay` yields one JSON-ready dict per line of output: ``{"step", "status", "body"}``
for each request step, and ``{"step", "error"}`` for each activity, points, submit or join
step the domain refuses. The same scenario always gives the same output: the clock is
manual, the engine's id generator is seeded from the scenario's ``seed``, and request ids
derive from requests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from rankcore.api.http import Request
from rankcore.api.router import handle
from rankcore.engine import Engine
from rankcore.errors import RankcoreError, VendorError
from rankcore.ids import IdGenerator
from rankcore.scenario.loader import load
from rankcore.scenario.model import (
    Activity,
    Call,
    Join,
    OrgSpec,
    Points,
    Scenario,
    ScenarioError,
    Step,
    Submit,
    Tick,
)
from rankcore.timeline.clock import ManualClock

__all__ = ["Line", "Replayer", "ScenarioIds", "refusal", "replay"]

Line = dict[str, Any]
"""One line of replay output, ready for :func:`json.dumps`."""


def replay(scenario: Scenario | str | os.PathLike[str] | Mapping[str, Any]) -> Iterator[Line]:
    """Replay ``scenario`` (a :class:`Scenario`, a path, or a parsed JSON object).

    The scenario is loaded and its world built before this returns, so every
    :class:`ScenarioError` is raised here, before any step runs; the steps run as the result
    is iterated. O(size of the world) here, then the cost of each step.
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    replayer = Replayer(scenario)
    replayer.build()
    return replayer.run()


def refusal(error: RankcoreError) -> dict[str, Any]:
    """How a refused activity or points step is reported: the error's class name, the vendor
    ``code`` and ``message`` (``None`` when the vendor has none) and rankcore's ``detail``.
    O(1)."""
    vendor = error if isinstance(error, VendorError) else None
    return {
        "type": type(error).__name__,
        "code": None if vendor is None else vendor.code,
        "message": None if vendor is None else vendor.message,
        "detail": str(error),
    }


class Replayer:
    """One run of a scenario: the engine it drives, built from the scenario's world.

    Use :func:`replay` for the output lines; use a :class:`Replayer` to keep the engine
    afterwards (simulations and benchmarks inspect it).
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.ids = ScenarioIds(scenario.seed)
        self.engine = Engine(clock=ManualClock(scenario.start), ids=self.ids)
        self._built = False

    def build(self) -> Engine:
        """Create the world (orgs, customers, target groups, campaigns) at the start time.

        Idempotent. A world the engine refuses raises :class:`ScenarioError` naming the
        entry. O(size of the world).
        """
        if not self._built:
            self._built = True
            self._build()
        return self.engine

    def run(self) -> Iterator[Line]:
        """Run every step in order, yielding the output lines. O(cost of the steps).

        A step that fails other than by a domain refusal of its event (which is a line)
        raises :class:`ScenarioError` naming the step, such as ``steps[4]``.
        """
        self.build()
        for step in self.scenario.steps:
            try:
                lines = self.step(step)
            except ScenarioError:
                raise
            except RankcoreError as exc:
                raise ScenarioError(
                    f"steps[{step.index}]", f"refused by the engine: {exc}"
                ) from exc
            yield from lines

    def step(self, step: Step) -> list[Line]:
        """Run one step and return its output lines (none for a step that went well, unless
        it is a request). Steps must be run in order. O(cost of the step)."""
        engine, action = self.engine, step.action
        if step.at >= engine.now():
            engine.advance_to(step.at)
        elif not isinstance(action, (Activity, Points, Submit)):
            raise ScenarioError(
                f"steps[{step.index}].at",
                f"{step.at.isoformat()} is earlier than the clock ({engine.now().isoformat()})",
            )
        if isinstance(action, Call):
            return [self._request(step.index, action)]
        if isinstance(action, Activity):
            return self._activity(step, action)
        if isinstance(action, Points):
            try:
                engine.award(
                    action.campaign, action.source_id, action.points, step.at,
                    event_id=action.event_id,
                )  # fmt: skip
            except RankcoreError as exc:
                return [{"step": step.index, "error": refusal(exc)}]
            return []
        if isinstance(action, Submit):
            try:
                engine.submit(
                    action.org, action.board, action.member, action.score,
                    subscore=action.subscore, meta=action.meta, at=step.at,
                    event_id=action.event_id,
                )  # fmt: skip
            except RankcoreError as exc:
                return [{"step": step.index, "error": refusal(exc)}]
            return []
        if isinstance(action, Join):
            try:
                engine.join(action.org, action.board, action.member)
            except RankcoreError as exc:
                return [{"step": step.index, "error": refusal(exc)}]
            return []
        assert isinstance(action, Tick)
        return []

    # -- internals ------------------------------------------------------------------------------

    def _activity(self, step: Step, action: Activity) -> list[Line]:
        lines: list[Line] = []
        record = self.engine.record_activity
        for k in range(action.count):
            customer = action.customer + k
            event_id = action.event_id
            if event_id is not None and action.count > 1:
                event_id = f"{event_id}-{k}"
            try:
                record(action.org, customer, action.metric, action.value, step.at, event_id)
            except RankcoreError as exc:
                line: Line = {"step": step.index}
                if action.count > 1:
                    line["customer"] = customer
                line["error"] = refusal(exc)
                lines.append(line)
        return lines

    def _request(self, index: int, call: Call) -> Line:
        request = Request(
            call.method,
            call.path,
            call.org,
            call.user,
            query=call.query,
            headers=call.headers,
            body=call.body,
        )
        self.ids.expect(call.id)
        try:
            response = handle(self.engine, request)
        finally:
            self.ids.expect(None)
        return {"step": index, "status": response.status, "body": response.body}

    def _build(self) -> None:
        engine, scenario = self.engine, self.scenario
        where = ""
        try:
            for i, (org, links) in enumerate(
                zip(scenario.orgs, _links(scenario.orgs), strict=True)
            ):
                where = f"orgs[{i}]"
                engine.add_org(org.id, org.timezone, leaderboards=org.leaderboards, connected=links)
            for i, customer in enumerate(scenario.customers):
                where = f"customers[{i}]"
                for customer_id in range(customer.id, customer.id + customer.count):
                    engine.add_customer(
                        customer.org,
                        customer_id,
                        first_name=customer.first_name,
                        last_name=customer.last_name,
                        mobile=customer.mobile,
                        email=customer.email,
                        gender=customer.gender,
                        birthday=customer.birthday,
                        anniversary=customer.anniversary,
                    )
            for i, group in enumerate(scenario.target_groups):
                where = f"target_groups[{i}]"
                engine.create_target_group(
                    group.org, group.id, group.name, active=group.active,
                    leaderboard=group.leaderboard,
                )  # fmt: skip
                for j, period in enumerate(group.periods):
                    where = f"target_groups[{i}].periods[{j}]"
                    engine.add_period(
                        group.org, group.id, period.id, ref_code=period.ref_code,
                        name=period.name, start=period.start, end=period.end,
                    )  # fmt: skip
                for j, target in enumerate(group.targets):
                    where = f"target_groups[{i}].targets[{j}]"
                    engine.add_target(
                        group.org,
                        group.id,
                        target.id,
                        name=target.name,
                        type=target.type,
                        metric=target.metric,
                        value=target.value,
                        streak_length=target.streak_length,
                        leaderboard=target.leaderboard,
                        ties=target.ties,
                        order=target.order,
                        enrollment=target.enrollment,
                    )
            for i, campaign in enumerate(scenario.campaigns):
                where = f"campaigns[{i}]"
                engine.create_campaign(
                    campaign.org,
                    recurrence=campaign.recurrence,
                    start=campaign.start,
                    end=campaign.end,
                    brackets=campaign.reward_brackets,
                    order=campaign.order,
                    ties=campaign.ties,
                    campaign_id=campaign.id,
                    activity_ids=campaign.activity_ids,
                )
            for i, board in enumerate(scenario.boards):
                where = f"boards[{i}]"
                engine.create_board(
                    board.org,
                    board.id,
                    order=board.order,
                    ties=board.ties,
                    subscore=board.subscore,
                    operator=board.operator,
                    reset=board.reset,
                    brackets=board.reward_brackets,
                    join_required=board.join_required,
                    capacity=board.capacity,
                    max_submissions=board.max_submissions,
                    grace=timedelta(seconds=board.grace),
                    start=board.start,
                    end=board.end,
                    retention=board.retention,
                )
        except RankcoreError as exc:
            raise ScenarioError(where, f"refused by the engine: {exc}") from exc


def _links(orgs: tuple[OrgSpec, ...]) -> list[list[int]]:
    """The connections to make as each org registers, in the order of ``orgs``.

    Connections go both ways, and the engine links only orgs it knows: so a link is made when
    the second of its two orgs registers, whichever of them lists it. A link to an org that
    is not in the world has nothing to link to (such an org has no data) and is left out.
    O(orgs + connections).
    """
    known = {org.id for org in orgs}
    registered: set[int] = set()
    waiting: dict[int, list[int]] = {}  # org id -> the earlier orgs that listed it
    result = []
    for org in orgs:
        links = [other for other in org.connected if other in registered]
        links += waiting.pop(org.id, [])
        for other in org.connected:
            if other in known and other not in registered and other != org.id:
                waiting.setdefault(other, []).append(org.id)
        registered.add(org.id)
        result.append(list(dict.fromkeys(links)))
    return result


class ScenarioIds(IdGenerator):
    """The engine's id generator during a replay: seeded, but handing out the id a request
    step asks for (its ``id`` field, say a badge group's) through :meth:`expect`.

    Interval ids need no help: campaigns take their ``activity_ids`` directly.
    """

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self._pending: str | None = None

    def expect(self, hint: str | None) -> None:
        """Hand out ``hint`` as the next id (``None``: no hint). O(1)."""
        self._pending = hint

    def token(self, prefix: str, length: int) -> str:
        """The hinted id if one is pending with this prefix, else a seeded one."""
        if self._pending is not None and self._pending.startswith(prefix):
            hint, self._pending = self._pending, None
            return hint
        return super().token(prefix, length)

    def hex(self, length: int) -> str:
        """The hinted id if one is pending, else ``length`` seeded hexadecimal digits."""
        if self._pending is not None:
            hint, self._pending = self._pending, None
            return hint
        return super().hex(length)
