"""One harness run: plugin environment, probe, each scenario's workloads and checks, report."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docker.errors import DockerException

from harness import ui
from harness.blame import EXAMINED, reexamined
from harness.checks import GATES, Evidence, run_check
from harness.config import Settings, load_config, load_pyproject
from harness.contracts import FEATURES, GROUPS, Role, in_scope
from harness.environment import (
    WORKLOADS,
    PluginEnv,
    ScriptFailed,
    ensure_environment,
    script_environment,
)
from harness.errors import HarnessError, NotInstallable, PluginInstallError, UsageError
from harness.faults import Injected, inject
from harness.plan import (
    Builtin,
    NeedsTemplate,
    NotPlaceable,
    PlacedStores,
    broken_capabilities,
    builtin_name,
    builtins,
    overridden,
    resolve_stores,
    skip_reason,
    unmet,
    unplaceable,
    untested,
    usable,
)
from harness.plugin import parse_plugin
from harness.results import (
    Blame,
    CheckResult,
    EntryPoint,
    PluginInfo,
    RunReport,
    ScenarioResult,
    ServiceInfo,
    Status,
    Timings,
)
from harness.scenario import (
    COMPARED,
    MANIFESTING,
    OBSERVING,
    ROLES,
    Conformance,
    Fault,
    Load,
    Scenario,
    Ui,
    Workload,
    select,
)
from harness.server import MlflowServer, ServerSpec, ServerUnavailable
from harness.services.base import Binding, Service, ServiceExited
from harness.services.pool import Outcome, ServicePool

TEMP_PREFIX = "mlflow-plugin-harness-"


@dataclass
class Options:
    """What the user asked for."""

    plugin: str
    scenarios: list[str] | None = None
    mlflow_versions: list[str] = field(default_factory=list)  # empty: the newest
    config: Path | None = None
    report_dir: Path = Path("reports")
    progress: Callable[[str], None] = field(default=lambda _msg: None)


def _groups_request() -> dict[str, dict[str, Any]]:
    return {
        g.name: {"base": g.base, "constructor": g.constructor, "module_attrs": g.module_attrs}
        for g in GROUPS
    }


def _last_error(output: str) -> str:
    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line):
            return line[:500]
    return lines[-1][:500] if lines else "no output"


_STACKS = re.compile(r"^(Fatal Python error|Current thread 0x|Thread 0x)", re.MULTILINE)
_FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<fn>\S+)', re.MULTILINE)


def _explain(exc: ScriptFailed) -> str:
    """A raised error names itself; a dead process is explained by its last output before the
    stacks faulthandler printed, and by the innermost frame of those stacks."""
    if not exc.died:
        return str(exc)
    found = _STACKS.search(exc.output)
    before = exc.output[: found.start()] if found else exc.output
    detail = f"{exc}; its last output: {_last_error(before)}"
    current = exc.output.find("Current thread 0x")
    frame = _FRAME.search(exc.output, current if current >= 0 else found.start()) if found else None
    if frame:
        where = "/".join(Path(frame["file"]).parts[-2:])
        detail += f"; innermost frame: {frame['fn']} ({where}:{frame['line']})"
    return detail


def sweep_temp_dirs() -> list[str]:
    """Remove temp dirs left by harness runs whose process is gone (e.g. after kill -9)."""
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        match = re.match(rf"{TEMP_PREFIX}(\d+)-", path.name)
        if not match:
            continue
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(f"temp dir {path}")
        except PermissionError:
            pass
    return removed


def load_settings(options: Options, settings_file: Path | None) -> Settings:
    settings = load_pyproject(settings_file) if settings_file else Settings()
    if options.config:
        if not options.config.is_file():
            raise UsageError(f"config file not found: {options.config}")
        settings = settings.merged(load_config(options.config))
    return settings


@dataclass
class Side:
    """Where workloads run: the plugin's stores, or MLflow's own (the oracle) beside them."""

    workdir: Path
    stores: PlacedStores
    bindings: dict[str, Binding]
    request: dict[str, Any]
    env: dict[str, str]
    server: MlflowServer | None = None  # server mode: the workloads are its HTTP clients
    server_stores: PlacedStores | None = None  # the server's URIs, inside the run's network


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
    ) -> None:
        self.env, self.probe, self.settings, self.progress = env, probe, settings, progress
        self.pool, self.outcomes, self.report_dir = pool, pool.outcomes, report_dir
        self.timings = timings or Timings()

    def __call__(self, scenario: Scenario, rundir: Path) -> ScenarioResult:
        started = time.monotonic()
        version = self.env.mlflow_version
        if why := self.probe.get("import_mlflow_error"):  # nothing of MLflow can run
            checks = [
                CheckResult("entry-points", Status.FAILED, why, Blame.PLUGIN),
                *(
                    CheckResult(name, Status.SKIPPED, "not run: `import mlflow` breaks")
                    for name in scenario.checks
                    if name != "entry-points"
                ),
            ]
            return ScenarioResult.from_checks(scenario.name, version, checks)
        if broken := broken_capabilities(scenario, self.probe["entry_points"]):
            why = (
                f"not run: the plugin's {', '.join(f'mlflow.{c}' for c in broken)} entry "
                "point(s) fail to load"
            )
            evidence = Evidence(self.probe, groups=in_scope(scenario.requires, False))
            checks = [
                run_check("entry-points", evidence),
                *(
                    CheckResult(name, Status.SKIPPED, why)
                    for name in scenario.checks
                    if name != "entry-points"
                ),
            ]
            return ScenarioResult.from_checks(scenario.name, version, checks)
        reason = skip_reason(scenario, self.probe["entry_points"]) or unmet(
            scenario, self.settings, script_environment({})
        )
        if reason:
            return ScenarioResult(scenario.name, version, Status.SKIPPED, reason)
        if unplaced := unplaceable(scenario, self.probe["entry_points"], self.settings):
            status = Status.INCONCLUSIVE if isinstance(unplaced, NeedsTemplate) else Status.SKIPPED
            return ScenarioResult(scenario.name, version, status, str(unplaced))
        outcomes = {ref.name: self.outcomes[(ref.name, ref.image)] for ref in scenario.services}
        infos = [
            ServiceInfo(name, name, o.service.image, o.substitute_for)
            for name, o in outcomes.items()
            if o.service
        ]
        for name, outcome in outcomes.items():
            if outcome.error:
                return ScenarioResult(
                    scenario.name, version, Status.ERROR, outcome.error, services=infos
                )
            if outcome.skipped:
                return ScenarioResult(
                    scenario.name,
                    version,
                    Status.SKIPPED,
                    f"{name} unavailable: {outcome.skipped}",
                    services=infos,
                )
        try:
            side = self._side(scenario, outcomes, rundir, scenario.name, self.probe["entry_points"])
            oracles = (
                [
                    self._side(
                        scenario, outcomes, rundir, f"{scenario.name}-oracle{i or ''}", [], builtin
                    )
                    for i, builtin in enumerate(builtins(scenario, side.stores.plugin_roles))
                ]
                if any(w.kind in COMPARED for w in scenario.workloads)
                else []
            )
        except NotPlaceable as exc:  # decided above, before the services started
            status = Status.INCONCLUSIVE if isinstance(exc, NeedsTemplate) else Status.SKIPPED
            return ScenarioResult(scenario.name, version, status, str(exc), services=infos)
        except Exception as exc:  # noqa: BLE001 - a service that cannot provision: an error
            detail = (
                _explain(exc)
                if isinstance(exc, ScriptFailed)
                else (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            )
            return ScenarioResult(
                scenario.name,
                version,
                Status.ERROR,
                f"preparing services failed: {detail}",
                services=infos,
            )
        if why := untested(scenario, self.probe["entry_points"], side.stores):
            return ScenarioResult(scenario.name, version, Status.SKIPPED, why, services=infos)
        if side.stores.guessed and scenario.workloads and not scenario.server:  # taken?
            if refused := self._unbuildable(scenario, side, infos):
                return refused
        if scenario.server:
            served = self._served(scenario, side, outcomes, infos)
            if isinstance(served, ScenarioResult):
                return served
            side = served
        try:
            services = {name: o.service for name, o in outcomes.items() if o.service}
            evidence, checks, output, attachments = self._workloads(
                scenario, side, oracles, services
            )
            for role, backend in side.stores.backends.items():
                if backend in side.bindings:
                    evidence.backends[role] = {
                        "service": backend,
                        **outcomes[backend].service.inspect(side.bindings[backend]),
                    }
            checks.extend(run_check(name, evidence) for name in scenario.checks)
            if (
                not side.server
                and scenario.workloads
                and side.stores.plugin_roles
                and any(
                    c.status in (Status.FAILED, Status.ERROR) and c.name not in GATES
                    for c in checks
                )
            ):
                if refused := self._unbuildable(scenario, side, infos):
                    return refused  # a store that cannot be built here says nothing of the plugin
            if not side.server:
                checks = self._cross_examine(
                    scenario, checks, side.stores.plugin_roles, outcomes, rundir
                )
            checks = side.stores.unproven(checks)
            logs = (
                self._logs(outcomes, side.server)
                if any(c.status in (Status.FAILED, Status.ERROR) for c in checks)
                else {}
            )
        finally:
            if side.server:
                side.server.stop()
        stores = side.server_stores or side.stores
        uris = {
            "tracking": stores.tracking,
            "artifacts": stores.artifacts,
            "registry": stores.registry,
        }
        if side.server:
            uris["server"] = side.server.url
        if stores.overrides:  # the plugin's store serves one of MLflow's own schemes here
            uris["overrides"] = ", ".join(f"{r}: {s}" for r, s in stores.overrides.items())
        return ScenarioResult.from_checks(
            scenario.name,
            version,
            checks,
            gates=GATES if scenario.workloads else (),
            duration_s=round(time.monotonic() - started, 2),
            services=infos,
            stores=uris,
            output=output[-20000:],
            attachments=attachments,
            logs=logs,
        )

    def _unbuildable(
        self, scenario: Scenario, side: Side, infos: list[ServiceInfo]
    ) -> ScenarioResult | None:
        """Build each of the plugin's stores as MLflow would. One that cannot be built is no
        verdict on the plugin when it names what this machine lacks (skipped: "needs ...") or
        when its URI was only guessed (inconclusive: the plugin wants another form)."""
        roles = side.stores.plugin_roles
        try:
            built = self._run(
                scenario,
                side,
                "construct",
                {"stores": {role: getattr(side.stores, role) for role in roles}},
                timeout=min(scenario.timeout_s, 120),
            )
        except ScriptFailed:
            return None  # not a store that refuses: the checks judge it
        version = self.env.mlflow_version
        for role, answer in built.items():
            uri = getattr(side.stores, role)
            if answer["built"]:
                continue
            if answer["needs"]:
                return ScenarioResult(
                    scenario.name,
                    version,
                    Status.SKIPPED,
                    f"needs {answer['needs']}: the plugin's {role} store cannot be built at {uri}",
                    services=infos,
                )
            if uri in side.stores.guessed:
                scheme = uri.split(":", 1)[0]
                return ScenarioResult(
                    scenario.name,
                    version,
                    Status.INCONCLUSIVE,
                    f"needs a URI template: the plugin refuses the guessed {role} URI {uri} "
                    f"('<scheme>:<dir>'): {answer['error']}; give the form it takes under "
                    f'[tool.mlflow-plugin-harness.schemes.{scheme}] {role} = "..." or in '
                    "--config",
                    services=infos,
                )
        return None

    def _served(
        self, scenario: Scenario, side: Side, outcomes: dict[str, Outcome], infos: list[ServiceInfo]
    ) -> Side | ScenarioResult:
        """The side with its server started, or the scenario's result when it cannot be."""
        version = self.env.mlflow_version
        try:
            return self._serve(scenario, side)
        except NotPlaceable as exc:
            status = Status.INCONCLUSIVE if isinstance(exc, NeedsTemplate) else Status.SKIPPED
            return ScenarioResult(scenario.name, version, status, str(exc), services=infos)
        except ServerUnavailable as exc:
            return ScenarioResult(
                scenario.name,
                version,
                Status.SKIPPED,
                f"mlflow server unavailable: {exc}",
                services=infos,
            )
        except (HarnessError, DockerException) as exc:
            logs = self._logs(outcomes, side.server)
            if side.server:
                side.server.stop()
            if not isinstance(exc, ServiceExited):
                return ScenarioResult(
                    scenario.name,
                    version,
                    Status.ERROR,
                    f"mlflow server did not start: {exc}",
                    services=infos,
                    logs=logs,
                )
            # the server process died or answers wrongly: the plugin's code was running in it
            what = str(exc).split(";")[0]
            why = _last_error(logs["mlflow-server"]) if "mlflow-server" in logs else ""
            return ScenarioResult.from_checks(
                scenario.name,
                version,
                [CheckResult("server", Status.FAILED, f"{what}; its log: {why}" if why else what)],
                services=infos,
                logs=logs,
            )

    def _serve(self, scenario: Scenario, side: Side) -> Side:
        """Start ``mlflow server`` on the plugin's stores; the workloads become its clients."""
        apps = {ep["name"] for ep in self.probe["entry_points"] if ep["group"] == "mlflow.app"}
        if scenario.server_app and scenario.server_app not in apps:
            raise NotPlaceable(
                f"server_app {scenario.server_app!r} is not one of the plugin's "
                f"mlflow.app entry points ({', '.join(sorted(apps)) or 'none'})"
            )
        try:
            client, network = self.pool.network()
        except HarnessError as exc:
            raise ServerUnavailable(str(exc)) from None
        inside = {n: b.inside for n, b in side.bindings.items() if b.inside}
        stores = resolve_stores(
            scenario,
            self.probe["entry_points"],
            self.settings,
            side.workdir,
            {n: b.namespace() for n, b in inside.items()},
        )
        server = MlflowServer(
            client, self.pool.labels, network, self.env, side.workdir, f"server-{scenario.name}"
        )
        side.server = server  # stopped by the caller, whatever happens next
        with self.timings.measure("services_s"):
            server.start(
                ServerSpec(
                    stores.tracking,
                    stores.registry or stores.tracking,
                    stores.artifacts,
                    scenario.server_app,
                    self._environment(scenario, side.workdir, inside),
                ),
                self.progress,
            )
        request = {
            **side.request,
            "tracking_uri": server.url,
            "registry_uri": server.url,
            "artifact_root": f"mlflow-artifacts:/{scenario.name}",
        }
        # Clients get no service credentials; every artifact byte goes through the server (no
        # presigned URLs naming an endpoint on the run's network, which clients outside it
        # cannot reach); a server error is an outcome, retried twice, not for minutes.
        client_env = {
            "MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD": "false",
            "MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD": "false",
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
            **self._environment(scenario, side.workdir, side.bindings, credentials=False),
        }
        return Side(side.workdir, side.stores, side.bindings, request, client_env, server, stores)

    def _environment(
        self,
        scenario: Scenario,
        workdir: Path,
        bindings: dict[str, Binding],
        credentials: bool = True,
    ) -> dict[str, str]:
        """Services' variables (unless ``credentials`` is off), the plugin's settings, then the
        scenario's ``env`` with its templates filled from ``bindings``."""
        values = {"workdir": str(workdir), **{n: b.namespace() for n, b in bindings.items()}}
        services = (
            {k: v for b in bindings.values() for k, v in b.env.items()} if credentials else {}
        )
        return {
            **services,
            **self.settings.env,
            **{k: v.format(**values) for k, v in scenario.env.items()},
        }

    def _logs(
        self, outcomes: dict[str, Outcome], server: MlflowServer | None, lines: int = 40
    ) -> dict[str, str]:
        """The last lines of each container's log, attached to failures."""
        logs = {name: o.service.logs(lines) for name, o in outcomes.items() if o.service}
        if server:
            logs["mlflow-server"] = server.logs(lines)
        return {name: text for name, text in logs.items() if text.strip()}

    def _cross_examine(
        self,
        scenario: Scenario,
        checks: list[CheckResult],
        roles: tuple[Role, ...],
        outcomes: dict[str, Outcome],
        rundir: Path,
    ) -> list[CheckResult]:
        """Failed checks over stored data, judged again after the scenario's workloads ran on
        each of MLflow's own stores for its backends (see ``blame``)."""
        suspect = [c for c in checks if c.status is Status.FAILED and c.name in EXAMINED]
        workloads = [w for w in scenario.workloads if w.kind in MANIFESTING]
        if not suspect or not workloads:
            return checks
        theirs: dict[str, list[tuple[str, CheckResult]]] = {c.name: [] for c in suspect}
        for index, builtin in enumerate(builtins(scenario, roles)):
            own = self._side(
                scenario, outcomes, rundir, f"{scenario.name}-builtin{index}", [], builtin
            )
            self.progress(
                f"{scenario.name}: the same workloads on MLflow's own "
                f"{builtin_name('tracking', own.stores.tracking)}"
            )
            evidence = Evidence(self.probe)
            try:
                for workload in workloads:
                    manifest = self._run(
                        scenario, own, workload.kind, {"options": workload.model_dump()}
                    )
                    evidence.pairs.append(
                        (manifest, self._run(scenario, own, "readback", {"manifest": manifest}))
                    )
            except ScriptFailed as exc:
                self.progress(f"{scenario.name}: MLflow's own store failed the workload: {exc}")
                continue
            for check in suspect:
                role = EXAMINED[check.name]
                name = builtin_name(role, getattr(own.stores, role))
                theirs[check.name].append((name, run_check(check.name, evidence)))
        return [reexamined(c, theirs[c.name]) if c.name in theirs else c for c in checks]

    def _side(
        self,
        scenario: Scenario,
        outcomes: dict[str, Outcome],
        rundir: Path,
        label: str,
        entry_points: list[dict[str, Any]],
        builtin: Builtin | None = None,
    ) -> Side:
        """A private workdir and namespace in each service, and the store URIs to use there:
        the plugin's (its entry points given), or one set of MLflow's own (``builtin``)."""
        workdir = rundir / label
        workdir.mkdir()
        if builtin and builtin.overrides:
            scenario = scenario.model_copy(
                update={"stores": scenario.stores.model_copy(update=builtin.overrides)}
            )
        version = self.env.mlflow_version  # services are shared by every version of the run
        bindings = {
            name: o.service.provision(
                f"{label}-m{version}", self._migrate(workdir, scenario), schema=version
            )
            for name, o in outcomes.items()
            if o.service
        }
        stores = resolve_stores(
            scenario,
            entry_points,
            self.settings,
            workdir,
            {n: b.namespace() for n, b in bindings.items()},
        )
        env = {**self._environment(scenario, workdir, bindings), **(builtin.env if builtin else {})}
        request = {
            "plugin": self.env.plugin_name,
            "tracking_uri": stores.tracking,
            "registry_uri": stores.registry,
            "artifact_root": stores.artifacts,
            "registry_store": "registry" in stores.plugin_roles,
            "prefix": scenario.name,
        }
        if not entry_points:  # MLflow's own side: its stores, even where the plugin took a scheme
            request["own_schemes"] = overridden(self.probe["entry_points"])
        return Side(workdir, stores, bindings, request, env)

    def _migrate(self, workdir: Path, scenario: Scenario) -> Callable[[str], None]:
        def migrate(uri: str) -> None:
            self.progress(f"{scenario.name}: creating MLflow's schema (migrations)")
            with self.timings.measure("workloads_s"):
                self.env.run_script(
                    "migrate",
                    {"uri": uri, "artifact_root": str(workdir / "default")},
                    workdir=workdir,
                    timeout=scenario.timeout_s,
                )

        return migrate

    def _run(
        self,
        scenario: Scenario,
        side: Side,
        command: str,
        request: dict[str, Any],
        timeout: float | None = None,
    ) -> dict[str, Any]:
        with self.timings.measure("workloads_s"):
            return self.env.run_script(
                command,
                {**side.request, **request},
                workdir=side.workdir,
                timeout=timeout or scenario.timeout_s,
                env=side.env,
            )

    def _workloads(
        self, scenario: Scenario, side: Side, oracles: list[Side], services: dict[str, Service]
    ) -> tuple[Evidence, list[CheckResult], str, dict[str, str]]:
        evidence = Evidence(self.probe, groups=in_scope(scenario.requires, not scenario.workloads))
        failures = _Failures(
            lambda: "; ".join(filter(None, (s.trouble() for s in services.values())))
        )
        attachments: dict[str, str] = {}
        fault: Injected | None = None
        try:
            for workload in scenario.workloads:
                if not isinstance(workload, Fault):
                    self._workload(
                        workload, scenario, side, oracles, evidence, failures, attachments
                    )
                    fault = self._after(fault, scenario, side, evidence, failures)
                    continue
                fault = self._after(fault, scenario, side, evidence, failures)
                self.progress(f"{scenario.name}: fault: {workload.action} {workload.service}")
                try:
                    fault = inject(workload, services[workload.service], self.progress)
                except (HarnessError, DockerException) as exc:
                    failures.checks.append(
                        CheckResult(
                            f"fault:{workload.action} {workload.service}", Status.ERROR, str(exc)
                        )
                    )
                if workload.action == "restart":
                    fault = self._after(fault, scenario, side, evidence, failures)
        finally:
            if fault is not None:
                fault.end()
        return evidence, failures.checks, "\n".join(failures.outputs), attachments

    def _after(
        self,
        fault: Injected | None,
        scenario: Scenario,
        side: Side,
        evidence: Evidence,
        failures: _Failures,
    ) -> None:
        """End the fault in effect, if any, then read back every run written so far: it must
        have survived. Returns None: no fault is in effect any more."""
        if fault is None:
            return
        fault.end()
        self.progress(f"{scenario.name}: reading everything back after: {fault.what}")
        for index, (manifest, _before) in enumerate(evidence.pairs):
            observed = failures.attempt(
                f"readback:after {fault.what}",
                self._run,
                scenario,
                side,
                "readback",
                {"manifest": manifest},
            )
            if observed is not None:
                evidence.pairs[index] = (manifest, observed)
        return

    def _workload(
        self,
        workload: Workload,
        scenario: Scenario,
        side: Side,
        oracles: list[Side],
        evidence: Evidence,
        failures: _Failures,
        attachments: dict[str, str],
    ) -> None:
        """Run one workload; its answers go to ``evidence``, its failures to ``failures``."""
        self.progress(f"{scenario.name}: {workload.kind} workload")
        run = functools.partial(self._run, scenario)
        if isinstance(workload, Ui):
            quickstart = next(
                (m for m, _ in reversed(evidence.pairs) if m["workload"] == "quickstart"), None
            )
            if quickstart is None or side.server is None:
                failures.checks.append(
                    CheckResult(
                        "workload:ui", Status.SKIPPED, "no quickstart run in a server to look at"
                    )
                )
                return
            name = f"screenshots/{scenario.name}-mlflow-{self.env.mlflow_version}.png"
            with self.timings.measure("workloads_s"):
                evidence.observed["ui"] = ui.observe(
                    side.server.url, quickstart, self.report_dir / name
                )
            if evidence.observed["ui"].get("browser", {}).get("screenshot"):
                attachments["screenshot"] = name
        elif isinstance(workload, Conformance):
            features = [
                f for f in workload.features or FEATURES if FEATURES[f] in side.stores.plugin_roles
            ]
            mine = failures.attempt(
                "workload:conformance", run, side, "conformance", {"features": features}
            )
            if mine is None:
                return
            theirs = []
            for oracle in oracles:
                names = {role: builtin_name(role, getattr(oracle.stores, role)) for role in ROLES}
                self.progress(
                    f"{scenario.name}: the same on MLflow's own {names['tracking']}, "
                    f"{names['artifacts']}"
                )
                answer = failures.attempt(
                    "oracle:conformance",
                    run,
                    oracle,
                    "conformance",
                    {"features": features},
                    status=Status.ERROR,
                )
                if answer is None:
                    return
                theirs.append(
                    {
                        "stores": names,
                        "features": answer["features"],
                        "surfaces": answer.get("surfaces", {}),
                    }
                )
            evidence.contract = {
                "plugin": mine["features"],
                "oracles": theirs,
                "errors": mine["errors"],
                "roles": list(side.stores.plugin_roles),
                "unsupported": dict(self.settings.unsupported),
                "surfaces": {"plugin": mine.get("surfaces", {}), "oracle": theirs[0]["surfaces"]},
                "missing_methods": dict(self.settings.missing_methods),
            }
        elif isinstance(workload, Load):
            oracle = oracles[0]
            request = {"options": workload.model_dump()}
            mine = failures.attempt("workload:load", run, side, "load", request)
            if mine is None:
                return
            self.progress(f"{scenario.name}: the same load on MLflow's own stores")
            theirs = failures.attempt(
                "oracle:load", run, oracle, "load", request, status=Status.ERROR
            )
            if theirs is not None:
                evidence.observed["load"] = {
                    "plugin": mine,
                    "oracle": theirs,
                    "min_ratio": workload.min_ratio,
                }
        elif isinstance(workload, OBSERVING):  # answers are observations, not manifests
            observed = failures.attempt(
                f"workload:{workload.kind}",
                run,
                side,
                workload.kind,
                {
                    "targets": dict(self.settings.deployment_targets),
                    "datasets": dict(self.settings.datasets),
                },
            )
            if observed is not None:
                evidence.observed[workload.kind] = observed
        else:
            manifest = failures.attempt(
                f"workload:{workload.kind}",
                run,
                side,
                workload.kind,
                {"options": workload.model_dump()},
            )
            if manifest is None:
                return
            self.progress(f"{scenario.name}: reading back through MLflow")
            observed = failures.attempt(
                f"readback:{workload.kind}", run, side, "readback", {"manifest": manifest}
            )
            if observed is not None:
                evidence.pairs.append((manifest, observed))


