"""`make bench`: where a harness run's time goes, and how it compares with the baseline.

Every figure is a median over BENCH_REPEAT runs (default 3) and every comparison a ratio of
two figures measured in this same invocation: these machines are noisy, so compare ratios,
not seconds. BENCH_SECTIONS picks sections (default: all, in this order):

  floors     MLflow's import and schema migrations: the floor no harness can go under
  services   each service's time to ready, and all at once vs one by one
  env        the plugin environment, cold (new cache; uv's download cache warm) vs reused
  run        a warm run of the default scenarios on the reference plugin: the default
             command (every core, the fork server, sandboxed) against --workers 1
             --fresh-processes, and on 1 worker with the fork server (alternating), each
             split into environments, services, workloads and the harness's own overhead;
             their ratios
  sandbox    the same warm default run on 1 worker, sandboxed (the default) and with
             --no-sandbox (alternating): the sandbox's cost as a ratio
  scripts    per script (quickstart, logging, read-back, conformance) in the warm default
             run on 1 worker: seconds to start and exit, to import, to work, to answer
  quick      --profile quick, warm
  full       --profile full, warm: the default set, the load benchmark, the longer domain
  workers    the default run on the default workers (auto) vs 1
  scaling    wall time for 1, 2, 4 and 8 scenarios on 1 and 2 workers
  action     (named only: it removes the harness's images) the GitHub Action's job, emulated
             as tests/integration/test_ci_job.py does, twice on a new runner with no harness
             images, from an empty cache, then from the first job's cache
  baseline   tests/bench/baseline_suite.py (pytest + testcontainers + pip, one fresh
             environment and container per scenario, sequential) vs the warm run;
             BENCH_BASELINE_REPEAT runs (default: BENCH_REPEAT), about 20 minutes each

Traffic goes only to containers this benchmark starts, on 127.0.0.1, and to the package index
the machine is configured with (environment builds).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MLFLOW_PLUGIN_HARNESS_PULL", "never")
os.environ.setdefault("MLFLOW_PLUGIN_HARNESS_NEWEST_MLFLOW", "3.17.2")  # as the suite: comparable

from harness.env.environment import PluginEnv, ensure_environment, script_environment  # noqa: E402
from harness.env.processes import ForkServer  # noqa: E402
from harness.model.plugin import parse_plugin  # noqa: E402
from harness.planning.scenario import available  # noqa: E402
from tests.bench.bench_services import SERVICES, migrations, start  # noqa: E402

PLUGIN = str(ROOT / "tests" / "plugins" / "reference-plugin")
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
BASELINE_REPEAT = int(os.environ.get("BENCH_BASELINE_REPEAT", str(REPEAT)))
SECTIONS = os.environ.get(
    "BENCH_SECTIONS",
    "floors,services,env,run,sandbox,scripts,quick,full,workers,scaling,baseline",
)
PARTS = ("environments_s", "services_s", "workloads_s")  # a run's timings, summed to its wall
# the scripts whose seconds `scripts` splits, and each phase as it is printed
PROFILED = ("quickstart", "logging", "readback", "conformance")
PHASES = {
    "launch_s": "start and exit",
    "import_s": "import (MLflow, entry points)",
    "work_s": "work (stores and migrations included)",
    "answer_s": "answer",
}
# for scaling: scenarios of every kind, the cheap ones first
SCALING = [
    "quickstart",
    "postgres-tracking",
    "logging",
    "minio-artifacts",
    "datasets",
    "mysql-tracking",
    "providers",
    "postgres-minio",
]
TIMEOUT = 3600


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def say(line: str = "") -> None:
    print(line, flush=True)


def repeat(what: Callable[[], Any], times: int = REPEAT) -> list[Any]:
    return [what() for _ in range(times)]


def harness(*args: str, cache: str | None = None) -> tuple[float, dict[str, Any]]:
    """One CLI run, as a user starts it; its wall time and report. A run that does not pass
    is no measurement: stop."""
    report_dir = tempfile.mkdtemp(prefix="bench-report-")
    env = dict(os.environ)
    if cache:
        env["MLFLOW_PLUGIN_HARNESS_CACHE"] = cache
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "run", PLUGIN, *args, "--report-dir", report_dir],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(
            f"bench: `run {' '.join(args)}` exited {proc.returncode}:\n"
            f"{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
        )
    return wall, json.loads((Path(report_dir) / "report.json").read_text())


def floors() -> None:
    env = ensure_environment(parse_plugin(PLUGIN), None)
    imports = repeat(lambda: _timed([str(env.python), "-c", "import mlflow"]))
    forked = _forked_imports(env)
    fresh, cloned = migrations(REPEAT)
    say(f"  import mlflow (a new process)            {median(imports):6.2f} s")
    say(
        f"  import mlflow (a child of the fork server) {median(forked):4.2f} s   "
        f"ratio {median(imports) / median(forked):.1f}x"
    )
    say(
        f"  MLflow's migrations, fresh PostgreSQL DB {fresh:6.2f} s   (a clone of the migrated "
        f"template: {cloned:.2f} s, ratio {fresh / cloned:.0f}x)"
    )


def _forked_imports(env: PluginEnv) -> list[float]:
    """``import mlflow`` in children of a fork server (the server's start not counted)."""
    server = ForkServer(env.python, script_environment({}, env.path / "bin"), env.plugin_name)
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-fork-") as workdir:
            script = Path(workdir) / "imports.py"
            script.write_text("import mlflow\n")
            argv, where = [str(env.python), str(script)], Path(workdir)
            environ = script_environment({}, env.path / "bin")
            return repeat(lambda: _elapsed(lambda: server.run("import", argv, where, environ, 600)))
    finally:
        server.close()


def _elapsed(fn: Callable[[], Any]) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


def _timed(argv: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True, timeout=600)
    return time.monotonic() - started


def services() -> None:
    alone: dict[str, list[float]] = {n: [] for n in SERVICES}
    ready: dict[str, list[float]] = {n: [] for n in SERVICES}
    for _ in range(REPEAT):
        for name in SERVICES:
            wall, each = start((name,))
            alone[name].append(wall)
            ready[name].append(each[name])
    for name in SERVICES:
        say(
            f"  {name:<9} ready {median(ready[name]):5.2f} s after its container starts "
            f"({median(alone[name]):.2f} s with network and container creation)"
        )
    together = median(repeat(lambda: start(SERVICES)[0]))
    one_by_one = sum(median(alone[n]) for n in SERVICES)
    say(
        f"  all three at once {together:.2f} s vs one by one {one_by_one:.2f} s: "
        f"ratio {one_by_one / together:.1f}x"
    )


def environment() -> None:
    cold, warm = [], []
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
            cold.append(harness("-s", "entry-points", cache=cache)[1]["environments"][0]["seconds"])
            warm.append(harness("-s", "entry-points", cache=cache)[1]["environments"][0]["seconds"])
    say(f"  cold (a new cache; uv's downloads cached) {median(cold):6.2f} s")
    say(
        f"  reused                                    {median(warm):6.2f} s   "
        f"ratio {median(cold) / median(warm):.0f}x"
    )


RESULTS: dict[str, float] = {}


def warm_run() -> None:
    """The default set warm: the default command, one worker with the fork server, and one
    worker with --fresh-processes, alternating so that all see the same machine."""
    harness()  # the environment, the preload plan and the oracles' transcripts exist: warm
    default, forked, fresh = [], [], []
    for _ in range(REPEAT):
        default.append(harness())
        forked.append(harness("--workers", "1"))
        fresh.append(harness("--workers", "1", "--fresh-processes"))
    labels = ("default", "fork server", "--fresh-processes")
    for label, runs in zip(labels, (default, forked, fresh), strict=True):
        _describe(label, runs)
    RESULTS["run"] = RESULTS["fork server"]
    ratio = RESULTS["fresh processes"] / RESULTS["fork server"]
    say(f"  1 worker: fork server vs --fresh-processes: {ratio:.2f}x faster")
    ratio = RESULTS["fresh processes"] / RESULTS["default"]
    say(
        f"  the default command vs --workers 1 --fresh-processes: {ratio:.2f}x faster "
        f"(target >= 3x: {'met' if ratio >= 3 else 'NOT met'})"
    )


def sandbox() -> None:
    """The default set warm on 1 worker, sandboxed and not, alternating."""
    harness("--workers", "1", "--no-sandbox")  # its preload plan and transcripts exist: warm
    contained, host = [], []
    for _ in range(REPEAT):
        contained.append(harness("--workers", "1")[0])
        host.append(harness("--workers", "1", "--no-sandbox")[0])
    ratio = median(contained) / median(host)
    say(f"  sandboxed {median(contained):.1f} s, --no-sandbox {median(host):.1f} s")
    say(
        f"  the sandbox's cost: {ratio:.2f}x (target <= 1.15x: "
        f"{'met' if ratio <= 1.15 else 'NOT met'})"
    )


def _describe(label: str, runs: list[tuple[float, dict[str, Any]]]) -> None:
    wall = median([w for w, _ in runs])
    parts = {key: median([r["timings"][key] for _, r in runs]) for key in PARTS}
    overhead = median([w - sum(r["timings"][k] for k in PARTS) for w, r in runs])
    count = len(runs[0][1]["results"])
    reused = sum(len(s.get("reused", [])) for s in runs[0][1]["results"])
    processes = runs[0][1]["environments"][0].get("processes", "")
    RESULTS[label.strip("-").replace("-", " ")] = wall
    workers = "the default workers" if label == "default" else "1 worker"
    say(f"  {label}: {count} default scenarios, {workers}: {wall:.1f} s")
    say(f"    processes: {processes}; oracle transcripts reused: {reused}")
    say(
        f"    environments {parts['environments_s']:.1f} s, services {parts['services_s']:.1f} s, "
        f"workloads {parts['workloads_s']:.1f} s"
    )
    if label == "default":  # the parts are summed over the workers: no overhead to subtract
        return
    say(
        f"    harness overhead {overhead:.1f} s = {overhead / wall:.1%} of the run "
        f"(target < 15%: {'met' if overhead / wall < 0.15 else 'NOT met'})"
    )


def scripts() -> None:
    """Where each script's seconds go, per run of it, in the warm default run (sandboxed): the
    process's start and exit, importing the workload, its work, writing its answer."""
    runs = [harness("--workers", "1")[1] for _ in range(REPEAT)]
    say(f"  {'script':<12} {'runs':>4}  " + "  ".join(f"{p:>{len(p)}}" for p in PHASES.values()))
    for script in PROFILED:
        each = [r["timings"]["scripts"].get(script) for r in runs]
        if not all(each):
            say(f"  {script:<12} not run")
            continue
        count = each[0]["count"]
        cells = [median([e[p] / e["count"] for e in each]) for p in PHASES]
        say(
            f"  {script:<12} {count:>4}  "
            + "  ".join(f"{c:>{len(n)}.2f}" for c, n in zip(cells, PHASES.values(), strict=True))
        )


def quick() -> None:
    """``--profile quick``, warm: the edit-and-test loop."""
    harness("--profile", "quick")
    runs = repeat(lambda: harness("--profile", "quick"))
    wall = median([w for w, _ in runs])
    names = ", ".join(r["scenario"] for r in runs[0][1]["results"])
    say(
        f"  --profile quick ({names}): {wall:.1f} s "
        f"(target <= 10 s: {'met' if wall <= 10 else 'NOT met'})"
    )


def full() -> None:
    """``--profile full``, warm: for release CI."""
    wall, report = harness("--profile", "full")  # once: it is long, and its oracles are warm
    names = [r["scenario"] for r in report["results"]]
    runs_load = "runs load" if "load" in names else "does NOT run load"
    say(f"  --profile full: {len(names)} scenarios, {runs_load}: {wall:.1f} s")


def workers() -> None:
    one = RESULTS.get("run") or median(repeat(lambda: harness("--workers", "1")[0]))
    auto = RESULTS.get("default") or median(repeat(lambda: harness()[0]))
    RESULTS["workers"] = auto
    say(
        f"  default scenarios: 1 worker {one:.1f} s, the default workers (auto) {auto:.1f} s: "
        f"ratio {one / auto:.2f}x ({'faster' if auto < one else 'NOT faster'})"
    )


def scaling() -> None:
    say(f"  scenarios   1 worker   2 workers   ratio    ({', '.join(SCALING)})")
    for count in (1, 2, 4, 8):
        chosen = [arg for name in SCALING[:count] for arg in ("-s", name)]
        one = median(repeat(lambda chosen=chosen: harness(*chosen, "--workers", "1")[0]))
        two = median(repeat(lambda chosen=chosen: harness(*chosen, "--workers", "2")[0]))
        say(f"  {count:>9}   {one:7.1f} s  {two:8.1f} s   {one / two:5.2f}x")


def baseline() -> None:
    walls = []
    for _ in range(BASELINE_REPEAT):
        started = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/bench/baseline_suite.py",
                "-p",
                "no:cacheprovider",
                "-q",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=3 * TIMEOUT,
        )
        walls.append(time.monotonic() - started)
        if proc.returncode != 0:
            raise SystemExit(f"bench: the baseline failed:\n{proc.stdout[-3000:]}")
    if "run" not in RESULTS:
        harness()  # warm: the transcripts kept
    run = RESULTS.get("run") or median(repeat(lambda: harness()[0]))
    ratio = median(walls) / run
    say(
        f"  baseline ({len(available())} scenarios, {BASELINE_REPEAT} run(s)) "
        f"{median(walls):.1f} s vs warm harness run (fork server, 1 worker) {run:.1f} s: "
        f"{ratio:.2f}x faster (target >= 12x: {'met' if ratio >= 12 else 'NOT met'})"
    )


