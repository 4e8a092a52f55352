"""Integration tests run the real CLI: real uv environments, real MLflow, real plugins.

Fixtures only; the helpers the tests share are in tests/helpers.py."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import HARNESS, ROOT, Outcome


@pytest.fixture
def harness(tmp_path: Path) -> Callable[..., Outcome]:
    """Run ``mlflow-plugin-harness`` as a user would; bounded in time."""

    runs = itertools.count()

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 900) -> Outcome:
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

    from harness.engine import unreachable_reason

    reason = unreachable_reason()
    if reason:
        if os.environ.get("MLFLOW_PLUGIN_HARNESS_REQUIRE_DOCKER"):
            pytest.fail(f"Docker is required here: {reason}")
        pytest.skip(reason)
    client = docker.from_env()
    yield client
    client.close()
