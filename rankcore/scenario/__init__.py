"""Scenario files: a JSON world plus timed steps, replayed through the engine and the router.

>>> from rankcore.scenario import replay
>>> scenario = {
...     "format": "rankcore.scenario/1",
...     "start": "2024-06-01T00:00:00Z",
...     "orgs": [{"id": 50156, "timezone": "UTC"}],
...     "steps": [{"at": "2024-06-01T00:00:00Z", "request": {
...         "org": 50156, "user": 1, "method": "POST", "path": "/api_gateway/v1/badges/group",
...         "body": {"name": "GOLD", "rank": 1}, "id": "6581281e8f68666070de15c5"}}],
... }
>>> [(line["step"], line["status"], line["body"]["data"]["id"]) for line in replay(scenario)]
[(0, 200, '6581281e8f68666070de15c5')]

See ``docs/scenarios.md`` for every field.
"""

from rankcore.scenario.command import run_replay
from rankcore.scenario.loader import load, loads, parse
from rankcore.scenario.model import (
    FORMAT,
    Action,
    Activity,
    BoardSpec,
    Call,
    CampaignSpec,
    CustomerSpec,
    Join,
    OrgSpec,
    PeriodSpec,
    Points,
    Scenario,
    ScenarioError,
    Step,
    Submit,
    TargetGroupSpec,
    TargetSpec,
    Tick,
)
from rankcore.scenario.replay import Line, Replayer, ScenarioIds, refusal, replay

__all__ = [
    "FORMAT",
    "Action",
    "Activity",
    "BoardSpec",
    "Call",
    "CampaignSpec",
    "CustomerSpec",
    "Join",
    "Line",
    "OrgSpec",
    "PeriodSpec",
    "Points",
    "Replayer",
    "Scenario",
    "ScenarioError",
    "ScenarioIds",
    "Step",
    "Submit",
    "TargetGroupSpec",
    "TargetSpec",
    "Tick",
    "load",
    "loads",
    "parse",
    "refusal",
    "replay",
    "run_replay",
]
