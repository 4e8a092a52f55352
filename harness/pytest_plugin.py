"""pytest integration (entry point ``pytest11``): the harness inside a plugin author's suite.

``pytest --mlflow-plugin=.`` adds one test item per scenario (and MLflow version); each runs
its scenario, in the harness's cached environments, exactly as ``mlflow-plugin-harness run``
would: passed, failed, skipped (with the reason) and error map onto pytest's outcomes; an
inconclusive scenario fails its item ("inconclusive: <reason>"), since it is not a pass (the
CLI exits 1 for it) and an xfail or a skip would let it pass silently. Container logs are
attached to failures as report sections. Under pytest-xdist (``-n 2``) each
worker has its own services; the workers' reports are merged into one in
``--mlflow-report-dir``.

The service fixtures (``mlflow_postgres``, ``mlflow_mysql``, ``mlflow_minio``) start each
container once per session and give every test its own fresh database or bucket.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr

    from harness.model.results import RunReport, ScenarioResult
    from harness.planning.scenario import Scenario
    from harness.planning.shard import Plan
    from harness.run.session import Session
    from harness.services.pool import ServicePool


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlflow-plugin-harness", "MLflow plugin harness")
    group.addoption(
        "--mlflow-plugin",
        metavar="PLUGIN",
        help="run the harness's scenarios against PLUGIN (a directory, a wheel or "
        "a requirement), one test item per scenario",
    )
    group.addoption(
        "--mlflow-scenario",
        action="append",
        metavar="NAME",
        help="scenario name or YAML file (repeatable; default: all)",
    )
    group.addoption(
        "--mlflow-scenario-dir",
        action="append",
        type=Path,
        metavar="DIR",
        help="more scenarios: every *.yaml in DIR (repeatable); scenarios/ in the plugin's "
        "directory is read too",
    )
    group.addoption(
        "--mlflow-version",
        action="append",
        metavar="VERSION[,VERSION...]",
        help="MLflow version(s) to test against (default: newest)",
    )
    group.addoption(
        "--mlflow-config",
        type=Path,
        metavar="FILE",
        help="the harness's YAML settings for the plugin",
    )
    group.addoption(
        "--mlflow-report-dir",
        type=Path,
        default=Path("reports/mlflow-plugin-harness"),
        metavar="DIR",
        help="where report.html, report.json and junit.xml go",
    )
    group.addoption(
        "--mlflow-examples", type=int, metavar="N", help="domain workload: examples to try"
    )
    group.addoption(
        "--mlflow-seed", type=int, metavar="S", help="domain workload: the seed (default: random)"
    )
    group.addoption(
        "--mlflow-fresh-processes",
        action="store_true",
        help="start every script in a new interpreter, not forked from a preloading server",
    )
    group.addoption(
        "--mlflow-no-sandbox",
        action="store_true",
        help="run the plugin's code on the host, not in the locked-down sandbox container",
    )
    _add_shard_options(group)
    _add_upgrade_options(group)


def _add_upgrade_options(group: pytest.OptionGroup) -> None:
    group.addoption(
        "--mlflow-upgrade",
        metavar="FROM[:TO]",
        help="run the scenarios that write stored data as the upgrade path from MLflow FROM "
        "to TO (default: newest); server-mode ones as version skew (docs/upgrades.md)",
    )
    group.addoption(
        "--mlflow-upgrade-plugin",
        metavar="REQUIREMENT-OR-PATH",
        help="with --mlflow-upgrade: the older plugin release that writes under FROM",
    )


def _add_shard_options(group: pytest.OptionGroup) -> None:
    group.addoption(
        "--mlflow-shard",
        type=_shard_option,
        metavar="K/N",
        help="only shard K of N of the scenario and MLflow version pairs (CI matrices; "
        "`mlflow-plugin-harness merge` joins the shards' reports)",
    )
    group.addoption(
        "--mlflow-durations",
        type=Path,
        metavar="FILE",
        help="a previous report.json whose durations balance the shards",
    )


def _shard_option(value: str) -> str:
    import argparse

    from harness.planning.shard import ShardSpec

    try:
        ShardSpec.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


Path_ = tuple[str, str | None]  # an upgrade path: FROM, TO (None: the newest MLflow)


def _path(value: str | None) -> Path_ | None:
    """``--mlflow-upgrade FROM[:TO]``."""
    if not value:
        return None
    before, _, after = value.partition(":")
    return before.strip(), after.strip() or None


def _item_name(scenario: Scenario, version: str, path: Path_ | None, index: int) -> str:
    if path is not None:
        skewed = scenario.server and scenario.clients == "http"
        skew = f"-skew{index + 1}" if skewed else ""  # clients of TO, then of FROM
        return f"{scenario.name}[upgrade-{path[0]}-{path[1] or 'newest'}{skew}]"
    return f"{scenario.name}[mlflow-{version}]" if version else scenario.name


REPORT = pytest.StashKey["RunReport"]()  # the merged report, once the session has finished
_RUN = pytest.StashKey["HarnessRun"]()
_WORKER_OUTPUT = "mlflow-plugin-harness"


class HarnessRun:
    """The harness in this pytest process: one session (a worker's own under xdist, with its own
    services), each item's scenario run when the item runs; one report at the end, merged
    from every worker's."""

    def __init__(self, config: pytest.Config) -> None:
        from harness.reports.report import Masker

        self.config = config
        self.session: Session | None = None
        self.failure = ""  # the harness could not run at all (bad input, no plugin, ...)
        self.results: list[ScenarioResult] = []
        self.mask = Masker()
        self.workers: list[dict[str, Any]] = []  # under xdist, on the controller
        self.upgrades: dict[tuple[str, Path_], list[ScenarioResult]] = {}  # its items share one

    def options(self) -> dict[str, Any]:
        opt = self.config.getoption
        return {
            "plugin": opt("mlflow_plugin"),
            "scenarios": opt("mlflow_scenario") or None,
            "scenario_dirs": opt("mlflow_scenario_dir") or [],
            "versions": [
                v.strip()
                for item in opt("mlflow_version") or []
                for v in item.split(",")
                if v.strip()
            ],
            "config": opt("mlflow_config"),
            "report_dir": opt("mlflow_report_dir"),
            "knobs": {k: v for k in ("examples", "seed") if (v := opt(f"mlflow_{k}")) is not None},
            "fresh_processes": bool(opt("mlflow_fresh_processes")),
            "sandbox": not opt("mlflow_no_sandbox"),
            "upgrade": _path(opt("mlflow_upgrade")),
            "upgrade_plugin": opt("mlflow_upgrade_plugin"),
        }

    def scenarios(self) -> list[Scenario]:
        """The scenarios asked for, from the harness's, the plugin's and the given directories."""
        from harness.planning.scenario import directories, select

        o = self.options()
        return select(o["scenarios"], directories(o["plugin"], o["scenario_dirs"]))

    def plan(self) -> Plan | None:
        """With --mlflow-shard, this shard's share of the selection."""
        from harness.model.errors import UsageError
        from harness.planning.shard import ShardSpec

        spec = self.config.getoption("mlflow_shard")
        if spec is None:
            return None
        shard = ShardSpec.parse(spec, self.config.getoption("mlflow_durations"))
        try:
            return shard.plan(self.scenarios(), self.options()["versions"])
        except UsageError as exc:  # a durations file that is no report
            raise pytest.UsageError(f"mlflow-plugin-harness: {exc}") from None

    def paths(self, scenario: Scenario) -> list[tuple[str, Path_ | None, int]]:
        """The items of ``scenario``: (version, None, 0) per MLflow version, and (\"\", path,
        i) per result of its upgrade path (two for version skew)."""
        from harness.run.session import Options

        o = self.options()
        options = Options(o["plugin"], mlflow_versions=o["versions"], upgrade=o["upgrade"])
        skew = scenario.server and scenario.clients == "http"
        return [
            (version or "", path, index)
            for version, path in options.paths(scenario)
            for index in range(2 if path and skew else 1)
        ]

    def result(
        self, scenario: Scenario, version: str, path: Path_ | None = None, index: int = 0
    ) -> ScenarioResult:
        from harness.model.errors import HarnessError
        from harness.reports.report import Masker

        if not self.failure:
            try:
                session = self._session()
                results, found = self._results(session, scenario, version, path, index)
            except HarnessError as exc:
                self.failure = str(exc)
            else:
                self.results += results
                self.mask = Masker(session.pool.secrets)
                return found
        raise RuntimeError(f"mlflow-plugin-harness: {self.failure}")

    def _results(
        self, session: Session, scenario: Scenario, version: str, path: Path_ | None, index: int
    ) -> tuple[list[ScenarioResult], ScenarioResult]:
        """The new results for the report, and the item's: an upgrade path runs once for
        all of its items."""
        if path is None:
            result = session.run(scenario, version or None)
            return [result], result
        key = (scenario.name, path)
        known = key in self.upgrades
        results = self.upgrades[key] if known else session.upgrade(scenario, path)
        self.upgrades[key] = results
        found = results[index] if index < len(results) else results[0]  # skipped as a whole
        return ([] if known else results), found

    def _session(self) -> Session:
        from harness.run.session import Options, Session

        if self.session is None:
            o = self.options()
            reporter = self.config.pluginmanager.get_plugin("terminalreporter")

            def progress(message: str) -> None:
                if reporter is not None and self.config.getoption("verbose") > 0:
                    reporter.write_line(f"mlflow-plugin-harness: {message}")

            self.session = Session(
                Options(
                    plugin=o["plugin"],
                    scenarios=o["scenarios"],
                    mlflow_versions=o["versions"],
                    config=o["config"],
                    report_dir=o["report_dir"],
                    progress=progress,
                    knobs=o["knobs"],
                    fresh_processes=o["fresh_processes"],
                    sandbox=o["sandbox"],
                    scenario_dirs=o["scenario_dirs"],
                    upgrade=o["upgrade"],
                    upgrade_plugin=o["upgrade_plugin"],
                )
            )
        return self.session

    def finish(self) -> None:
        """Remove what the session created; hand the report to the controller, or merge the
        workers' and write it."""
        report = None
        if self.session is not None:
            try:
                report = self.session.report(self.results)
            finally:
                self.session.close()
        worker = getattr(self.config, "workerinput", None)
        if worker is not None:  # masked here: the secrets never leave the worker
            if report is not None:
                output: dict[str, Any] = getattr(self.config, "workeroutput", {})  # xdist's
                output[_WORKER_OUTPUT] = worker_part(report)
            return
        if self.workers:
            from harness.reports.merge import merge_reports

            report = merge_reports(
                self.workers, [s.name for s in self.scenarios()], self.options()["versions"]
            )
        if report is not None:
            plan = self.plan()
            report.shard = plan.record() if plan else None
            self.config.stash[REPORT] = report
            _write(report, self.options()["report_dir"])