class _Failures:
    """Scripts that failed, as check results, with their output kept for the report."""

    def __init__(self, diagnose: Callable[[], str] = lambda: "") -> None:
        self.checks: list[CheckResult] = []
        self.outputs: list[str] = []
        self.diagnose = diagnose  # what is wrong with the services right now, if anything

    def attempt(
        self,
        name: str,
        fn: Callable[..., dict[str, Any]],
        *args: Any,
        status: Status = Status.FAILED,
    ) -> dict[str, Any] | None:
        try:
            return fn(*args)
        except ScriptFailed as exc:
            self.outputs.append(f"--- {name}: {exc}\n{exc.output}")
            if exc.blame == Blame.HARNESS:  # the harness's own workload code raised
                self.checks.append(CheckResult(name, Status.ERROR, str(exc), Blame.HARNESS))
                return None
            if exc.breaks_mlflow and exc.blame == Blame.PLUGIN:  # the plugin broke MLflow itself:
                self.checks.append(CheckResult(name, Status.FAILED, str(exc), Blame.PLUGIN))
                return None  # a finding, whatever else is wrong
            trouble = self.diagnose()
            blame = Blame.PLUGIN if status is Status.FAILED else Blame.INFRASTRUCTURE
            if exc.died or trouble or exc.blame == Blame.INFRASTRUCTURE:
                # a hang, a crash, a sick service, MLflow not importing: the run broke
                status, detail, blame = Status.ERROR, _explain(exc), Blame.INFRASTRUCTURE
            else:
                detail = str(exc)
            if trouble:
                detail += f" (while {trouble})"
            self.checks.append(CheckResult(name, status, detail, blame=blame))
            return None


