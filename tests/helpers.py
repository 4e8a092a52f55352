"""What the integration tests share: paths, the CLI's outcome, and ways to start, watch and kill
a harness process and to find what it left behind. Fixtures stay in the conftest files."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / "tests" / "plugins"
HARNESS = [sys.executable, "-m", "harness"]


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    report_dir: Path
    report: dict[str, Any]

    def checks(self, scenario: str) -> dict[str, dict[str, Any]]:
        result = next(r for r in self.report["results"] if r["scenario"] == scenario)
        return {c["name"]: c for c in result["checks"]}


def leftovers(client: Any, **labels: str) -> list[str]:
    """Containers, networks and volumes of the harness carrying all the given label values."""
    from harness.engine import LABEL

    selector = [f"{LABEL}.{key}={value}" for key, value in labels.items()] or [LABEL]
    found = [
        f"container {c.name}" for c in client.containers.list(all=True, filters={"label": selector})
    ]
    found += [f"network {n.name}" for n in client.networks.list(filters={"label": selector})]
    found += [f"volume {v.name}" for v in client.volumes.list(filters={"label": selector})]
    return found


def start_harness(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """The CLI in the background, its progress (stderr) going to ``log``; Ctrl-C (SIGINT)
    reaches it as it reaches a command in a terminal, even where this suite was started with
    SIGINT ignored (as a shell's background job is)."""
    return subprocess.Popen(
        [*HARNESS, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),
        start_new_session=True,
        # only resets one signal disposition before exec, which is safe with threads running
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )


def wait_for(log: Path, text: str, proc: subprocess.Popen[bytes], seconds: float = 600) -> None:
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


def kill_hard(proc: subprocess.Popen[bytes]) -> None:
    """kill -9 the harness and its workload processes, as an OOM killer would."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    proc.kill()
    proc.wait(timeout=30)
    for child in children:  # the workload runs in its own session
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(child), signal.SIGKILL)
