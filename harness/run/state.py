"""What a scenario run carries between its stages (``runner``, ``upgrade``): its state, and the
decision that ends it early."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.model.results import ScenarioResult, ServiceInfo, Status
from harness.planning.scenario import Scenario
from harness.run.sides import Provisioner, Side
from harness.services.base import Service
from harness.services.pool import Outcome


class Ended(Exception):  # not an error: a stage decided the scenario's status
    """A stage's decision: the scenario ends with ``status`` and ``detail``, or with ``result``."""

    def __init__(
        self, status: Status, detail: str = "", result: ScenarioResult | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.result = status, detail, result


@dataclass
class RunState:
    """One scenario being run: its services, sides and what its workloads left behind."""

    scenario: Scenario
    rundir: Path
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    infos: list[ServiceInfo] = field(default_factory=list)
    oracles: list[Side] = field(default_factory=list)
    attachments: dict[str, str] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)  # oracle transcripts from the cache
    output: str = ""
    clients: Provisioner | None = None  # version skew: the workloads run in another environment
    own: bool = False  # MLflow's own stores in the plugin's place (version skew's oracle)

    def services(self) -> dict[str, Service]:
        return {name: o.service for name, o in self.outcomes.items() if o.service}
