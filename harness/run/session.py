"""One harness run: the plugin's environments (one per MLflow version), their probes, the run's
services and temp dir, and each scenario run through ``ScenarioRun``."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import docker

from harness.env import reach
from harness.env.environment import (
    PluginEnv,
    ScriptFailed,
    ensure_environment,
    script_environment,
)
from harness.env.processes import TEMP_PREFIX, WORKLOADS, ForkServer, Launcher
from harness.model.config import Settings, load_config, load_pyproject
from harness.model.contracts import GROUPS
from harness.model.errors import InfrastructureError, NotInstallable, PluginInstallError, UsageError
from harness.model.plugin import PluginSource, parse_plugin
from harness.model.results import EntryPoint, PluginInfo, RunReport, ScenarioResult, Status, Timings
from harness.planning.plan import overridden, skip_reason, unplaceable, usable
from harness.planning.profiles import quick
from harness.planning.scenario import Scenario, directories, select
from harness.planning.shard import ShardSpec
from harness.run.attempts import last_error
from harness.run.runner import ScenarioRun
from harness.run.upgrade import UpgradePath, arrow, not_upgradable, shared_with_mlflow, skew
from harness.sandbox.build import Builder
from harness.sandbox.container import Sandbox, Sandboxed, host_reach, make_workdir, owner
from harness.services.pool import ServicePool


@dataclass
class Options:
    """What the user asked for."""

    plugin: str
    scenarios: list[str] | None = None
    mlflow_versions: list[str] = field(default_factory=list)  # empty: the newest
    config: Path | None = None
    report_dir: Path = Path("reports")
    progress: Callable[[str], None] = field(default=lambda _msg: None)
    knobs: dict[str, Any] = field(default_factory=dict)  # workload options (--examples, --seed)
    fresh_processes: bool = False  # every script in a new interpreter, no fork server
    profile: str | None = None  # a named selection of the default scenarios (``profiles``)
    scenario_dirs: list[Path] = field(default_factory=list)  # --scenario-dir, besides the defaults
    shard: ShardSpec | None = None  # --shard K/N: this machine's share of the selection
    sandbox: bool = True  # every process of the plugin's environment in a locked-down container
    upgrade: tuple[str, str | None] | None = None  # --upgrade FROM[:TO] (TO None: the newest)
    upgrade_plugin: str | None = None  # --upgrade-plugin: the release that writes before it

    def select(self) -> list[Scenario]:
        """The scenarios asked for, from the harness's, the plugin's and the given directories."""
        found = directories(self.plugin, self.scenario_dirs)
        return select(self.scenarios, found, everything=self.profile == "full")

    def paths(self, scenario: Scenario) -> list[tuple[str | None, tuple[str, str | None] | None]]:
        """How ``scenario`` runs: under each MLflow version asked for (``(version, None)``), and
        as the upgrade path it declares or ``--upgrade`` asks for (``(None, path)``). With an
        upgrade asked for and no version, only as the path."""
        declared = scenario.upgrade
        if declared is not None:
            return [(None, (declared.before, declared.after))]
        versions: list[str | None] = list(self.mlflow_versions) or [None]
        plain = [] if self.upgrade and not self.mlflow_versions else [(v, None) for v in versions]
        return [*plain, *([(None, self.upgrade)] if self.upgrade else [])]


def _groups_request() -> dict[str, dict[str, Any]]:
    return {
        g.name: {"base": g.base, "constructor": g.constructor, "module_attrs": g.module_attrs}
        for g in GROUPS
    }


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
        answer: dict[str, Any] = json.loads(cached.read_text())
        return answer
    progress("probing entry points")
    try:
        # fresh: it reads packaging metadata and traces imports before MLflow is imported
        answer = env.run_script("probe", request, workdir=workdir, timeout=300, fresh=True)
    except ScriptFailed as exc:
        raise PluginInstallError(
            f"plugin {env.plugin_name} cannot be inspected: {last_error(exc.output)}"
        ) from None
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(answer))
    partial.replace(cached)
    return answer


def _plugin_info(spec: str, probe: dict[str, Any]) -> PluginInfo:
    """The plugin as probed: its name, version and entry points."""
    entry_points = [
        EntryPoint(
            ep["group"],
            ep["name"],
            ep["value"],
            ep["loaded"],
            ep["error"],
            bool(ep.get("overrides")) and usable(ep),
        )
        for ep in probe["entry_points"]
    ]
    return PluginInfo(spec, probe["name"], probe["version"], entry_points)


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
        # by the MLflow version asked for, and the plugin release (None: the plugin)
        self.prepared: dict[tuple[str | None, str | None], _Version] = {}
        self.shared = self.rundir / "upgrades"  # an upgrade path's sides: every sandbox sees it
        self.upgrading = bool(options.upgrade) or any(s.upgrade for s in options.select())
        self.launchers: list[tuple[dict[str, Any], Launcher]] = []  # per environment
        self.sandboxes: list[Sandbox] = []
        self._source: PluginSource | None = None
        self._releases: dict[str, PluginSource] = {}  # --upgrade-plugin
        self.built = ""
        network = self._network if options.sandbox else None
        self.builder = Builder(self.rundir / "build", network, self.pool.labels, options.progress)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def prepare(self, version: str | None, release: str | None = None) -> _Version:
        """The environment and probe for one MLflow version (and plugin ``release``, by
        default the plugin), built or reused on first use.

        Raises NotInstallable when the run has this one version only: there is nothing to run.
        """
        if (version, release) in self.prepared:
            return self.prepared[(version, release)]
        progress = self.options.progress
        try:
            env = self._environment(version, release)
        except NotInstallable as exc:
            if len(self.versions) == 1 and not self.options.upgrade:
                raise
            reason = f"not installable with MLflow {version} (pin: {exc.pin})"
            progress(reason)
            self.environments.append(
                {"mlflow_version": version, "installable": False, "reason": reason}
            )
            return self.prepared.setdefault((version, release), _Version(unavailable=reason))
        state = "reused" if env.reused else "built"
        progress(f"environment {state} in {env.build_seconds:.1f} s: {env.path}")
        env, workdir, contained = self._contained(env, "-before" if release else "")
        self.environments.append(
            {
                "path": str(env.path),
                "reused": env.reused,
                "seconds": round(env.build_seconds, 2),
                "python": sys.version.split()[0],
                "installable": True,
                "mlflow_version": env.mlflow_version,
                "constraints": env.constraints,
                "plugin_build": self.built if release is None else release,
                "sandbox": contained,
            }
        )
        self.launchers.append((self.environments[-1], env.launcher))
        with self.timings.measure("workloads_s"):
            probe = probe_plugin(env, workdir, progress)
        if release is None:  # the plugin, not the older release an upgrade path starts from
            self.info = self.info or _plugin_info(self.options.plugin, probe)
        runner = ScenarioRun(
            env,
            probe,
            self._settings(release),
            self.pool,
            self.options.report_dir,
            progress,
            self.timings,
            self.options.knobs,
            fresh=self.options.fresh_processes,
        )
        prepared = _Version("", env, probe, runner, workdir)
        return self.prepared.setdefault((version, release), prepared)

    def _contained(self, env: PluginEnv, suffix: str) -> tuple[PluginEnv, Path, dict[str, Any]]:
        """``env`` with its workdir, watch and launcher (see ``_launcher``)."""
        workdir = self.rundir / f"{env.mlflow_version}{suffix}"
        workdir.mkdir(exist_ok=True)
        if self.upgrading:
            make_workdir(self.shared)
        watch = {
            "write": [str(workdir), *([str(self.shared)] if self.upgrading else [])],
            "read": [str(env.path)],
            "sandboxed": self.options.sandbox,
        }
        env = replace(env, watch=watch, profile=self.timings.scripts)  # its scripts' phases
        env, contained = self._launcher(env, workdir, suffix)
        return env, workdir, contained

    def _settings(self, release: str | None) -> Settings:
        """The plugin's settings; for an older release, its own when it has a settings file."""
        if release is not None and (found := parse_plugin(release).settings_file()):
            return load_settings(self.options, found)
        return self.settings

    def _environment(self, version: str | None, release: str | None) -> PluginEnv:
        with self.timings.measure("environments_s"):
            source = self._installable(release)
            wheels = self.builder.index_wheels if self.options.sandbox else None
            return ensure_environment(source, version, self.options.progress, wheels)

    def _installable(self, release: str | None = None) -> PluginSource:
        """The plugin (or an older ``release`` of it) as the installer takes it: a local source
        built into a wheel first (in the sandbox by default: its build backend is the plugin's
        code), once per run."""
        if release is not None:
            if release not in self._releases:
                self._releases[release] = self.builder.plugin(parse_plugin(release))[0]
            return self._releases[release]
        if self._source is None:
            self._source, self.built = self.builder.plugin(self.plugin)
            self.options.progress(f"plugin: {self.built}")
        return self._source

    def _network(self) -> tuple[docker.DockerClient, str]:
        try:
            return self.pool.network()
        except InfrastructureError as exc:
            raise InfrastructureError(
                f"the sandbox cannot start: {exc}; or run with --no-sandbox"
            ) from None

    def _launcher(
        self, env: PluginEnv, workdir: Path, suffix: str
    ) -> tuple[PluginEnv, dict[str, Any]]:
        """``env`` with the launcher its scripts start through, and the sandbox's description.

        Sandboxed (the default): a container for this environment, its fork server and process
        supervisor inside. Otherwise on the host: a fork server, unless fresh processes were
        asked for or the server cannot start (then fresh processes, and the report says why)."""
        progress = self.options.progress
        if self.options.sandbox:
            client, network = self._network()
            make_workdir(workdir)
            sandbox = Sandbox(
                env,
                workdir,
                client,
                network,
                self.pool.labels,
                progress,
                self.shared if self.upgrading else None,
                suffix,
            )
            self.sandboxes.append(sandbox)
            sandbox.start()
            progress(f"sandboxed: {env.plugin_name} runs in container {sandbox.name}")
            launcher = sandbox.launcher(self.options.fresh_processes)
            base = Sandbox.base_environment()
            contained = replace(
                env, launcher=launcher, base_env=base, owner=owner(), sandboxed=True
            )
            return contained, sandbox.describe()
        reach = {"mode": "none", "reach": host_reach()}
        progress(f"not sandboxed (--no-sandbox): the plugin can reach {reach['reach']}")
        if self.options.fresh_processes:
            return env, reach
        progress("starting the fork server (preloading MLflow's dependencies)")
        server = ForkServer(env.python, script_environment({}, env.path / "bin"), env.plugin_name)
        server.begin()
        return replace(env, launcher=server), reach

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
        result = prepared.runner(scenario, prepared.workdir)
        result.sandbox = reach.collect(
            prepared.workdir,
            scenario.name,
            prepared.env.sandboxed,
            self._published(scenario, result),
        )
        return result

    def upgrade(self, scenario: Scenario, path: tuple[str, str | None]) -> list[ScenarioResult]:
        """Run one scenario as the upgrade path from ``path[0]`` (with ``--upgrade-plugin``'s
        release, if given) to ``path[1]`` (None: the newest MLflow); a server-mode scenario as
        version skew, both ways: clients of one version, the server of the other."""
        before = self.prepare(path[0], self.options.upgrade_plugin)
        after = self.prepare(path[1])
        if before.runner is None or after.runner is None or not (before.env and after.env):
            label = arrow(path[0], path[1] or "newest")
            why = before.unavailable or after.unavailable
            return [ScenarioResult(scenario.name, label, Status.SKIPPED, why)]
        label = arrow(before.env.mlflow_version, after.env.mlflow_version)
        if not (scenario.server and scenario.clients == "http") and not scenario.upgradable():
            return [not_upgradable(scenario, label)]
        self.start_services([scenario], path[1])
        if scenario.server:
            return [self._skew(scenario, after, before), self._skew(scenario, before, after)]
        self.options.progress(f"scenario {scenario.name} (upgrade {label})")
        result = UpgradePath(before.runner, after.runner, self.shared)(scenario)
        published = self._published(scenario, result)
        sandboxed = after.env.sandboxed
        result.sandbox = reach.collect(
            self.shared, f"{scenario.name}-upgrade", sandboxed, published
        )
        return [result]

    def _skew(self, scenario: Scenario, clients: _Version, server: _Version) -> ScenarioResult:
        """``scenario`` (server mode) with ``server``'s ``mlflow server`` and ``clients``'
        workloads, in the directory both see."""
        assert server.runner and server.env and clients.runner and clients.env
        label = skew(clients.env.mlflow_version, server.env.mlflow_version)
        self.options.progress(f"scenario {scenario.name} ({label})")
        workdir = self.shared / label.replace(" ", "-").replace("/", "")
        make_workdir(workdir)
        result = server.runner(scenario, workdir, clients.runner.provisioner)
        result.mlflow_version = label
        # MLflow's own stores behind the same pair (not where the plugin replaces one of them:
        # the server would load the plugin's store for MLflow's scheme)
        if result.status is Status.FAILED and not overridden(server.probe["entry_points"]):
            self.options.progress(f"{scenario.name}: the same {label} on MLflow's own stores")
            own = make_workdir(workdir.with_name(f"{workdir.name}-own"))
            theirs = server.runner(scenario, own, clients.runner.provisioner, own=True)
            result = shared_with_mlflow(result, theirs)
        published = self._published(scenario, result)
        result.sandbox = reach.collect(workdir, scenario.name, server.env.sandboxed, published)
        return result

    def _published(self, scenario: Scenario, result: ScenarioResult) -> set[int]:
        """The host ports the run gave the scenario: its services', and its server's."""
        outcomes = [self.pool.outcomes.get((ref.name, ref.image)) for ref in scenario.services]
        ports = {o.service.host_port for o in outcomes if o is not None and o.service}
        server = result.stores.get("server", "")
        return ports | ({int(server.rpartition(":")[2])} if server else set())

    def report(self, results: list[ScenarioResult]) -> RunReport:
        """The run's report (not yet written)."""
        for environment, launcher in self.launchers:
            environment["processes"] = launcher.summary()
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
            for _, launcher in self.launchers:
                if isinstance(launcher, ForkServer | Sandboxed):
                    launcher.close()
            for sandbox in self.sandboxes:
                sandbox.close()
            self.pool.close()
        finally:
            shutil.rmtree(self.rundir, ignore_errors=True)


