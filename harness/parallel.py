"""``run --workers N``: the scenarios spread over pytest-xdist workers, each worker with its own
services (and so its own databases, buckets and network); one merged report.

The environments are built (or found) and probed once, here, before any worker starts; the
workers then find them in the cache. Everything the workers create carries this run's group
label, so it is removed here whatever becomes of them.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.model.catalog import MEMORY_MB
from harness.model.errors import HarnessError, InfrastructureError
from harness.model.results import RunReport, ScenarioResult, Status, run_order
from harness.planning.scenario import Scenario
from harness.planning.shard import static_weight
from harness.run.session import Options, Session
from harness.services import engine


class _Relay:
    """A pytest plugin on the controller: scenario outcomes as progress lines, and the report."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.report: RunReport | None = None
        self.seconds: dict[str, float] = {}
        self.broke: dict[str, str] = {}  # item name -> what a worker raised running it

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """One line per scenario as it ends (its work happens in the item's set-up)."""
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            worker = getattr(report, "node", None)
            where = f" on {worker.gateway.id}" if worker is not None else ""
            if report.failed and report.when == "setup":
                self.broke[report.nodeid.split("::", 1)[-1]] = report.longreprtext
            outcome = dict(report.user_properties).get("mlflow-status") or (  # inconclusive too
                "error" if report.when == "setup" and report.failed else report.outcome
            )
            self.options.progress(
                f"scenario {report.nodeid.split('::', 1)[-1]}: {outcome}"
                f"{where} ({self.seconds[report.nodeid]:.1f} s)"
            )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        from harness.pytest_plugin import REPORT

        self.report = config.stash.get(REPORT, None)


def execute_parallel(options: Options, workers: str) -> RunReport:
    """Run the selected scenarios on ``workers`` pytest-xdist workers (a number or ``auto``);
    with a shard, only its share of the scenario and version pairs."""
    scenarios = options.select()  # bad input is reported here, before any worker
    plan = options.shard.plan(scenarios, options.mlflow_versions) if options.shard else None
    if plan is not None and not plan.mine:
        return plan.empty_report(options.plugin)
    # the environments and probes only: each worker starts its own fork server
    with Session(dataclasses.replace(options, fresh_processes=True)) as session:
        for version in session.versions:
            if plan is None or plan.scenarios(scenarios, version):
                session.prepare(version)
        resolved = {
            version: prepared.env.mlflow_version if prepared.env else str(version)
            for (version, _), prepared in session.prepared.items()
        }
    group = engine.RunLabels().run_id
    os.environ[engine.GROUP_VARIABLE] = group  # the workers inherit it
    with tempfile.TemporaryDirectory(prefix=f"mlflow-plugin-harness-{os.getpid()}-") as empty:
        if options.profile == "full":  # the workers select the default set unless told
            options = dataclasses.replace(options, scenarios=[s.name for s in scenarios])
        argv = _pytest_argv(options, workers, empty)
        relay = _Relay(options)
        options.progress(f"running the scenarios on {workers} pytest-xdist workers")
        try:
            code = pytest.main([*argv, empty], plugins=[relay])
        finally:
            _remove_group(group)
            del os.environ[engine.GROUP_VARIABLE]
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if relay.report is None:
        raise InfrastructureError(
            f"the pytest-xdist workers produced no report (pytest exit code {int(code)})"
        )
    wanted = {(i.scenario, resolved[i.version or None]) for i in plan.mine} if plan else None
    relay.report.results = fill_in_missing(
        relay.report.results,
        [s.name for s in scenarios],
        [*resolved.values()],
        int(code),
        wanted,
        relay.broke,
    )
    return relay.report


def _pytest_argv(options: Options, workers: str, empty: str) -> list[str]:
    """pytest's arguments: ``workers`` xdist workers, none of pytest's own output or cache,
    the empty directory ``empty`` as its root, and the run's options as the plugin's."""
    ini = Path(empty) / "pytest.ini"
    ini.write_text("[pytest]\n")
    argv = [
        "-n",
        workers,
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        "-p",
        "no:warnings",
        "--rootdir",
        empty,
        "-c",
        str(ini),
        "--mlflow-plugin",
        options.plugin,
        "--mlflow-report-dir",
        str(options.report_dir.resolve()),
    ]
    argv += [arg for s in options.scenarios or [] for arg in ("--mlflow-scenario", s)]
    argv += [arg for v in options.mlflow_versions for arg in ("--mlflow-version", v)]
    argv += [arg for k, v in options.knobs.items() for arg in (f"--mlflow-{k}", str(v))]
    argv += ["--mlflow-fresh-processes"] if options.fresh_processes else []
    argv += [] if options.sandbox else ["--mlflow-no-sandbox"]
    argv += [arg for d in options.scenario_dirs for arg in ("--mlflow-scenario-dir", str(d))]
    if options.config:
        argv += ["--mlflow-config", str(options.config.resolve())]
    if options.shard is not None:  # the workers take this shard's items only
        argv += ["--mlflow-shard", f"{options.shard.index}/{options.shard.total}"]
        if options.shard.durations:
            argv += ["--mlflow-durations", str(options.shard.durations.resolve())]
    return argv