def probe_plugin(env: PluginEnv, workdir: Path, progress: Callable[[str], None]) -> dict[str, Any]:
    """Load every entry point of the plugin inside its environment.

    The answer is kept in the environment: an environment never changes once built (its key
    holds the plugin's content), so the same probe code gives the same answer."""
    request = {"plugin": env.plugin_name, "groups": _groups_request()}
    code = "".join(path.read_text() for path in sorted(WORKLOADS.glob("*.py")))
    key = hashlib.sha256((code + json.dumps(request, sort_keys=True)).encode()).hexdigest()[:16]
    cached = env.path / f"harness-probe-{key}.json"
    if cached.exists():
        progress("entry points as probed before in this environment")
        return json.loads(cached.read_text())
    progress("probing entry points")
    try:
        answer = env.run_script("probe", request, workdir=workdir, timeout=300)
    except ScriptFailed as exc:
        raise PluginInstallError(
            f"plugin {env.plugin_name} cannot be inspected: {_last_error(exc.output)}"
        ) from None
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(answer))
    partial.replace(cached)
    return answer


@dataclass
class _Version:
    """One MLflow version of the run: its environment, probe and scenario runner; or why it
    cannot be installed."""

    unavailable: str = ""
    env: PluginEnv | None = None
    probe: dict[str, Any] = field(default_factory=dict)
    runner: ScenarioRun | None = None
    workdir: Path | None = None


