"""What the integration tests share: paths, the CLI's outcome, and ways to start, watch and kill
a harness process and to find what it left behind. Fixtures stay in the conftest files."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
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


def runs_of(plugin: str) -> pytest.MarkDecorator:
    """The xdist group of the tests that share runs of ``plugin`` (``harness(..., share=True)``):
    on one worker, the first makes a run and the others read it, none idle waiting for another
    worker. broken/misbehaving keeps the sandbox tests' group (it writes the loot they check)."""
    name = plugin.removeprefix("broken/")
    return pytest.mark.xdist_group("misbehaving" if name == "misbehaving" else f"runs-{name}")


def sharing(plugin: str, *values: Any, id: str | None = None) -> Any:
    """A parameter set of a test that shares runs of ``plugin``: in its group."""
    return pytest.param(*(values or (plugin,)), marks=runs_of(plugin), id=id)


def leftovers(client: Any, **labels: str) -> list[str]:
    """Containers, networks and volumes of the harness carrying all the given label values."""
    from harness.services.engine import LABEL

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


class ContainerWatcher:
    """Every container of a parallel run, inspected while it runs: the credentials it was given
    and how it was started. Polls until stopped (at most 20 minutes)."""

    def __init__(self, client) -> None:
        self.client, self.seen = client, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ContainerWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _poll(self) -> None:
        import docker

        from harness.services.engine import LABEL_GROUP

        deadline = time.monotonic() + 1200
        while not self._stop.is_set() and time.monotonic() < deadline:
            for container in self.client.containers.list(filters={"label": LABEL_GROUP}):
                if container.id not in self.seen:
                    with contextlib.suppress(docker.errors.NotFound):
                        self.seen[container.id] = self.client.api.inspect_container(container.id)
            self._stop.wait(0.3)

    def secrets(self) -> set[str]:
        return {
            value
            for attrs in self.seen.values()
            for item in attrs["Config"]["Env"] or []
            for key, _, value in [item.partition("=")]
            if ("PASSWORD" in key or "SECRET" in key) and value
        }

    def images(self, fragment: str) -> list[dict]:
        return [a for a in self.seen.values() if fragment in a["Config"]["Image"]]
