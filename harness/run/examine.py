"""Examinations that decide blame once a scenario's checks have spoken: a store that cannot be
built here says nothing of the plugin, and a failed check over stored data is judged again
after the same workloads ran on MLflow's own stores (see ``blame``)."""

from __future__ import annotations

import re
from pathlib import Path

from harness.checks import Evidence, run_check
from harness.env.environment import ScriptFailed
from harness.kinds import KINDS, uses
from harness.model.contracts import Role, builtin_name
from harness.model.results import CheckResult, Status
from harness.planning.plan import builtins
from harness.planning.scenario import Scenario
from harness.run.blame import EXAMINED, reexamined
from harness.run.sides import Provisioner, Side
from harness.services.pool import Outcome


class Examiner:
    """Runs the examinations in one plugin environment."""

    def __init__(self, provisioner: Provisioner) -> None:
        self.provisioner = provisioner

    def unbuildable(self, scenario: Scenario, side: Side) -> tuple[Status, str] | None:
        """Build each of the plugin's stores as MLflow would. One that cannot be built is no
        verdict on the plugin when it names what this machine lacks (skipped: "needs ...") or
        when its URI was only guessed (inconclusive: the plugin wants another form)."""
        stores = side.stores
        request = {"stores": {role: getattr(stores, role) for role in stores.plugin_roles}}
        timeout = min(scenario.timeout_s, 120)
        try:
            built = self.provisioner.run(side, "construct", request, timeout=timeout)
        except ScriptFailed:
            return None  # not a store that refuses: the checks judge it
        for role, answer in built.items():
            uri = getattr(stores, role)
            if answer["built"]:
                continue
            if answer["needs"]:
                why = f"the plugin's {role} store cannot be built at {uri}"
                return Status.SKIPPED, f"needs {answer['needs']}: {why}"
            if uri in stores.guessed:
                return Status.INCONCLUSIVE, _refused(role, uri, str(side.workdir), answer["error"])
        return None

    def cross_examine(
        self,
        scenario: Scenario,
        checks: list[CheckResult],
        roles: tuple[Role, ...],
        outcomes: dict[str, Outcome],
        rundir: Path,
    ) -> list[CheckResult]:
        """Failed checks over stored data, judged again after the scenario's workloads ran on
        each of MLflow's own stores for its backends."""
        suspect = [c for c in checks if c.status is Status.FAILED and c.name in EXAMINED]
        workloads = [w for w in scenario.workloads if w.kind in uses(readback=True)]
        if not suspect or not workloads:
            return checks
        theirs: dict[str, list[tuple[str, CheckResult]]] = {c.name: [] for c in suspect}
        for index, builtin in enumerate(builtins(scenario, roles)):
            label = f"{scenario.name}-builtin{index}"
            own = self.provisioner.side(scenario, outcomes, rundir, label, builtin)
            tracking = builtin_name("tracking", own.stores.tracking)
            self.provisioner.progress(
                f"{scenario.name}: the same workloads on MLflow's own {tracking}"
            )
            evidence = Evidence(self.provisioner.probe)
            try:
                for workload in workloads:
                    kind = KINDS[workload.kind]
                    request = kind.request(workload, self.provisioner.settings)
                    manifest = self.provisioner.run(own, kind.name, request, kind.script)
                    observed = self.provisioner.run(own, "readback", {"manifest": manifest})
                    evidence.pairs.append((manifest, observed))
            except ScriptFailed as exc:
                self.provisioner.progress(
                    f"{scenario.name}: MLflow's own store failed the workload: {exc}"
                )
                continue
            for check in suspect:
                role = EXAMINED[check.name]
                name = builtin_name(role, getattr(own.stores, role))
                theirs[check.name].append((name, run_check(check.name, evidence)))
        return [reexamined(c, theirs[c.name]) if c.name in theirs else c for c in checks]


_SWITCH = re.compile(r"set `?(MLFLOW_[A-Z0-9_]+)=(\w+)`?")


def _refused(role: str, uri: str, workdir: str, error: str) -> str:
    """Why a guessed URI taught nothing, and the way out: the URI form the plugin takes, or
    the MLflow switch its store asks for (MLflow 3's file stores ask for one). The scenario's
    own directory is written ``{workdir}``, so every scenario says it in the same words."""
    shown, scheme = uri.replace(workdir, "{workdir}"), uri.split(":", 1)[0]
    if switch := _SWITCH.search(error):
        name, value = switch.groups()
        return (
            f"needs MLflow's switch {name}={value} or a URI template: the plugin's {role} "
            f"store refuses the guessed URI {shown} without the switch; set {name} = "
            f'"{value}" under [tool.mlflow-plugin-harness.env], or give the form it takes '
            f'under [tool.mlflow-plugin-harness.schemes.{scheme}] {role} = "..." (either in '
            f"--config too). It said: {error}"
        )
    return (
        f"needs a URI template: the plugin refuses the guessed {role} URI {shown} "
        f"('<scheme>:<dir>'): {error}; give the form it takes under "
        f'[tool.mlflow-plugin-harness.schemes.{scheme}] {role} = "..." or in --config'
    )
