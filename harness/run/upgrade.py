"""Upgrade paths: a scenario's stores written under one MLflow version (and plugin release),
upgraded, read back and written again under the next.

The path runs on one side whose workdir both environments' sandboxes mount (``shared``):
1. ``before`` writes the scenario's read-back workloads and opens a run it leaves running;
2. ``after`` runs the upgrade step (``upgrade_steps``);
3. ``after`` reads the first batch back untouched (the ``survived`` check judges that alone);
4. ``after`` ends the open run, tags every run, adds a model version and moves its alias,
   writes a second batch, and reads everything back; the scenario's checks judge that.

A failure is judged again after the same path ran on MLflow's own stores (``blame``): what they
lose too is an upstream note.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness.checks import GATES, Evidence, run_check, upstream_note
from harness.kinds import KINDS, uses
from harness.model.contracts import builtin_name
from harness.model.results import CheckResult, ScenarioResult, Status
from harness.planning.plan import Builtin, PlacedStores, builtins, untested
from harness.planning.scenario import Scenario
from harness.run.attempts import Attempts
from harness.run.blame import EXAMINED, normal, reexamined
from harness.run.runner import ScenarioRun
from harness.run.sides import Provisioner, Side
from harness.run.state import Ended, RunState

SQL_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
UPGRADE_CHECKS = ("upgrade", "survived")  # judged on every upgrade path, besides the scenario's
JUDGED = {*EXAMINED, *UPGRADE_CHECKS}  # what MLflow's own stores are asked about


def arrow(before: str, after: str) -> str:
    """An upgrade path's column in the compatibility matrix."""
    return f"{before} → {after}"


def skew(clients: str, server: str) -> str:
    """A version-skew column: clients of one MLflow version, the server of another."""
    return f"client {clients} / server {server}"


def walked_part(scenario: Scenario) -> Scenario:
    """``scenario`` as an upgrade path runs it: its read-back workloads, and the checks they
    (and the services) give evidence for; faults, the contract suite and the domain stay with
    its plain cells."""
    workloads = [w for w in scenario.workloads if w.kind in uses(readback=True)]
    fed = {check for w in workloads for check in KINDS[w.kind].checks}
    checks = [c for c in scenario.checks if c in fed or c in GATES]
    return scenario.model_copy(update={"workloads": workloads, "checks": checks})


def upgrade_steps(stores: PlacedStores, declared: str | None) -> list[dict[str, Any]]:
    """The upgrade step's commands (``argv``, or ``mlflow``: MLflow's CLI arguments; and
    ``what`` to show: the URIs hold secrets):
    MLflow's own ``mlflow db upgrade`` on each SQL store of MLflow's own, and on each of the
    plugin's that wraps one (its URI holds MLflow's) unless the plugin declares its command,
    which then runs once, last, with the URIs filled in."""
    values = {
        "tracking_uri": stores.tracking,
        "registry_uri": stores.registry,
        "artifacts": stores.artifacts,
        "uri": stores.own.get("tracking", ""),
    }
    sql: dict[str, list[str]] = {}
    for role in ("tracking", "registry"):
        uri = stores.own.get(role, "")
        if role in stores.plugin_roles and (declared or uri not in getattr(stores, role)):
            continue  # the plugin's: by its command, or in no database of MLflow's schema
        if uri.split(":", 1)[0].split("+", 1)[0] in SQL_SCHEMES:
            sql.setdefault(uri, []).append(role)
    steps: list[dict[str, Any]] = [
        {
            "mlflow": ["db", "upgrade", uri],  # MLflow's CLI, its arguments kept off `ps`
            "what": f"`mlflow db upgrade` of the {' and '.join(roles)} store",
        }
        for uri, roles in sql.items()
    ]
    if declared:
        argv = [part.format(**values) for part in shlex.split(declared)]
        steps.append({"argv": argv, "what": f"the plugin's `{shlex.split(declared)[0]}`"})
    return steps


@dataclass
class _Walked:
    """What one walk of the path left: its checks' evidence and the scripts that failed."""

    evidence: Evidence
    attempts: Attempts


