"""Integration tests run the real CLI: real uv environments, real MLflow, real plugins."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "tests" / "plugins"
HARNESS = [sys.executable, "-m", "harness"]


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    report_dir: Path
    report: dict

    def checks(self, scenario: str) -> dict[str, dict]:
        result = next(r for r in self.report["results"] if r["scenario"] == scenario)
        return {c["name"]: c for c in result["checks"]}


@pytest.fixture
def harness(tmp_path: Path):
    """Run ``mlflow-plugin-harness`` as a user would; bounded in time."""

    runs = iter(range(1000))

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 900) -> Outcome:
        import os

        report_dir = tmp_path / f"reports-{next(runs)}"
        argv = [*HARNESS, *args]
        if args and args[0] == "run":
            argv += ["--report-dir", str(report_dir)]
        proc = subprocess.run(
            argv,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
        report_file = report_dir / "report.json"
        report = json.loads(report_file.read_text()) if report_file.exists() else {}
        return Outcome(proc.returncode, proc.stdout, proc.stderr, report_dir, report)

    return run


@pytest.fixture(scope="session")
def docker_client():
    """The Docker engine; required where MLFLOW_PLUGIN_HARNESS_REQUIRE_DOCKER is set (CI)."""
    import docker

    from harness.engine import unreachable_reason

    reason = unreachable_reason()
    if reason:
        if os.environ.get("MLFLOW_PLUGIN_HARNESS_REQUIRE_DOCKER"):
            pytest.fail(f"Docker is required here: {reason}")
        pytest.skip(reason)
    client = docker.from_env()
    yield client
    client.close()


def leftovers(client, **labels: str) -> list[str]:
    """Containers, networks and volumes of the harness carrying all the given label values."""
    from harness.engine import LABEL

    selector = [f"{LABEL}.{key}={value}" for key, value in labels.items()] or [LABEL]
    found = [
        f"container {c.name}" for c in client.containers.list(all=True, filters={"label": selector})
    ]
    found += [f"network {n.name}" for n in client.networks.list(filters={"label": selector})]
    found += [f"volume {v.name}" for v in client.volumes.list(filters={"label": selector})]
    return found


def start_harness(args: list[str], log: Path) -> subprocess.Popen:
    """The CLI in the background, its progress (stderr) going to ``log``; Ctrl-C (SIGINT)
    reaches it as it reaches a command in a terminal, even where this suite was started with
    SIGINT ignored (as a shell's background job is)."""
    return subprocess.Popen(
        [*HARNESS, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for(log: Path, text: str, proc: subprocess.Popen, seconds: float = 600) -> None:
    """Until ``text`` appears in ``log``; bounded in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in log.read_text():
            return
        assert proc.poll() is None, log.read_text()
        time.sleep(0.2)
    pytest.fail(f"{text!r} did not appear within {seconds} s: {log.read_text()[-2000:]}")


def temp_dirs(pid: int) -> list[Path]:
    """The temp dirs a harness process created."""
    return list(Path(tempfile.gettempdir()).glob(f"mlflow-plugin-harness-{pid}-*"))


def kill_hard(proc: subprocess.Popen) -> None:
    """kill -9 the harness and its workload processes, as an OOM killer would."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    proc.kill()
    proc.wait(timeout=30)
    for child in children:  # the workload runs in its own session
        try:
            os.killpg(int(child), signal.SIGKILL)
        except ProcessLookupError:
            pass
