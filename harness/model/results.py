"""The results model: statuses, check and scenario results, the whole run."""

from __future__ import annotations

import contextlib
import enum
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion


class Status(str, enum.Enum):
    """How a check or a scenario ended."""

    PASSED = "passed"
    FAILED = "failed"  # a check found a defect in the plugin
    SKIPPED = "skipped"  # not applicable, with the reason
    ERROR = "error"  # the harness or the infrastructure broke
    # the plugin could not be put to the test (e.g. no URI known for its store): no verdict,
    # and not a pass either; the reason says what to give the harness
    INCONCLUSIVE = "inconclusive"


class Blame(str, enum.Enum):
    """Who is at fault for a check that did not pass: decided once, from facts."""

    PLUGIN = "plugin"  # the plugin under test behaves differently from every MLflow store
    MLFLOW = "mlflow"  # MLflow's own store does the same (an upstream finding)
    HARNESS = "harness"  # the harness itself raised or crashed
    INFRASTRUCTURE = "infrastructure"  # Docker, a service, a process that hung or died


@dataclass
class CheckResult:
    """One check's outcome. ``blame`` is set on every failed or errored check (failed: the
    plugin unless said otherwise; error: the infrastructure unless said otherwise); ``notes``
    are upstream findings: differences MLflow's own stores share, so not held against the
    plugin; ``problems`` are the individual findings behind ``detail``."""

    name: str
    status: Status
    detail: str = ""
    blame: Blame | None = None
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        if self.blame is not None:
            self.blame = Blame(self.blame)
        elif self.status is Status.FAILED:
            self.blame = Blame.PLUGIN
        elif self.status is Status.ERROR:
            self.blame = Blame.INFRASTRUCTURE
        if self.status in (Status.PASSED, Status.SKIPPED, Status.INCONCLUSIVE):
            self.blame = None


@dataclass
class ServiceInfo:
    name: str
    kind: str
    image: str
    substitute_for: str | None = None


@dataclass
class ScenarioResult:
    scenario: str
    mlflow_version: str
    status: Status
    reason: str = ""
    duration_s: float = 0.0
    services: list[ServiceInfo] = field(default_factory=list)
    stores: dict[str, str] = field(default_factory=dict)  # role -> URI (credentials masked)
    checks: list[CheckResult] = field(default_factory=list)
    output: str = ""  # workload output, attached to failures
    attachments: dict[str, str] = field(default_factory=dict)  # name -> file in the report dir
    logs: dict[str, str] = field(default_factory=dict)  # container -> last lines, on failure
    reused: list[str] = field(default_factory=list)  # oracle transcripts taken from the cache
    sandbox: list[dict[str, str]] = field(default_factory=list)  # what it tried to reach (reach)

    @classmethod
    def from_checks(
        cls,
        scenario: str,
        mlflow_version: str,
        checks: list[CheckResult],
        gates: tuple[str, ...] = (),
        **kw: Any,
    ) -> ScenarioResult:
        """Roll check results up: error beats failed beats inconclusive beats passed; all skipped
        is skipped, and so is a scenario whose substantive checks (all but the ``gates``) were
        all skipped."""
        statuses = {c.status for c in checks}
        for status in (Status.ERROR, Status.FAILED, Status.INCONCLUSIVE, Status.PASSED):
            if status in statuses:
                break
        else:
            status = Status.SKIPPED
        substantive = [c for c in checks if c.name not in gates]
        bad = [c for c in checks if c.status is status and status is not Status.PASSED]
        reason = "; ".join(f"{c.name}: {c.detail}" for c in bad)
        if status is Status.SKIPPED:
            reason = "; ".join(sorted({c.detail for c in checks})) or "no checks ran"
        elif (
            status is Status.PASSED
            and substantive
            and all(c.status is Status.SKIPPED for c in substantive)
        ):  # a hollow pass tests nothing
            status = Status.SKIPPED
            reason = "; ".join(f"{c.name}: {c.detail}" for c in substantive)
        return cls(scenario, mlflow_version, status, reason=reason, checks=checks, **kw)

    def notes(self) -> list[str]:
        """Upstream findings: differences MLflow's own stores share, noted by the checks."""
        return [f"{c.name}: {note}" for c in self.checks for note in c.notes]


