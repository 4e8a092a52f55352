"""One harness run: plugin environment, probe, each scenario's workloads and checks, report."""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from docker.errors import DockerException

from harness import ui
from harness.checks import Evidence, run_check
from harness.config import Settings, load_config, load_pyproject
from harness.contracts import FEATURES, GROUPS
from harness.environment import PluginEnv, ScriptFailed, ensure_environment
from harness.errors import HarnessError, NotInstallable, PluginInstallError, UsageError
from harness.plan import NotPlaceable, Stores, resolve_stores, skip_reason
from harness.plugin import parse_plugin
from harness.results import (CheckResult, EntryPoint, PluginInfo, RunReport, ScenarioResult,
                             ServiceInfo, Status)
from harness.scenario import OBSERVING, Conformance, Scenario, Ui, select
from harness.server import MlflowServer, ServerSpec, ServerUnavailable
from harness.services.base import Binding, ServiceExited
from harness.services.pool import Key, Outcome, ServicePool

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
    return {g.name: {"base": g.base, "constructor": g.constructor, "module_attrs": g.module_attrs}
            for g in GROUPS}


def _last_error(output: str) -> str:
    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line):
            return line[:500]
    return lines[-1][:500] if lines else "no output"


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
    stores: Stores
    bindings: dict[str, Binding]
    request: dict[str, Any]
    env: dict[str, str]
    server: MlflowServer | None = None  # server mode: the workloads are its HTTP clients
    server_stores: Stores | None = None  # the URIs the server uses, inside the run's network