def worker_part(report: RunReport) -> str:
    """A worker's report as it goes to the controller: JSON, every secret of the worker's
    services masked (the controller never has them)."""
    from harness.reports.report import Masker

    return Masker(report.secrets)(json.dumps(report.to_dict()))


def _write(report: RunReport, report_dir: Path) -> None:
    from harness.reports.publish import write_reports

    write_reports(report, report_dir)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("mlflow_plugin", None):
        config.stash[_RUN] = HarnessRun(config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    run = session.config.stash.get(_RUN, None)
    if run is not None:
        run.finish()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist, on the controller: a worker has finished; keep its report."""
    run = node.config.stash.get(_RUN, None)
    output = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT)
    if run is not None and output:
        run.workers.append(json.loads(output))


class ScenarioFailed(Exception):
    """A check found a defect in the plugin."""


class ScenarioInconclusive(Exception):
    """The plugin could not be put to the test: not a pass, so the item fails."""


class ScenarioItem(pytest.Item):
    """One scenario under one MLflow version ("" when the newest), or one result (``index``)
    of its ``upgrade`` path."""

    def __init__(
        self,
        *,
        scenario: Scenario,
        version: str,
        run: HarnessRun,
        upgrade: Path_ | None = None,
        index: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.scenario, self.version, self.run = scenario, version, run
        self.upgrade, self.index = upgrade, index
        self.outcome: ScenarioResult | None = None

    def setup(self) -> None:
        from harness.model.results import Status

        self.outcome = self.run.result(self.scenario, self.version, self.upgrade, self.index)
        self.user_properties.append(("mlflow-status", self.outcome.status.value))  # for xdist
        if self.outcome.status is Status.ERROR:  # the harness or infrastructure broke
            self._attach()
            raise RuntimeError(f"harness error: {self.run.mask(self.outcome.reason)}")

    def runtest(self) -> None:
        from harness.model.results import Status

        assert self.outcome is not None
        if self.outcome.status is Status.SKIPPED:
            pytest.skip(self.run.mask(self.outcome.reason))
        if self.outcome.status is Status.FAILED:
            self._attach()
            raise ScenarioFailed(self.run.mask(self.outcome.reason))
        if self.outcome.status is Status.INCONCLUSIVE:
            self._attach()
            raise ScenarioInconclusive(f"inconclusive: {self.run.mask(self.outcome.reason)}")

    def _attach(self) -> None:
        assert self.outcome is not None
        for container, text in self.outcome.logs.items():
            self.add_report_section("call", f"log of {container}", self.run.mask(text))
        if self.outcome.output:
            self.add_report_section("call", "workload output", self.run.mask(self.outcome.output))

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, (ScenarioFailed, ScenarioInconclusive, RuntimeError)):
            from harness.reports.report import console_notes

            if self.outcome is None:  # the harness did not run
                return str(excinfo.value)
            lines = [
                f"{self.scenario.name} (MLflow {self.outcome.mlflow_version}): "
                f"{self.outcome.status.value}"
            ]
            if isinstance(excinfo.value, ScenarioInconclusive):  # the reason names the checks
                lines.append(f"  {excinfo.value}")
            lines += [
                f"  {c.status.value.upper():<7} {c.name} [blame: "
                f"{c.blame.value if c.blame else '?'}]: {self.run.mask(c.detail)}"
                for c in self.outcome.checks
                if c.status.value in ("failed", "error")
            ]
            lines += [
                f"  {line}"
                for c in self.outcome.checks
                for line in console_notes(c.name, [self.run.mask(n) for n in c.notes])
            ]
            return "\n".join(lines if len(lines) > 1 else [*lines, str(excinfo.value)])
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "mlflow-plugin-harness", None, f"scenario {self.name}"


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """With --mlflow-plugin, one item per selected scenario and MLflow version."""
    if not config.getoption("mlflow_plugin"):
        return
    run = config.stash[_RUN]
    plan = run.plan()
    added = []
    for scenario in run.scenarios():
        for version, path, index in run.paths(scenario):
            if plan is not None and not plan.takes(scenario.name, version):
                continue  # another shard's
            name = _item_name(scenario, version, path, index)
            added.append(
                ScenarioItem.from_parent(
                    session,
                    name=name,
                    nodeid=f"mlflow-plugin-harness::{name}",
                    scenario=scenario,
                    version=version,
                    run=run,
                    upgrade=path,
                    index=index,
                )
            )
    items.extend(added)
    # reported like collected items, so "collected N items" counts them
    config.hook.pytest_collectreport(
        report=pytest.CollectReport("mlflow-plugin-harness", "passed", None, [*added])
    )


# ------------------------------------------------------------------ service fixtures


@pytest.fixture(scope="session")
def mlflow_services() -> Iterator[ServicePool]:
    """The session's service containers (started on first use, all removed at the end)."""
    from harness.services.pool import ServicePool

    pool = ServicePool(lambda _message: None)
    try:
        yield pool
    finally:
        pool.close()


_names = itertools.count(1)


def _service(pool: ServicePool, name: str, request: pytest.FixtureRequest) -> SimpleNamespace:
    key = (name, None)
    if key not in pool.outcomes:
        pool.start({key: None})
    outcome = pool.outcomes[key]
    if outcome.skipped:
        pytest.skip(f"{name} unavailable: {outcome.skipped}")
    if outcome.error or outcome.service is None:
        pytest.fail(f"{name} did not start: {outcome.error}", pytrace=False)
    label = f"pytest-{next(_names)}-{request.node.name}"[:40]
    binding = outcome.service.provision(label, lambda _url: None)  # an empty namespace
    return SimpleNamespace(**binding.values, env=dict(binding.env))


@pytest.fixture
def mlflow_postgres(
    mlflow_services: ServicePool, request: pytest.FixtureRequest
) -> SimpleNamespace:
    """A fresh PostgreSQL database: ``uri`` (SQLAlchemy URL), host, port, user, password,
    database."""
    return _service(mlflow_services, "postgres", request)


@pytest.fixture
def mlflow_mysql(mlflow_services: ServicePool, request: pytest.FixtureRequest) -> SimpleNamespace:
    """A fresh MySQL (MariaDB) database, with the same attributes as ``mlflow_postgres``."""
    return _service(mlflow_services, "mysql", request)


@pytest.fixture
def mlflow_minio(mlflow_services: ServicePool, request: pytest.FixtureRequest) -> SimpleNamespace:
    """A fresh S3 bucket: ``uri`` (s3://bucket), endpoint, bucket, access_key, secret_key, and
    ``env`` (MLFLOW_S3_ENDPOINT_URL and AWS credentials for MLflow's S3 client)."""
    return _service(mlflow_services, "minio", request)