def execute(options: Options) -> RunReport:
    """Run the selected scenarios against the plugin, under each requested MLflow version, one
    after another, and return the report (not yet written). With a shard, only its share of
    the scenario and version pairs (and no environment for a version it has none of)."""
    scenarios = options.select()
    plan = options.shard.plan(scenarios, options.mlflow_versions) if options.shard else None
    if plan is not None and not plan.mine:
        return plan.empty_report(options.plugin)
    with Session(options) as session:
        results: list[ScenarioResult] = []
        if options.profile == "quick":
            prepared = session.prepare(session.versions[0])
            entry_points = prepared.probe.get("entry_points", [])
            scenarios = quick(scenarios, entry_points, session.settings)
        for version in session.versions:
            chosen = plan.scenarios(scenarios, version) if plan else scenarios
            chosen = [s for s in chosen if (version, None) in options.paths(s)]
            if not chosen:
                continue
            session.start_services(chosen, version)
            results += [session.run(scenario, version) for scenario in chosen]
        first = session.versions[0]  # with shards, a path runs on the shard taking this item
        for scenario in scenarios:
            if plan is None or plan.takes(scenario.name, first):
                for _, path in options.paths(scenario):
                    results += session.upgrade(scenario, path) if path else []
        report = session.report(results)
        report.shard = plan.record() if plan else None
        return report
