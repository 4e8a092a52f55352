"""The harness as plugin authors install it: the built wheel alone, in a fresh venv outside
this checkout, run from the plugin's own directory. Every scenario passes there (`--profile
full`: the default set, server mode and the load benchmark), with the plugin's own scenarios/
picked up; its shards, run side by side, merge into the same report; `pytest --mlflow-plugin=.`
works there.

The run on two workers is also where the harness's safety is watched: every port on 127.0.0.1,
the server container unprivileged and off the host network, no credential written anywhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.env.indexes import pip_settings, uv_environment
from harness.planning.scenario import available
from tests.helpers import PLUGINS, ROOT, ContainerWatcher, Outcome, leftovers

# The module's tests share one whole run: on one pytest-xdist worker (make check: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("wheel")
# every scenario, the domain searches trying the same examples in every run here
EVERYTHING = ("--profile", "full", "--examples", "30", "--seed", "7")
# what the shards split: a scenario of every shape, in the whole run's order
SHARDED = ("entry-points", "quickstart", "postgres-tracking", "server-postgres-minio")
SHARDED += ("my-quickstart",)
OWN_SCENARIO = """\
description: The plugin's own scenario, picked up from scenarios/ in its repository.
workloads:
  - kind: quickstart
checks: [runs, params]
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The venv's bin directory: only the wheel built from this checkout, and what it needs."""
    where = tmp_path_factory.mktemp("wheel")
    env = {**os.environ, **uv_environment(pip_settings())}  # this machine's indexes, for uv
    uv = str(Path(sys.executable).parent / "uv")
    build = [uv, "build", "--wheel", "-q", "--out-dir", str(where / "dist"), str(ROOT)]
    subprocess.run(build, check=True, env=env, timeout=300, capture_output=True)
    (wheel,) = (where / "dist").glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True, timeout=120)
    python = where / "venv" / "bin" / "python"
    install = [uv, "pip", "install", "-q", "--python", str(python), str(wheel)]
    subprocess.run(install, check=True, env=env, timeout=600, capture_output=True)
    yield python.parent