class UpgradePath:
    """Runs scenarios as the upgrade path from ``before``'s environment to ``after``'s."""

    def __init__(self, before: ScenarioRun, after: ScenarioRun, shared: Path) -> None:
        self.before, self.after, self.shared = before, after, shared
        self.label = arrow(before.env.mlflow_version, after.env.mlflow_version)

    def __call__(self, scenario: Scenario) -> ScenarioResult:
        started, scenario = time.monotonic(), walked_part(scenario)
        run = RunState(scenario, self.shared)
        try:
            self.before.gate(scenario)
            self.after.gate(scenario)
            self.after.attach_services(run)
            side = self._side(run, None)
            walked = self._walk(run, side, self.after.settings.upgrade)
            checks = self.after.judge(run, side, walked.evidence, walked.attempts, examine=False)
            checks = [*checks, *(run_check(n, walked.evidence) for n in UPGRADE_CHECKS)]
            if any(c.status is Status.FAILED for c in checks) and side.stores.plugin_roles:
                self._buildable(run.scenario, side)  # a store that needs what is missing here
            checks = self._examined(run, side, checks)
        except Ended as ended:  # a gate's result names its side's version: this is the path's
            found = ended.result or ScenarioResult(
                scenario.name, self.label, ended.status, ended.detail, services=run.infos
            )
            return replace(found, mlflow_version=self.label)
        result = ScenarioResult.from_checks(
            scenario.name,
            self.label,
            checks,
            gates=GATES,
            duration_s=round(time.monotonic() - started, 2),
            services=run.infos,
            stores=side.uris(),
            output="\n".join(walked.attempts.outputs)[-20000:],
        )
        if result.status is Status.PASSED:  # the matrix cell says what was read back
            result.reason = next(c.detail for c in checks if c.name == "survived")
        return result

    def _side(self, run: RunState, builtin: Builtin | None, index: int = 0) -> Side:
        """The side ``before`` writes, in the directory both environments see (``builtin``:
        MLflow's own stores, the ``index``-th set)."""
        label = f"{run.scenario.name}-upgrade{f'-own{index}' if builtin else ''}"
        try:
            side = self.before.provisioner.side(
                run.scenario, run.outcomes, self.shared, label, builtin
            )
        except Exception as exc:  # noqa: BLE001 - a service that cannot provision: an error
            raise Ended(Status.ERROR, f"preparing services failed: {exc}") from None
        if builtin is None:  # the plugin's stores: in use, and buildable here?
            eps = self.before.probe["entry_points"]
            if why := untested(run.scenario, eps, side.stores):
                raise Ended(Status.SKIPPED, why)
            if side.stores.guessed:
                self._buildable(run.scenario, side)
        return side

    def _buildable(self, scenario: Scenario, side: Side) -> None:
        """End the path when a plugin store cannot be built here (see ``Examiner``)."""
        if refused := self.before.examiner.unbuildable(scenario, side):
            raise Ended(*refused)

    def _walk(self, run: RunState, side: Side, declared: str | None) -> _Walked:
        """The four steps of the module's docstring, on ``side``."""
        scenario, old, new = run.scenario, self.before.provisioner, self.after.provisioner
        attempts = Attempts(
            lambda: "; ".join(filter(None, (s.trouble() for s in run.services().values())))
        )
        evidence = Evidence(self.after.probe, groups=scenario.loaded_groups())
        workloads = scenario.workloads  # the read-back ones (``walked_part``)
        say = self.after.progress

        def write(provisioner: Provisioner, when: str) -> list[dict[str, Any]]:
            written = []
            for workload in workloads:
                kind = KINDS[workload.kind]
                request = kind.request(workload, provisioner.settings)
                name = f"workload:{kind.name} ({when})"
                answer = attempts.attempt(
                    name, provisioner.run, side, kind.name, request, kind.script
                )
                if answer is not None:
                    written.append(answer)
            return written

        def read(
            manifests: list[dict[str, Any]], when: str
        ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
            pairs = []
            for manifest in manifests:
                request = {"manifest": manifest}
                observed = attempts.attempt(
                    f"readback ({when})", new.run, side, "readback", request
                )
                if observed is not None:
                    pairs.append((manifest, observed))
            return pairs

        say(f"{scenario.name}: writing under MLflow {self.before.env.mlflow_version}")
        first = write(old, f"MLflow {self.before.env.mlflow_version}")
        if first:
            request = {"phase": "open", "manifests": first}
            opened = attempts.attempt("evolve:open", old.run, side, "evolve", request)
            first = opened["manifests"] if opened else first
        steps = self._upgrade(scenario, side, declared, attempts)
        evidence.observed["upgrade"] = {
            "steps": steps["steps"] if steps else None,
            "survival": read(first, "after the upgrade"),
        }
        say(f"{scenario.name}: keeps working under MLflow {self.after.env.mlflow_version}?")
        request = {"phase": "continue", "manifests": first}
        continued = attempts.attempt("evolve:continue", new.run, side, "evolve", request)
        first = continued["manifests"] if continued else first
        second = write(new, f"MLflow {self.after.env.mlflow_version}")
        evidence.pairs += read([*first, *second], "after more work")
        return _Walked(evidence, attempts)

    def _upgrade(
        self, scenario: Scenario, side: Side, declared: str | None, attempts: Attempts
    ) -> dict[str, Any] | None:
        """The upgrade step, in ``after``'s environment; each command's output kept."""
        commands = upgrade_steps(side.stores, declared)
        shown = "; ".join(c["what"] for c in commands) or "no step"
        version = self.after.env.mlflow_version
        self.after.progress(f"{scenario.name}: upgrading under MLflow {version} ({shown})")
        request = {"commands": commands}
        steps = attempts.attempt(
            "upgrade-step", self.after.provisioner.run, side, "upgrade", request
        )
        for step in (steps or {}).get("steps", []):
            attempts.outputs.append(f"--- upgrade: {step['what']}\n{step['output']}")
        return steps

    def _examined(self, run: RunState, side: Side, checks: list[CheckResult]) -> list[CheckResult]:
        """Failed checks judged again after the same path ran on MLflow's own stores."""
        suspect = [c for c in checks if c.status is Status.FAILED and c.name in JUDGED]
        roles = side.stores.plugin_roles
        if not suspect or not roles:
            return checks
        theirs: dict[str, list[tuple[str, CheckResult]]] = {c.name: [] for c in suspect}
        for index, builtin in enumerate(builtins(run.scenario, roles)):
            own = self._side(run, builtin, index)
            name = builtin_name("tracking", own.stores.tracking)
            self.after.progress(f"{run.scenario.name}: the same upgrade on MLflow's own {name}")
            walked = self._walk(run, own, None)
            for check in suspect:
                theirs[check.name].append((name, run_check(check.name, walked.evidence)))
        return [reexamined(c, theirs[c.name]) if c.name in theirs else c for c in checks]


def shared_with_mlflow(mine: ScenarioResult, theirs: ScenarioResult) -> ScenarioResult:
    """``mine`` (the plugin behind a skewed client and server) judged again knowing what
    MLflow's own stores did behind the same pair: a failure they share is an upstream note."""
    if mine.status is not Status.FAILED:
        return mine
    store = (
        f"{builtin_name('tracking', theirs.stores.get('tracking') or '')} ({mine.mlflow_version})"
    )
    found = {c.name: c for c in theirs.checks if c.status is Status.FAILED}
    checks = [_shared(c, found[c.name], store) if c.name in found else c for c in mine.checks]
    rolled = ScenarioResult.from_checks(mine.scenario, mine.mlflow_version, checks, gates=GATES)
    return replace(mine, status=rolled.status, reason=rolled.reason, checks=checks)


def _shared(mine: CheckResult, theirs: CheckResult, store: str) -> CheckResult:
    """A failed check of the plugin's that MLflow's own ``store`` failed too."""
    if mine.status is not Status.FAILED:
        return mine
    if mine.problems and theirs.problems:
        return reexamined(mine, [(store, theirs)])
    first, same = mine.detail.splitlines()[0], theirs.detail.splitlines()[0]
    if normal(first) != normal(same):
        return mine
    note = upstream_note(store, first)
    return CheckResult(
        mine.name, Status.PASSED, f"behaves as MLflow's own {store} does", notes=[note]
    )


def not_upgradable(scenario: Scenario, label: str) -> ScenarioResult:
    """A scenario an upgrade path cannot run: skipped, saying why."""
    why = (
        "not an upgrade scenario: it writes no data that is read back, or its clients write "
        "the server's stores themselves (version skew needs clients over HTTP)"
    )
    return ScenarioResult(scenario.name, label, Status.SKIPPED, why)