@dataclass
class EntryPoint:
    group: str
    name: str
    value: str
    loaded: bool
    error: str | None = None
    overrides: bool = False  # it takes one of MLflow's own schemes (MLflow's store is replaced)


@dataclass
class PluginInfo:
    spec: str
    name: str
    version: str
    entry_points: list[EntryPoint]


_LOCK = threading.Lock()
_DEPTH: dict[tuple[int, str], list[Any]] = {}  # (timings, part) -> [open blocks, since]


@dataclass
class Timings:
    """Where a run's time went; the rest of its wall time is the harness's own overhead."""

    environments_s: float = 0.0  # building or finding the plugin's environments
    services_s: float = 0.0  # starting containers until they answer (the server's included)
    workloads_s: float = 0.0  # processes in the plugin's environment: probe, migrations,
    #                           workloads, read-backs; and the browser
    # where the scripts' seconds went: script -> phase (import_s, work_s, answer_s, launch_s)
    # -> seconds summed over its runs, and their "count" (environment.PluginEnv.profile)
    scripts: dict[str, dict[str, float]] = field(default_factory=dict)

    @contextlib.contextmanager
    def measure(self, part: str) -> Iterator[None]:
        """Add the time the block takes (however it ends) to ``part``, e.g. "workloads_s".
        Blocks that overlap (threads) count once: the wall time while any of them runs."""
        with _LOCK:
            depth = _DEPTH.setdefault((id(self), part), [0, 0.0])
            if depth[0] == 0:
                depth[1] = time.monotonic()
            depth[0] += 1
        try:
            yield
        finally:
            with _LOCK:
                depth[0] -= 1
                if depth[0] == 0:
                    setattr(self, part, getattr(self, part) + time.monotonic() - depth[1])
                    del _DEPTH[(id(self), part)]

    def add(self, other: Timings) -> None:
        self.environments_s += other.environments_s
        self.services_s += other.services_s
        self.workloads_s += other.workloads_s
        for script, phases in other.scripts.items():
            summed = self.scripts.setdefault(script, {})
            for phase, seconds in phases.items():
                summed[phase] = summed.get(phase, 0.0) + seconds