def fill_in_missing(
    results: list[ScenarioResult],
    scenarios: list[str],
    versions: list[str],
    exit_code: int,
    wanted: Collection[tuple[str, str]] | None = None,
    broke: dict[str, str] | None = None,
) -> list[ScenarioResult]:
    """The workers' results and an error for each scenario (under each MLflow version, as
    resolved; of the ``wanted`` pairs only, when given: a shard's) that none reported: a
    worker that died took its scenarios' results with it; one that raised (``broke``, by item
    name) says what.

    In the order of a run without workers: by version, then by scenario; a result for a
    scenario or version not asked for (there should be none) is kept, after the others.
    """
    done = {(r.scenario, r.mlflow_version) for r in results}
    missing = [
        _lost(scenario, version, exit_code, broke or {})
        for version in versions
        for scenario in scenarios
        if (scenario, version) not in done and (wanted is None or (scenario, version) in wanted)
    ]
    return run_order([*results, *missing], scenarios, versions)


def _lost(scenario: str, version: str, exit_code: int, broke: dict[str, str]) -> ScenarioResult:
    """The error for a scenario no worker reported: what its worker raised, if it did."""
    text = broke.get(f"{scenario}[mlflow-{version}]") or broke.get(scenario, "")
    if not text.strip():
        reason = f"its pytest-xdist worker died before reporting it (pytest exit code {exit_code})"
        return ScenarioResult(scenario, version, Status.ERROR, reason)
    last = text.strip().splitlines()[-1].removeprefix("E").strip()
    reason = f"the harness broke in its pytest-xdist worker: {last}"
    return ScenarioResult(scenario, version, Status.ERROR, reason, output=text)


def _remove_group(group: str) -> None:
    try:
        client = engine.connect(timeout=30)
    except HarnessError:
        return
    try:
        engine.remove_group(client, group)
    finally:
        client.close()


WORKER_MB = 1536  # a worker's own processes: its sandbox, fork server, scripts and oracles
# What going parallel costs (pytest-xdist, each worker's start, its sandbox and fork server), in
# the units of the shards' static weights, which read about half the seconds measured on 2 CPUs:
# there, entry-points and quickstart took 10.5 s serially and 16.2 s on 2 workers, quickstart
# and logging 21 s serially and 17.7 s on 2.
WORKER_START = 3.0


def auto_workers(
    scenarios: Sequence[Scenario], cpus: int | None = None, free_mb: int | None = None
) -> tuple[int, str]:
    """How many workers ``auto`` means for ``scenarios``, and why: one per CPU, no more than
    the scenarios, no more than their work repays (a worker's start costs WORKER_START), and
    no more than the memory available holds (each worker starts its own services beside its
    own processes)."""
    cpus = cpus if cpus is not None else len(os.sched_getaffinity(0))
    free_mb = free_mb if free_mb is not None else _available_mb()
    needed = {ref.name for scenario in scenarios for ref in scenario.services}
    per_worker = WORKER_MB + sum(MEMORY_MB.get(name, 512) for name in needed)
    fits = max(1, free_mb // per_worker)
    weights = [static_weight(s) for s in scenarios]
    count = max(1, min(cpus, len(scenarios), fits, _repaid(weights)))
    why = f"{cpus} CPU(s), {len(scenarios)} scenario(s) of about {sum(weights):.0f} s"
    return (
        count,
        f"{why}, {free_mb / 1024:.1f} GiB free, about {per_worker / 1024:.1f} GiB a worker",
    )


def _repaid(weights: list[float]) -> int:
    """The number of workers that finishes ``weights`` soonest: k of them take about the
    heaviest one or an even share, whichever is longer, plus a worker's start; one takes the
    sum."""
    total, heaviest = sum(weights), max(weights, default=0.0)
    spans = {k: max(heaviest, total / k) + WORKER_START for k in range(2, len(weights) + 1)}
    return min(spans, key=lambda k: (spans[k], k)) if spans and min(spans.values()) < total else 1


def _available_mb() -> int:
    """MemAvailable from /proc/meminfo; a generous guess where there is none."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 8192


def workers_argument(value: Any) -> str:
    """``auto`` or a positive number, as pytest-xdist's ``-n`` takes it."""
    text = str(value).strip()
    if text == "auto" or (text.isdigit() and int(text) > 0):
        return text
    raise ValueError(f"--workers takes a positive number or 'auto', not {text!r}")
