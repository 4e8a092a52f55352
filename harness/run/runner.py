"""One scenario in one plugin environment: gates, services, sides, workloads, checks, blame.

``ScenarioRun.__call__`` is the pipeline the diagram in docs/architecture.md shows. Each stage
either hands its result to the next or ends the scenario (``Ended``) with the one status that
says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.checks import GATES, Evidence, run_check
from harness.env.environment import PluginEnv, ScriptFailed, script_environment
from harness.kinds import KINDS, Context
from harness.model.config import Settings
from harness.model.results import Blame, CheckResult, ScenarioResult, ServiceInfo, Status, Timings
from harness.planning.plan import (
    Builtin,
    NeedsTemplate,
    NotPlaceable,
    broken_capabilities,
    builtins,
    skip_reason,
    unmet,
    unplaceable,
    untested,
)
from harness.planning.scenario import Scenario
from harness.run.attempts import Attempts, explain
from harness.run.examine import Examiner
from harness.run.faults import FaultWindow
from harness.run.served import ServerMode, container_logs
from harness.run.sides import Provisioner, Side
from harness.run.state import Ended, RunState
from harness.run.transcripts import Transcripts, identity
from harness.services.pool import ServicePool


class ScenarioRun:
    """Runs one scenario in the plugin environment against its services and judges the evidence."""

    def __init__(
        self,
        env: PluginEnv,
        probe: dict[str, Any],
        settings: Settings,
        pool: ServicePool,
        report_dir: Path,
        progress: Callable[[str], None],
        timings: Timings | None = None,
        knobs: dict[str, Any] | None = None,
        fresh: bool = False,
    ) -> None:
        """``fresh``: no oracle transcript reused, no processes overlapped (with fresh ones)."""
        self.env, self.probe, self.settings, self.progress = env, probe, settings, progress
        self.transcripts, self.overlap = Transcripts(identity(env), reuse=not fresh), not fresh
        self.knobs = knobs or {}  # workload options given on the command line
        self.pool, self.report_dir = pool, report_dir
        self.timings = timings or Timings()
        templates = self.transcripts.templates(env)
        self.provisioner = Provisioner(env, probe, settings, progress, self.timings, templates)
        self.server_mode = ServerMode(self.provisioner, pool)
        self.examiner = Examiner(self.provisioner)

    def __call__(
        self,
        scenario: Scenario,
        rundir: Path,
        clients: Provisioner | None = None,
        own: bool = False,
    ) -> ScenarioResult:
        """Run ``scenario`` in ``rundir``. Version skew: a server-mode scenario's workloads, its
        clients, run in the ``clients`` environment; ``own``: on MLflow's own stores."""
        started, run = time.monotonic(), RunState(scenario, rundir, clients=clients, own=own)
        version = self.env.mlflow_version
        try:
            self.gate(scenario)  # decided from the probe alone: nothing has started
            self.attach_services(run)
            side = self._sides(run)
            if scenario.server:
                side = self._served(run, side)
            try:
                evidence, attempts = self._workloads(run, side)
                checks = self.judge(run, side, evidence, attempts)
                logs = self._logs_if_failed(run, side, checks)
            finally:
                if side.server:
                    side.server.stop()
        except Ended as ended:
            return ended.result or ScenarioResult(
                scenario.name, version, ended.status, ended.detail, services=run.infos
            )
        return ScenarioResult.from_checks(
            scenario.name,
            version,
            checks,
            gates=GATES if scenario.workloads else (),
            duration_s=round(time.monotonic() - started, 2),
            services=run.infos,
            stores=side.uris(),
            output=run.output[-20000:],
            attachments=run.attachments,
            logs=logs,
            reused=run.reused,
        )

    def gate(self, scenario: Scenario) -> None:
        """What the probe alone decides: MLflow broken, entry points that fail to load, a
        scenario that does not apply, needs unmet, stores with no place on its services."""
        eps = self.probe.get("entry_points", [])
        if why := self.probe.get("import_mlflow_error"):  # nothing of MLflow can run
            found = CheckResult("entry-points", Status.FAILED, why, Blame.PLUGIN)
            raise self._only(scenario, found, "not run: `import mlflow` breaks")
        if broken := broken_capabilities(scenario, eps):
            evidence = Evidence(self.probe, groups=scenario.loaded_groups())
            names = ", ".join(f"mlflow.{c}" for c in broken)
            why = f"not run: the plugin's {names} entry point(s) fail to load"
            raise self._only(scenario, run_check("entry-points", evidence), why)
        environ = script_environment({})
        if reason := skip_reason(scenario, eps) or unmet(scenario, self.settings, environ):
            raise Ended(Status.SKIPPED, reason)
        if unplaced := unplaceable(scenario, eps, self.settings):
            raise _not_placed(unplaced)

    def _only(self, scenario: Scenario, found: CheckResult, why: str) -> Ended:
        """The entry-points check alone decides; the others are skipped for ``why``."""
        others = [CheckResult(n, Status.SKIPPED, why) for n in scenario.checks if n != found.name]
        result = ScenarioResult.from_checks(
            scenario.name, self.env.mlflow_version, [found, *others]
        )
        return Ended(result.status, result.reason, result)

    def attach_services(self, run: RunState) -> None:
        """The scenario's services, as the pool started them; one in trouble ends it here."""
        run.outcomes = {
            ref.name: self.pool.outcomes[(ref.name, ref.image)] for ref in run.scenario.services
        }
        run.infos = [
            ServiceInfo(name, name, o.service.image, o.substitute_for)
            for name, o in run.outcomes.items()
            if o.service
        ]
        for name, outcome in run.outcomes.items():
            if outcome.error:
                raise Ended(Status.ERROR, outcome.error)
            if outcome.skipped:
                raise Ended(Status.SKIPPED, f"{name} unavailable: {outcome.skipped}")

    def _sides(self, run: RunState) -> Side:
        """The plugin's side and, for kinds compared with an oracle, MLflow's own beside it."""
        scenario, make = run.scenario, self.provisioner.side
        try:
            own = Builtin({}, {}) if run.own else None
            label = f"{scenario.name}-own" if run.own else scenario.name
            side = make(scenario, run.outcomes, run.rundir, label, own)
            if any(KINDS[w.kind].oracle for w in scenario.workloads):
                run.oracles = [
                    make(scenario, run.outcomes, run.rundir, f"{scenario.name}-oracle{i or ''}", b)
                    for i, b in enumerate(builtins(scenario, side.stores.plugin_roles))
                ]
        except NotPlaceable as exc:  # decided in _gate, before the services started
            raise _not_placed(exc) from None
        except Exception as exc:  # noqa: BLE001 - a service that cannot provision: an error
            detail = (
                explain(exc)
                if isinstance(exc, ScriptFailed)
                else (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            )
            raise Ended(Status.ERROR, f"preparing services failed: {detail}") from None
        if not run.own and (why := untested(scenario, self.probe["entry_points"], side.stores)):
            raise Ended(Status.SKIPPED, why)
        writes = not scenario.server or scenario.clients == "direct"  # the workloads, here
        if side.stores.guessed and scenario.workloads and writes:  # a guessed URI: taken?
            self._buildable(scenario, side)
        return side

    def _buildable(self, scenario: Scenario, side: Side) -> None:
        """End the scenario when a plugin store cannot be built here (see ``Examiner``)."""
        if refused := self.examiner.unbuildable(scenario, side):
            raise Ended(*refused)

    def _served(self, run: RunState, side: Side) -> Side:
        served = self.server_mode(run.scenario, side, run.outcomes, run.infos, run.own)
        if isinstance(served, ScenarioResult):
            raise Ended(served.status, served.reason, served)
        return served

    def _workloads(self, run: RunState, side: Side) -> tuple[Evidence, Attempts]:
        """Each workload in turn, through its kind; faults between them."""
        scenario, services = run.scenario, run.services()
        provisioner = run.clients or self.provisioner
        evidence = Evidence(self.probe, groups=scenario.loaded_groups())
        attempts = Attempts(
            lambda: "; ".join(filter(None, (s.trouble() for s in services.values())))
        )

        def say(message: str) -> None:
            self.progress(f"{scenario.name}: {message}")

        def survived(what: str) -> None:  # read back every run written so far
            say(f"reading everything back after: {what}")
            for index, (manifest, _before) in enumerate(evidence.pairs):
                observed = attempts.attempt(
                    f"readback:after {what}",
                    provisioner.run,
                    side,
                    "readback",
                    {"manifest": manifest},
                )
                if observed is not None:
                    evidence.pairs[index] = (manifest, observed)

        with FaultWindow(services, survived, attempts.checks, say) as faults:
            ctx = Context(
                scenario,
                side,
                run.oracles,
                evidence,
                attempts,
                self.settings,
                faults,
                provisioner.run,
                self.progress,
                provisioner.env.mlflow_version,
                self.report_dir,
                self.timings,
                run.attachments,
                self.knobs,
                self.transcripts,
                [info.image for info in run.infos],
                run.reused,
                self.overlap,
            )
            for workload in scenario.workloads:
                kind = KINDS[workload.kind]
                kind(workload, ctx)
                if not kind.opens_window:
                    faults.close()
        run.output = "\n".join(attempts.outputs)
        return evidence, attempts

    def judge(
        self,
        run: RunState,
        side: Side,
        evidence: Evidence,
        attempts: Attempts,
        examine: bool = True,
    ) -> list[CheckResult]:
        """The scenario's checks over the evidence, then blame: a store that cannot be built
        here, MLflow's own stores doing the same (unless not ``examine``: the caller asks
        them itself), a guessed URI (see ``Examiner``)."""
        scenario = run.scenario
        for role, backend in side.stores.backends.items():
            if backend in side.bindings:
                service = run.outcomes[backend].service
                assert service is not None
                inspected = service.inspect(side.bindings[backend])
                evidence.backends[role] = {"service": backend, **inspected}
        checks = [*attempts.checks, *(run_check(name, evidence) for name in scenario.checks)]
        if side.server or not scenario.workloads or not examine:
            return side.stores.unproven(checks)
        roles = side.stores.plugin_roles
        if roles and any(_failed(c) and c.name not in GATES for c in checks):
            self._buildable(scenario, side)
        checks = self.examiner.cross_examine(scenario, checks, roles, run.outcomes, run.rundir)
        return side.stores.unproven(checks)

    def _logs_if_failed(
        self, run: RunState, side: Side, checks: list[CheckResult]
    ) -> dict[str, str]:
        return container_logs(run.outcomes, side.server) if any(map(_failed, checks)) else {}


def _failed(check: CheckResult) -> bool:
    return check.status in (Status.FAILED, Status.ERROR)


def _not_placed(exc: NotPlaceable) -> Ended:
    """Stores with no place: inconclusive when the plugin lacks a URI template, else skipped."""
    return Ended(
        Status.INCONCLUSIVE if isinstance(exc, NeedsTemplate) else Status.SKIPPED, str(exc)
    )
