"""Integration tests run the real CLI: real uv environments, real MLflow, real plugins.

Fixtures only; the helpers the tests share are in tests/helpers.py."""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import itertools
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import HARNESS, ROOT, Outcome


@pytest.fixture(scope="session")
def shared_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where runs that tests share are kept: one directory for every pytest-xdist worker."""
    base = tmp_path_factory.getbasetemp()
    where = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-runs"
    where.mkdir(exist_ok=True)
    return where


def _shared_key(args: tuple[str, ...], env: dict[str, str] | None) -> str:
    """What names a run: its arguments (``-s`` spelled ``--scenario``, scenario files by their
    absolute path) and extra environment."""
    spelled = [
        "--scenario" if a == "-s" else str(ROOT / a) if a.endswith(".yaml") else a for a in args
    ]
    return hashlib.sha256(json.dumps([spelled, sorted((env or {}).items())]).encode()).hexdigest()


@pytest.fixture
def harness(tmp_path: Path, shared_runs: Path) -> Callable[..., Outcome]:
    """Run ``mlflow-plugin-harness`` as a user would; bounded in time. ``shared=True``: a run
    that tests read but do not disturb, made once for every test (on any worker) asking for the
    same arguments; the others wait for it and get its outcome (its report directory too)."""

    runs = itertools.count()

    def shared(*args: str, env: dict[str, str] | None, timeout: float) -> Outcome:
        key = shared_runs / _shared_key(args, env)
        with open(key.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # bounded: the holder's run has its own timeout
            done = key.with_suffix(".json")
            if done.exists():
                fields = json.loads(done.read_text())
                return Outcome(**{**fields, "report_dir": Path(fields["report_dir"])})
            outcome = run(*args, env=env, timeout=timeout)
            done.write_text(
                json.dumps({**dataclasses.asdict(outcome), "report_dir": str(outcome.report_dir)})
            )
            return outcome

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 900, share: bool = False
    ) -> Outcome:
        if share:
            return shared(*args, env=env, timeout=timeout)
        report_dir = tmp_path / f"reports-{next(runs)}"
        argv = [*HARNESS, *args]
        if args and args[0] == "run":
            argv += ["--report-dir", str(report_dir)]
        proc = subprocess.run(
            argv,
            check=False,  # the exit code is part of the outcome
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
def docker_client() -> Iterator[Any]:
    """The Docker engine; required where MLFLOW_PLUGIN_HARNESS_REQUIRE_DOCKER is set (CI)."""
    import docker

    from harness.services.engine import unreachable_reason

    reason = unreachable_reason()
    if reason:
        if os.environ.get("MLFLOW_PLUGIN_HARNESS_REQUIRE_DOCKER"):
            pytest.fail(f"Docker is required here: {reason}")
        pytest.skip(reason)
    client = docker.from_env()
    yield client
    client.close()