class ScenarioRun:
    """Runs one scenario in the plugin environment against its services and judges the evidence."""

    def __init__(self, env: PluginEnv, probe: dict[str, Any], settings: Settings,
                 pool: ServicePool, report_dir: Path, progress: Callable[[str], None]) -> None:
        self.env, self.probe, self.settings, self.progress = env, probe, settings, progress
        self.pool, self.outcomes, self.report_dir = pool, pool.outcomes, report_dir

    def __call__(self, scenario: Scenario, rundir: Path) -> ScenarioResult:
        started = time.monotonic()
        version = self.env.mlflow_version
        reason = skip_reason(scenario, self.probe["entry_points"])
        if reason:
            return ScenarioResult(scenario.name, version, Status.SKIPPED, reason)
        outcomes = {ref.name: self.outcomes[(ref.name, ref.image)] for ref in scenario.services}
        infos = [ServiceInfo(name, name, o.service.image, o.substitute_for)
                 for name, o in outcomes.items() if o.service]
        for name, outcome in outcomes.items():
            if outcome.error:
                return ScenarioResult(scenario.name, version, Status.ERROR, outcome.error,
                                      services=infos)
            if outcome.skipped:
                return ScenarioResult(scenario.name, version, Status.SKIPPED,
                                      f"{name} unavailable: {outcome.skipped}", services=infos)
        try:
            side = self._side(scenario, outcomes, rundir, scenario.name, self.probe["entry_points"])
            oracle = (self._side(scenario, outcomes, rundir, f"{scenario.name}-oracle", [])
                      if any(w.kind == "conformance" for w in scenario.workloads) else None)
        except NotPlaceable as exc:
            return ScenarioResult(scenario.name, version, Status.SKIPPED, str(exc), services=infos)
        except Exception as exc:  # noqa: BLE001 - a service that cannot provision: an error
            detail = (f"{exc}: {_last_error(exc.output)}" if isinstance(exc, ScriptFailed)
                      else (str(exc).strip().splitlines() or [type(exc).__name__])[0])
            return ScenarioResult(scenario.name, version, Status.ERROR,
                                  f"preparing services failed: {detail}", services=infos)
        if scenario.server:
            served = self._served(scenario, side, outcomes, infos)
            if isinstance(served, ScenarioResult):
                return served
            side = served
        try:
            evidence, checks, output, attachments = self._workloads(scenario, side, oracle)
            for role, backend in side.stores.backends.items():
                if backend in side.bindings:
                    evidence.backends[role] = {
                        "service": backend,
                        **outcomes[backend].service.inspect(side.bindings[backend])}
            checks.extend(run_check(name, evidence) for name in scenario.checks)
            logs = (self._logs(outcomes, side.server)
                    if any(c.status in (Status.FAILED, Status.ERROR) for c in checks) else {})
        finally:
            if side.server:
                side.server.stop()
        stores = side.server_stores or side.stores
        uris = {"tracking": stores.tracking, "artifacts": stores.artifacts,
                "registry": stores.registry}
        if side.server:
            uris["server"] = side.server.url
        return ScenarioResult.from_checks(
            scenario.name, version, checks, duration_s=round(time.monotonic() - started, 2),
            services=infos, stores=uris, output=output[-20000:], attachments=attachments,
            logs=logs)

    def _served(self, scenario: Scenario, side: Side, outcomes: dict[str, Outcome],
                infos: list[ServiceInfo]) -> Side | ScenarioResult:
        """The side with its server started, or the scenario's result when it cannot be."""
        version = self.env.mlflow_version
        try:
            return self._serve(scenario, side)
        except NotPlaceable as exc:
            return ScenarioResult(scenario.name, version, Status.SKIPPED, str(exc),
                                  services=infos)
        except ServerUnavailable as exc:
            return ScenarioResult(scenario.name, version, Status.SKIPPED,
                                  f"mlflow server unavailable: {exc}", services=infos)
        except (HarnessError, DockerException) as exc:
            logs = self._logs(outcomes, side.server)
            if side.server:
                side.server.stop()
            if not isinstance(exc, ServiceExited):
                return ScenarioResult(scenario.name, version, Status.ERROR,
                                      f"mlflow server did not start: {exc}", services=infos,
                                      logs=logs)
            # the server process died or answers wrongly: the plugin's code was running in it
            what = str(exc).split(";")[0]
            why = _last_error(logs["mlflow-server"]) if "mlflow-server" in logs else ""
            return ScenarioResult.from_checks(
                scenario.name, version,
                [CheckResult("server", Status.FAILED, f"{what}; its log: {why}" if why else what)],
                services=infos, logs=logs)

    def _serve(self, scenario: Scenario, side: Side) -> Side:
        """Start ``mlflow server`` on the plugin's stores; the workloads become its clients."""
        apps = {ep["name"] for ep in self.probe["entry_points"] if ep["group"] == "mlflow.app"}
        if scenario.server_app and scenario.server_app not in apps:
            raise NotPlaceable(f"server_app {scenario.server_app!r} is not one of the plugin's "
                               f"mlflow.app entry points ({', '.join(sorted(apps)) or 'none'})")
        try:
            client, network = self.pool.network()
        except HarnessError as exc:
            raise ServerUnavailable(str(exc)) from None
        inside = {n: b.inside for n, b in side.bindings.items() if b.inside}
        stores = resolve_stores(scenario, self.probe["entry_points"], self.settings, side.workdir,
                                {n: b.namespace() for n, b in inside.items()})
        server = MlflowServer(client, self.pool.labels, network, self.env, side.workdir,
                              f"server-{scenario.name}")
        side.server = server  # stopped by the caller, whatever happens next
        server.start(ServerSpec(stores.tracking, stores.registry or stores.tracking,
                                stores.artifacts, scenario.server_app,
                                self._environment(scenario, side.workdir, inside)),
                    self.progress)
        request = {**side.request, "tracking_uri": server.url, "registry_uri": server.url,
                   "artifact_root": f"mlflow-artifacts:/{scenario.name}"}
        # Clients get no service credentials; every artifact byte goes through the server (no
        # presigned URLs naming an endpoint on the run's network, which clients outside it
        # cannot reach); a server error is an outcome, retried twice, not for minutes.
        client_env = {"MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD": "false",
                      "MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD": "false",
                      "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
                      **self._environment(scenario, side.workdir, side.bindings,
                                          credentials=False)}
        return Side(side.workdir, side.stores, side.bindings, request, client_env, server, stores)

    def _environment(self, scenario: Scenario, workdir: Path, bindings: dict[str, Binding],
                     credentials: bool = True) -> dict[str, str]:
        """Services' variables (unless ``credentials`` is off), the plugin's settings, then the
        scenario's ``env`` with its templates filled from ``bindings``."""
        values = {"workdir": str(workdir), **{n: b.namespace() for n, b in bindings.items()}}
        services = {k: v for b in bindings.values() for k, v in b.env.items()} if credentials else {}
        return {**services, **self.settings.env,
                **{k: v.format(**values) for k, v in scenario.env.items()}}

    def _logs(self, outcomes: dict[str, Outcome], server: MlflowServer | None,
              lines: int = 40) -> dict[str, str]:
        """The last lines of each container's log, attached to failures."""
        logs = {name: o.service.logs(lines) for name, o in outcomes.items() if o.service}
        if server:
            logs["mlflow-server"] = server.logs(lines)
        return {name: text for name, text in logs.items() if text.strip()}

    def _side(self, scenario: Scenario, outcomes: dict[str, Outcome], rundir: Path, label: str,
              entry_points: list[dict[str, Any]]) -> Side:
        """A private workdir and namespace in each service, and the store URIs to use there."""
        workdir = rundir / label
        workdir.mkdir()
        version = self.env.mlflow_version  # services are shared by every version of the run
        bindings = {name: o.service.provision(f"{label}-m{version}",
                                              self._migrate(workdir, scenario), schema=version)
                    for name, o in outcomes.items() if o.service}
        stores = resolve_stores(scenario, entry_points, self.settings, workdir,
                                {n: b.namespace() for n, b in bindings.items()})
        env = self._environment(scenario, workdir, bindings)
        request = {
            "plugin": self.env.plugin_name, "tracking_uri": stores.tracking,
            "registry_uri": stores.registry, "artifact_root": stores.artifacts,
            "registry_store": "registry" in stores.plugin_roles, "prefix": scenario.name,
        }
        return Side(workdir, stores, bindings, request, env)

    def _migrate(self, workdir: Path, scenario: Scenario) -> Callable[[str], None]:
        def migrate(uri: str) -> None:
            self.progress(f"{scenario.name}: creating MLflow's schema (migrations)")
            self.env.run_script("migrate", {"uri": uri, "artifact_root": str(workdir / "default")},
                                workdir=workdir, timeout=scenario.timeout_s)
        return migrate

    def _run(self, scenario: Scenario, side: Side, command: str,
             request: dict[str, Any]) -> dict[str, Any]:
        return self.env.run_script(command, {**side.request, **request}, workdir=side.workdir,
                                   timeout=scenario.timeout_s, env=side.env)

    def _workloads(self, scenario: Scenario, side: Side, oracle: Side | None
                   ) -> tuple[Evidence, list[CheckResult], str, dict[str, str]]:
        evidence = Evidence(self.probe)
        failures = _Failures()
        attachments: dict[str, str] = {}
        for workload in scenario.workloads:
            self.progress(f"{scenario.name}: {workload.kind} workload")
            run = functools.partial(self._run, scenario)
            if isinstance(workload, Ui):
                quickstart = next((m for m, _ in reversed(evidence.pairs)
                                   if m["workload"] == "quickstart"), None)
                if quickstart is None or side.server is None:
                    failures.checks.append(CheckResult(
                        "workload:ui", Status.SKIPPED, "no quickstart run in a server to look at"))
                    continue
                name = f"screenshots/{scenario.name}-mlflow-{self.env.mlflow_version}.png"
                evidence.observed["ui"] = ui.observe(side.server.url, quickstart,
                                                     self.report_dir / name)
                if evidence.observed["ui"].get("browser", {}).get("screenshot"):
                    attachments["screenshot"] = name
            elif isinstance(workload, Conformance):
                assert oracle is not None
                features = [f for f in workload.features or FEATURES
                            if FEATURES[f] in side.stores.plugin_roles]
                mine = failures.attempt("workload:conformance", run, side, "conformance",
                                        {"features": features})
                if mine is None:
                    continue
                self.progress(f"{scenario.name}: the same on MLflow's own stores")
                theirs = failures.attempt("oracle:conformance", run, oracle, "conformance",
                                          {"features": features}, status=Status.ERROR)
                if theirs is not None:
                    evidence.contract = {
                        "plugin": mine["features"], "oracle": theirs["features"],
                        "errors": mine["errors"], "roles": list(side.stores.plugin_roles),
                        "unsupported": dict(self.settings.unsupported),
                        "surfaces": {"plugin": mine.get("surfaces", {}),
                                     "oracle": theirs.get("surfaces", {})},
                        "missing_methods": dict(self.settings.missing_methods)}
            elif isinstance(workload, OBSERVING):  # answers are observations, not manifests
                observed = failures.attempt(f"workload:{workload.kind}", run, side, workload.kind,
                                            {"targets": dict(self.settings.deployment_targets),
                                             "datasets": dict(self.settings.datasets)})
                if observed is not None:
                    evidence.observed[workload.kind] = observed
            else:
                manifest = failures.attempt(f"workload:{workload.kind}", run, side, workload.kind,
                                            {"options": workload.model_dump()},
                                            hint=side.stores.guess_hint())
                if manifest is None:
                    continue
                self.progress(f"{scenario.name}: reading back through MLflow")
                observed = failures.attempt(f"readback:{workload.kind}", run, side, "readback",
                                            {"manifest": manifest})
                if observed is not None:
                    evidence.pairs.append((manifest, observed))
        return evidence, failures.checks, "\n".join(failures.outputs), attachments


