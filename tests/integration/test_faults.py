"""Faults injected into real containers and real plugin processes: each run ends as it
honestly should, loses nothing MLflow's own store would have kept, and leaves nothing behind."""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path

import pytest

from tests.helpers import (
    PLUGINS,
    ROOT,
    kill_hard,
    leftovers,
    start_harness,
    temp_dirs,
    wait_for,
)

REFERENCE = str(PLUGINS / "reference-plugin")
FAULTS = ROOT / "tests" / "scenarios"


def test_service_faults_end_honestly_and_lose_nothing(docker_client, harness):
    started = time.monotonic()
    outcome = harness(
        "run",
        REFERENCE,
        "-s",
        "postgres-restart",
        "-s",
        str(FAULTS / "postgres-pause.yaml"),
        "-s",
        str(FAULTS / "postgres-frozen.yaml"),
        "-s",
        str(FAULTS / "minio-disk-full.yaml"),
        timeout=900,
    )
    results = {r["scenario"]: r for r in outcome.report["results"]}
    checks = {name: outcome.checks(name) for name in results}
    assert outcome.code == 3, outcome.stderr  # errors, and no check found a defect

    # Restarted between two logging workloads: what was written before is read back after
    # the restart, and the plugin keeps writing after it.
    assert results["postgres-restart"]["status"] == "passed", results["postgres-restart"]
    assert "postgres restarted and answering again" in outcome.stderr
    assert "postgres-restart: reading everything back after: postgres restarted" in outcome.stderr

    # Frozen for 4 s while the plugin logs: it rides it out.
    assert results["postgres-pause"]["status"] == "passed", results["postgres-pause"]

    # Frozen for longer than the scenario's timeout (25 s): an error, in bounded time, naming
    # the paused service and where the plugin was stuck; the quickstart's run survives.
    frozen = results["postgres-frozen"]
    assert frozen["status"] == "error"
    assert "logging hung: no answer within 25 s" in frozen["reason"]
    assert "while postgres was paused" in frozen["reason"]
    assert "innermost frame:" in frozen["reason"]
    assert frozen["duration_s"] < 120
    assert all(
        checks["postgres-frozen"][c]["status"] == "passed" for c in ("runs", "params", "metrics")
    )

    # A full disk: an error naming it, not a defect of the plugin; the artifacts written
    # before it filled are all there once it is freed.
    full = results["minio-disk-full"]
    assert full["status"] == "error"
    assert "workload:logging" in full["reason"] and "minio's disk was full" in full["reason"]
    assert {
        c: checks["minio-disk-full"][c]["status"] for c in ("artifacts", "backend-objects")
    } == {"artifacts": "passed", "backend-objects": "passed"}

    assert time.monotonic() - started < 600
    assert leftovers(docker_client, run=outcome.report["run_id"]) == []


@pytest.mark.parametrize(
    "plugin, how",
    [
        ("hangs", "quickstart hung: no answer within 20 s"),
        ("crashes", "quickstart crashed: its process killed by SIGSEGV without answering"),
    ],
)
def test_a_plugin_that_hangs_or_crashes_is_an_error_with_its_output(harness, tmp_path, plugin, how):
    scenario = tmp_path / f"short-{plugin}.yaml"  # its name is in the workload's paths
    scenario.write_text((FAULTS / "quickstart-short.yaml").read_text())
    outcome = harness("run", str(PLUGINS / "broken" / plugin), "-s", str(scenario), timeout=300)
    assert outcome.code == 3, outcome.stderr
    # the plugin's process is gone, and so is the run's temp dir
    assert not [
        p for p in Path("/proc").glob("[0-9]*/cmdline") if f"/short-{plugin}/".encode() in _read(p)
    ]
    assert not list(Path(tempfile.gettempdir()).glob(f"mlflow-plugin-harness-*/*/short-{plugin}"))
    result = outcome.report["results"][0]
    assert result["status"] == "error"
    assert how in result["reason"]
    assert f"its last output: broken-{plugin}: " in result["reason"]
    # the plugin's output, with every thread's stack, is in the report and in JUnit
    assert f"broken-{plugin}: " in result["output"] and "most recent call first" in result["output"]
    junit = (outcome.report_dir / "junit.xml").read_text()
    assert "<error" in junit and f"broken-{plugin}: " in junit


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # the process ended meanwhile
        return b""


# Each phase of a run, by the progress line that starts it; Ctrl-C there removes everything.
PHASES = [
    ("resolving", "postgres-tracking"),  # the environment
    ("starting postgres", "postgres-tracking"),
    ("creating MLflow's schema", "postgres-tracking"),
    ("logging workload", "postgres-tracking"),
    ("postgres paused", str(FAULTS / "postgres-frozen.yaml")),
    ("reading back through MLflow", "postgres-minio"),
]


@pytest.mark.parametrize("phase, scenario", PHASES, ids=[p for p, _ in PHASES])
def test_ctrl_c_at_any_phase_removes_everything(docker_client, tmp_path, phase, scenario):
    log = tmp_path / "stderr.log"
    proc = start_harness(["run", REFERENCE, "-s", scenario, "--report-dir", str(tmp_path)], log)
    try:
        wait_for(log, phase, proc)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 130, log.read_text()
    finally:
        if proc.poll() is None:
            kill_hard(proc)
    assert "interrupted" in log.read_text()
    assert leftovers(docker_client, pid=str(proc.pid)) == []
    assert temp_dirs(proc.pid) == []