def _workspace(tmp_path: Path) -> Path:
    """A copy of the reference plugin, as a plugin's repository, with a scenario of its own."""
    plugin = tmp_path / "my-plugin"
    shutil.copytree(
        PLUGINS / "reference-plugin",
        plugin,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    (plugin / "scenarios").mkdir()
    (plugin / "scenarios" / "my-quickstart.yaml").write_text(OWN_SCENARIO)
    return plugin


def _clean_env() -> dict[str, str]:
    """The environment without anything pointing into this checkout or its venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
    )
    return env


def _start(bin_dir: Path, cwd: Path, *args: str, reports: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(bin_dir / "mlflow-plugin-harness"), *args, "--report-dir", str(cwd / reports)],
        cwd=cwd,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str], report_dir: Path, timeout: float) -> Outcome:
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    report_file = report_dir / "report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {}
    return Outcome(proc.returncode, stdout, stderr, report_dir, report)


def _run(bin_dir: Path, cwd: Path, *args: str, reports: str = "reports", timeout: float) -> Outcome:
    return _finish(_start(bin_dir, cwd, *args, reports=reports), cwd / reports, timeout)


def test_the_wheel_carries_the_scenarios_images_and_scripts_and_no_mlflow(installed):
    site = installed.parent / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    data = next(site.glob("site-packages/harness/data"))
    assert {p.name for p in (data / "scenarios").glob("*.yaml")} == {
        f"{name}.yaml" for name in available()
    }
    assert (data / "scenarios" / "scenario.schema.json").is_file()
    assert {p.name for p in (data / "images").iterdir()} == {
        p.name for p in (ROOT / "images").iterdir()
    }
    assert os.access(data / "scripts" / "ensure-docker", os.X_OK)
    probe = "import importlib.util as u; print(u.find_spec('mlflow') is None)"
    done = subprocess.run([str(installed / "python"), "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "True", "MLflow is a test dependency, not a runtime one"


@pytest.fixture(scope="module")
def whole(installed, tmp_path_factory, docker_client) -> tuple[Outcome, ContainerWatcher]:
    """Every scenario and the plugin's own, from the wheel, on two workers, watched."""
    plugin = _workspace(tmp_path_factory.mktemp("whole"))
    with ContainerWatcher(docker_client) as watcher:
        outcome = _run(installed, plugin, "run", ".", "--workers", "2", *EVERYTHING, timeout=1500)
    return outcome, watcher


def test_every_scenario_passes_from_the_wheel_on_two_workers_and_no_secret_is_written(
    whole, docker_client
):
    outcome, watcher = whole
    assert outcome.code == 0, outcome.stdout[-3000:] + outcome.stderr[-3000:]
    results = {r["scenario"]: r for r in outcome.report["results"]}
    assert list(results) == [*available(), "my-quickstart"]  # the plugin's own scenario last
    for name, result in results.items():
        if name == "mssql-artifacts":
            assert result["status"] == "skipped" and "only as Microsoft's image" in result["reason"]
            continue
        assert result["status"] == "passed", (name, result["reason"])
        backend = [c for c in result["checks"] if c["name"].startswith("backend-")]
        assert all(c["status"] == "passed" for c in backend), backend
        for service in result["services"]:
            if service["kind"] == "minio" and service["image"].startswith("mlflow-plugin-harness/"):
                assert service["substitute_for"] == "minio"
    ui = outcome.checks("server-postgres-minio")["ui-screenshot"]
    assert "the run page shows param1 and foo" in ui["detail"]
    _assert_two_workers_left_nothing(outcome, docker_client)
    _assert_contained(watcher)
    _assert_no_secret_written(outcome, watcher)


def test_three_shards_merged_equal_the_whole_run(installed, whole):
    """Shards 1/3, 2/3 and 3/3 side by side (as CI runs them), balanced by the whole run's
    durations as CI balances by the last run's report, then merged: the same scenarios,
    statuses, checks and blame as the whole run gave them. The shards split a few scenarios
    of every shape (local, a service, the server with its screenshot, the plugin's own): the
    whole run's other scenarios would only repeat what it showed."""
    outcome, _ = whole
    assert outcome.code == 0, outcome.stdout[-3000:] + outcome.stderr[-3000:]
    plugin = outcome.report_dir.parent
    durations = str(outcome.report_dir / "report.json")
    chosen = [a for name in SHARDED for a in ("--scenario", name)]
    args = ("run", ".", *chosen, "--durations", durations)
    started = {
        k: _start(installed, plugin, *args, "--shard", f"{k}/3", reports=f"shard-{k}")
        for k in (1, 2, 3)
    }
    try:
        shards = [_finish(p, plugin / f"shard-{k}", timeout=1200) for k, p in started.items()]
    finally:
        for proc in started.values():
            if proc.poll() is None:  # a shard that timed out, or one after it
                proc.kill()
                proc.communicate()
    for shard in shards:
        assert shard.code == 0, shard.stdout[-3000:] + shard.stderr[-3000:]
        assert shard.report["shard"]["total"] == 3 and shard.report["results"], shard.stdout
    inputs = [str(s.report_dir / "report.json") for s in shards]
    merged = _run(installed, plugin, "merge", *inputs, reports="merged", timeout=120)
    assert merged.code == 0, merged.stdout + merged.stderr
    # in the order of a run of the same selection without shards: as the scenarios were given
    whole_part = sorted(
        (r for r in outcome.report["results"] if r["scenario"] in SHARDED),
        key=lambda r: SHARDED.index(r["scenario"]),
    )
    assert [(r["scenario"], r["mlflow_version"]) for r in merged.report["results"]] == [
        (r["scenario"], r["mlflow_version"]) for r in whole_part
    ]
    assert verdicts(merged.report) == verdicts({"results": whole_part})
    counts = Counter(r["status"] for r in whole_part)
    assert {k: v for k, v in merged.report["summary"].items() if v} == dict(counts)
    assert merged.report["matrix"].keys() == set(SHARDED)
    assert junit_cases(merged.report_dir) == junit_cases(outcome.report_dir, SHARDED)
    html = (merged.report_dir / "report.html").read_text()
    assert "data:image/png;base64," in html  # the server scenario's screenshot, carried over


def verdicts(report: dict[str, Any]) -> dict[tuple[str, str], tuple[str, list[tuple[Any, ...]]]]:
    """(scenario, MLflow version) -> (status, [(check, status, blame)])."""
    return {
        (r["scenario"], r["mlflow_version"]): (
            r["status"],
            [(c["name"], c["status"], c["blame"]) for c in r["checks"]],
        )
        for r in report["results"]
    }


def junit_cases(report_dir: Path, scenarios: tuple[str, ...] | None = None) -> int:
    """The testcases of junit.xml, of the given scenarios' suites only when given."""
    suites = ET.parse(report_dir / "junit.xml").getroot().findall("testsuite")
    chosen = [s for s in suites if scenarios is None or s.get("name").split("[")[0] in scenarios]
    return sum(len(s.findall("testcase")) for s in chosen)


def _assert_two_workers_left_nothing(outcome: Outcome, docker_client) -> None:
    assert "on gw0" in outcome.stderr and "on gw1" in outcome.stderr
    run_ids = outcome.report["run_id"].split(",")
    assert len(run_ids) == 2
    for run_id in run_ids:
        assert leftovers(docker_client, run=run_id) == []


def _assert_contained(watcher: ContainerWatcher) -> None:
    """Every port on 127.0.0.1; the plugin's code, in the server and in each sandbox,
    unprivileged, without the Docker socket, not on the host network."""
    assert len(watcher.images("/postgres:")) == 2  # each worker its own
    for attrs in watcher.seen.values():
        for bindings in (attrs["HostConfig"]["PortBindings"] or {}).values():
            assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}
    plugin_side = watcher.images("/mlflow-server:")
    sandboxes = [a for a in plugin_side if "-sandbox-" in a["Name"]]
    assert len(sandboxes) >= 2 and len(plugin_side) > len(sandboxes)  # each worker's, the server
    for attrs in plugin_side:
        host = attrs["HostConfig"]
        assert not attrs["Config"]["User"].startswith("0:") and not host["Privileged"]
        assert not any("docker.sock" in m["Source"] for m in attrs["Mounts"])
        assert host["NetworkMode"] not in ("host", "default", "bridge")
    for attrs in sandboxes:
        host = attrs["HostConfig"]
        assert host["ReadonlyRootfs"] and host["CapDrop"] == ["ALL"]
        assert "no-new-privileges" in host["SecurityOpt"] and host["PidsLimit"]
        assert not host["PortBindings"]  # nothing published: reached only over exec