def action() -> None:
    """The Action's first and second job: each on a new runner ($RUNNER_TEMP emptied, the
    harness's images removed: it has none), the second from the cache the first saved."""
    from tests.integration.test_ci_job import SOUND as inputs
    from tests.integration.test_ci_job import Job, plugin_workspace

    where = Path(tempfile.mkdtemp(prefix="bench-action-"))
    workspace = plugin_workspace(where, Path(PLUGIN))
    (workspace / inputs["config"]).write_text("env: {}\n")
    job = Job(workspace, where / "runner-temp", where / "actions-cache")
    for label in ("first job (empty cache)", "second job (the first job's cache)"):
        listed = subprocess.run(
            [sys.executable, "-m", "harness", "images", "list"], capture_output=True, text=True
        ).stdout.split()
        subprocess.run(["docker", "rmi", "-f", *listed], capture_output=True, check=False)
        started = time.monotonic()
        run = job.run()
        wall = time.monotonic() - started
        if run.outputs["exit-code"] != "0":
            raise SystemExit(f"bench: the action's {label} failed:\n{run.log[-3000:]}")
        steps = ", ".join(f"{k} {v:.0f} s" for k, v in run.seconds.items() if v >= 0.5)
        say(f"  {label}: {wall:.0f} s ({steps})")
        RESULTS[label] = wall
    first, second = (
        RESULTS["first job (empty cache)"],
        RESULTS["second job (the first job's cache)"],
    )
    say(f"  the second job is {first / second:.1f}x faster")


SECTION = {
    "floors": ("floors (MLflow's own work)", floors),
    "services": ("services (warm images)", services),
    "env": ("plugin environment", environment),
    "run": ("warm run: the default command, and 1 worker in both process modes", warm_run),
    "sandbox": ("the sandbox's cost, warm default set", sandbox),
    "scripts": ("where each script's seconds go, warm default set", scripts),
    "quick": ("quick profile", quick),
    "full": ("full profile", full),
    "workers": ("parallel run", workers),
    "scaling": ("scaling", scaling),
    "baseline": ("baseline", baseline),
    "action": ("the GitHub Action, a first and a second job", action),
}


def main() -> int:
    say(
        f"mlflow-plugin-harness bench: {platform.node()}, {os.cpu_count()} CPUs, "
        f"{platform.platform()}, Python {platform.python_version()}; medians of {REPEAT}"
    )
    for name in SECTIONS.split(","):
        title, fn = SECTION[name.strip()]
        say(f"{title}:")
        started = time.monotonic()
        fn()
        say(f"  ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