@dataclass
class RunReport:
    plugin: PluginInfo
    results: list[ScenarioResult]
    environments: list[dict[str, Any]] = field(default_factory=list)  # one per MLflow version
    run_id: str = ""
    secrets: set[str] = field(default_factory=set, repr=False)  # masked in every output
    timings: Timings = field(default_factory=Timings)
    # ``run --shard K/N``: which shard of which selection (``harness.planning.shard.Plan.record``)
    shard: dict[str, Any] | None = None

    def versions(self) -> list[str]:
        """The MLflow versions of the run, in the order they were tested."""
        return list(dict.fromkeys(r.mlflow_version for r in self.results))

    def matrix(self) -> dict[str, dict[str, dict[str, str]]]:
        """Scenario -> MLflow version -> {status, reason}: the compatibility matrix."""
        table: dict[str, dict[str, dict[str, str]]] = {}
        for result in self.results:
            table.setdefault(result.scenario, {})[result.mlflow_version] = {
                "status": result.status.value,
                "reason": result.reason,
            }
        return table

    def notes(self) -> list[str]:
        """Every upstream note of the run: what MLflow's own stores do the same way."""
        return [
            f"{r.scenario} (MLflow {r.mlflow_version}): {n}"
            for r in self.results
            for n in r.notes()
        ]

    def blames(self) -> dict[str, int]:
        """How many failed or errored checks each party is blamed for."""
        counts = {b.value: 0 for b in Blame}
        for result in self.results:
            for c in result.checks:
                if c.blame is not None:
                    counts[c.blame.value] += 1
        return counts

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    def exit_code(self) -> tuple[int, str]:
        """The process's exit code, and why (see ``outcome``)."""
        code, _, why = self.outcome()
        return code, why

    def outcome(self) -> tuple[int, Status, str]:
        """The run's exit code, the status it stands for, and why. 0 (passed): something
        passed, nothing failed, errored or was inconclusive; 1: a defect (failed, as is a run
        where nothing passed) or an inconclusive scenario; 3: an error.

        A found defect outranks an infrastructure error: it holds whatever else broke. An
        error outranks an inconclusive scenario: the run itself cannot be trusted.
        """
        if not self.results and self.shard is not None:  # more shards than work items
            shard = f"shard {self.shard['index']}/{self.shard['total']}"
            return 0, Status.PASSED, f"{shard} has no work: nothing to run"
        counts = self.summary()
        if counts["failed"]:
            return 1, Status.FAILED, f"{counts['failed']} scenario(s) failed"
        if counts["error"]:
            return 3, Status.ERROR, f"{counts['error']} scenario(s) ended in an error"
        if counts["inconclusive"]:
            return (
                1,
                Status.INCONCLUSIVE,
                (
                    f"{counts['inconclusive']} scenario(s) inconclusive, not a pass: "
                    "the plugin could not be put to the test (see the reasons)"
                ),
            )
        if not counts["passed"] and self.plugin.name and not self.plugin.entry_points:
            return (
                1,
                Status.FAILED,
                (
                    "not an MLflow plugin: the package declares no mlflow.* entry point, "
                    "so no scenario ran"
                ),
            )
        if not counts["passed"]:
            return 1, Status.FAILED, "nothing passed: every scenario was skipped"
        return 0, Status.PASSED, f"{counts['passed']} scenario(s) passed"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        """The inverse of ``to_dict`` (secrets excepted: they are never written)."""
        plugin = dict(data["plugin"])
        plugin["entry_points"] = [EntryPoint(**ep) for ep in plugin["entry_points"]]
        results = []
        for stored in data["results"]:
            item = dict(stored)
            item["status"] = Status(item["status"])
            item["services"] = [ServiceInfo(**s) for s in item["services"]]
            item["checks"] = [CheckResult(**c) for c in item["checks"]]
            results.append(ScenarioResult(**item))
        return cls(
            PluginInfo(**plugin),
            results,
            list(data["environments"]),
            data["run_id"],
            timings=Timings(**data.get("timings", {})),
            shard=data.get("shard"),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["secrets"]
        if self.shard is None:  # a whole run: merge takes it for shard 1/1 of its results
            del data["shard"]
        data["summary"] = self.summary()
        data["blame"] = self.blames()
        data["upstream_notes"] = {"count": len(self.notes()), "notes": self.notes()}
        data["matrix"] = self.matrix()
        return data


def run_order(
    results: list[ScenarioResult], scenarios: list[str], versions: list[str]
) -> list[ScenarioResult]:
    """``results`` in the order of a run without workers: by MLflow version, in the order
    ``versions`` asks for them, then by scenario, in the order of ``scenarios``.

    A version asked for as ``2.22`` is the ``2.22.0`` it resolved to, as pip reads
    ``mlflow==2.22``. Versions not asked for (the newest, when none was) come after the
    others, in the order they first appear; so do unknown scenarios. The sort is stable.
    """
    ranks = version_ranks([r.mlflow_version for r in results], versions)
    scenario_rank = {name: index for index, name in enumerate(scenarios)}
    return sorted(
        results,
        key=lambda r: (*ranks[r.mlflow_version], scenario_rank.get(r.scenario, len(scenarios))),
    )


def version_ranks(found: list[str], asked: list[str]) -> dict[str, tuple[int, int]]:
    """Each version found -> (the index of the version asked for that it is, or after them
    all; the order it first appears in)."""

    def rank(version: str) -> int:
        if version in asked:
            return asked.index(version)
        for index, wanted in enumerate(asked):
            try:
                if SpecifierSet(f"=={wanted}").contains(version, prereleases=True):
                    return index
            except (InvalidSpecifier, InvalidVersion):
                continue
        return len(asked)

    ranks: dict[str, tuple[int, int]] = {}
    for version in found:
        ranks.setdefault(version, (rank(version), len(ranks)))
    return ranks