def _assert_no_secret_written(outcome: Outcome, watcher: ContainerWatcher) -> None:
    """Credentials: random per service, in no report, log, screenshot or console line."""
    secrets = watcher.secrets()
    assert len(secrets) >= 4  # postgres and minio on each worker at least
    files = [p for p in outcome.report_dir.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".json", ".xml", ".html", ".png"}
    written = [outcome.stdout, outcome.stderr] + [p.read_text(errors="replace") for p in files]
    for secret in secrets:
        assert not any(secret in text for text in written)
    assert "****" in (outcome.report_dir / "report.json").read_text()  # URIs there, masked


def test_pytest_with_the_plugin_option_works_from_the_wheel(installed, tmp_path, docker_client):
    plugin = _workspace(tmp_path)
    (plugin / "tests").mkdir()
    (plugin / "tests" / "test_own.py").write_text(
        "def test_the_authors_own_test(mlflow_postgres):\n"
        "    assert mlflow_postgres.uri.startswith('postgresql')\n"
    )
    done = subprocess.run(
        [
            str(installed / "python"),
            "-m",
            "pytest",
            "--mlflow-plugin=.",
            "--mlflow-scenario=quickstart",
            "--mlflow-scenario=my-quickstart",
            "-p",
            "no:cacheprovider",
            "--junitxml=junit.xml",
            "-v",
        ],
        cwd=plugin,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "mlflow-plugin-harness::quickstart PASSED" in done.stdout
    assert "mlflow-plugin-harness::my-quickstart PASSED" in done.stdout
    assert "test_own.py::test_the_authors_own_test PASSED" in done.stdout
    suites = ET.parse(plugin / "junit.xml").getroot()
    assert int(suites.find("testsuite").get("tests")) == 3