class Session:
    """One harness run: the plugin's environments (one per MLflow version, prepared on first
    use), the run's services and temp dir. Scenarios run one at a time through ``run``;
    ``close`` removes everything the run created. Use as a context manager."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.plugin = parse_plugin(options.plugin)
        self.settings = load_settings(options, self.plugin.settings_file())
        self.versions: list[str | None] = list(options.mlflow_versions) or [None]
        sweep_temp_dirs()
        self.rundir = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
        self.pool = ServicePool(options.progress)
        self.environments: list[dict[str, Any]] = []
        self.info: PluginInfo | None = None
        self.timings = Timings()
        self.prepared: dict[str | None, _Version] = {}  # by the MLflow version asked for

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def prepare(self, version: str | None) -> _Version:
        """The environment and probe for one MLflow version, built or reused on first use.

        Raises NotInstallable when the run has this one version only: there is nothing to run.
        """
        if version in self.prepared:
            return self.prepared[version]
        progress = self.options.progress
        try:
            with self.timings.measure("environments_s"):
                env = ensure_environment(self.plugin, version, progress)
        except NotInstallable as exc:
            if len(self.versions) == 1:
                raise
            reason = f"not installable with MLflow {version} (pin: {exc.pin})"
            progress(reason)
            self.environments.append(
                {"mlflow_version": version, "installable": False, "reason": reason}
            )
            return self.prepared.setdefault(version, _Version(unavailable=reason))
        state = "reused" if env.reused else "built"
        progress(f"environment {state} in {env.build_seconds:.1f} s: {env.path}")
        self.environments.append(
            {
                "path": str(env.path),
                "reused": env.reused,
                "seconds": round(env.build_seconds, 2),
                "python": sys.version.split()[0],
                "installable": True,
                "mlflow_version": env.mlflow_version,
                "constraints": env.constraints,
            }
        )
        workdir = self.rundir / env.mlflow_version
        workdir.mkdir(exist_ok=True)
        with self.timings.measure("workloads_s"):
            probe = probe_plugin(env, workdir, progress)
        self.info = self.info or PluginInfo(
            self.options.plugin,
            probe["name"],
            probe["version"],
            [
                EntryPoint(
                    ep["group"],
                    ep["name"],
                    ep["value"],
                    ep["loaded"],
                    ep["error"],
                    bool(ep.get("overrides")) and usable(ep),
                )
                for ep in probe["entry_points"]
            ],
        )
        runner = ScenarioRun(
            env, probe, self.settings, self.pool, self.options.report_dir, progress, self.timings
        )
        return self.prepared.setdefault(version, _Version("", env, probe, runner, workdir))

    def start_services(self, scenarios: list[Scenario], version: str | None) -> None:
        """Start, all at once, the services these scenarios need and the run lacks."""
        prepared = self.prepare(version)
        if prepared.runner is None:
            return
        eps = prepared.probe.get("entry_points", [])
        wanted = [
            s
            for s in scenarios
            if not skip_reason(s, eps) and not unplaceable(s, eps, self.settings)
        ]
        with self.timings.measure("services_s"):
            self.pool.start(
                {
                    (ref.name, ref.image): None
                    for s in wanted
                    for ref in s.services
                    if (ref.name, ref.image) not in self.pool.outcomes
                }
            )

    def run(self, scenario: Scenario, version: str | None) -> ScenarioResult:
        """Run one scenario under one MLflow version (its services started if need be)."""
        prepared = self.prepare(version)
        if prepared.runner is None or prepared.workdir is None or prepared.env is None:
            return ScenarioResult(scenario.name, str(version), Status.SKIPPED, prepared.unavailable)
        self.start_services([scenario], version)
        self.options.progress(f"scenario {scenario.name} (MLflow {prepared.env.mlflow_version})")
        return prepared.runner(scenario, prepared.workdir)

    def report(self, results: list[ScenarioResult]) -> RunReport:
        """The run's report (not yet written)."""
        info = self.info or PluginInfo(self.options.plugin, self.plugin.spec, "", [])
        return RunReport(
            info,
            results,
            self.environments,
            self.pool.labels.run_id,
            secrets=self.pool.secrets,
            timings=self.timings,
        )

    def close(self) -> None:
        """Remove the run's containers, network and temp dir."""
        try:
            self.pool.close()
        finally:
            shutil.rmtree(self.rundir, ignore_errors=True)


def execute(options: Options) -> RunReport:
    """Run the selected scenarios against the plugin, under each requested MLflow version, one
    after another, and return the report (not yet written)."""
    scenarios = select(options.scenarios)
    with Session(options) as session:
        results: list[ScenarioResult] = []
        for version in session.versions:
            session.start_services(scenarios, version)
            results += [session.run(scenario, version) for scenario in scenarios]
        return session.report(results)