class _Failures:
    """Scripts that failed, as check results, with their output kept for the report."""

    def __init__(self) -> None:
        self.checks: list[CheckResult] = []
        self.outputs: list[str] = []

    def attempt(self, name: str, fn: Callable[..., dict[str, Any]], *args: Any,
                status: Status = Status.FAILED, hint: str = "") -> dict[str, Any] | None:
        try:
            return fn(*args)
        except ScriptFailed as exc:
            self.checks.append(CheckResult(name, status, f"{exc}: {_last_error(exc.output)}{hint}"))
            self.outputs.append(exc.output)
            return None


def probe_plugin(env: PluginEnv, workdir: Path, progress: Callable[[str], None]) -> dict[str, Any]:
    """Load every entry point of the plugin inside its environment."""
    progress("probing entry points")
    try:
        return env.run_script("probe", {"plugin": env.plugin_name, "groups": _groups_request()},
                              workdir=workdir, timeout=300)
    except ScriptFailed as exc:
        raise PluginInstallError(
            f"plugin {env.plugin_name} cannot be inspected: {_last_error(exc.output)}") from None


def execute(options: Options) -> RunReport:
    """Run the selected scenarios against the plugin, under each requested MLflow version, and
    return the report (not yet written)."""
    scenarios = select(options.scenarios)
    plugin = parse_plugin(options.plugin)
    settings = load_settings(options, plugin.settings_file())
    sweep_temp_dirs()
    versions: list[str | None] = list(options.mlflow_versions) or [None]
    rundir = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
    pool = ServicePool(options.progress)
    results: list[ScenarioResult] = []
    environments: list[dict[str, Any]] = []
    info: PluginInfo | None = None
    try:
        for version in versions:
            try:
                env = ensure_environment(plugin, version, options.progress)
            except NotInstallable as exc:
                if len(versions) == 1:
                    raise
                reason = f"not installable with MLflow {version} (pin: {exc.pin})"
                options.progress(reason)
                environments.append({"mlflow_version": version, "installable": False,
                                     "reason": reason})
                results += [ScenarioResult(s.name, str(version), Status.SKIPPED, reason)
                            for s in scenarios]
                continue
            state = "reused" if env.reused else "built"
            options.progress(f"environment {state} in {env.build_seconds:.1f} s: {env.path}")
            environments.append({"path": str(env.path), "reused": env.reused,
                                 "seconds": round(env.build_seconds, 2),
                                 "python": sys.version.split()[0], "installable": True,
                                 "mlflow_version": env.mlflow_version,
                                 "constraints": env.constraints})
            versiondir = rundir / env.mlflow_version
            versiondir.mkdir(exist_ok=True)
            probe = probe_plugin(env, versiondir, options.progress)
            info = info or PluginInfo(
                options.plugin, probe["name"], probe["version"],
                [EntryPoint(ep["group"], ep["name"], ep["value"], ep["loaded"], ep["error"])
                 for ep in probe["entry_points"]])
            runnable = [s for s in scenarios if not skip_reason(s, probe["entry_points"])]
            pool.start({(ref.name, ref.image): None for s in runnable for ref in s.services
                        if (ref.name, ref.image) not in pool.outcomes})
            scenario_run = ScenarioRun(env, probe, settings, pool, options.report_dir,
                                       options.progress)
            for scenario in scenarios:
                options.progress(f"scenario {scenario.name} (MLflow {env.mlflow_version})")
                results.append(scenario_run(scenario, versiondir))
    finally:
        pool.close()
        shutil.rmtree(rundir, ignore_errors=True)
    if info is None:  # no version could be installed: nothing to inspect
        info = PluginInfo(options.plugin, plugin.spec, "", [])
    return RunReport(info, results, environments, pool.labels.run_id, secrets=pool.secrets)
