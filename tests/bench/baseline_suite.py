"""The baseline `make bench` compares the harness with: the straightforward way to test a plugin
end to end, as a plain pytest suite with testcontainers and pip.

One test per default scenario, run one after another. Each creates a fresh virtualenv with
``python -m venv`` and ``pip install PLUGIN mlflow`` and the database drivers (pip's own cache
and the machine's pip configuration, nothing else), starts the scenario's containers afresh,
runs the same workloads and checks as the harness does (its scenario runner, so the work
compared is identical), and removes the containers. Nothing is shared between scenarios: no
environment cache, no service pool, no migrated template.

    python -m pytest tests/bench/baseline_suite.py -p no:cacheprovider
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pytest

from harness.env.environment import DRIVERS, PluginEnv
from harness.model.config import load_pyproject
from harness.model.plugin import parse_plugin
from harness.model.results import Status
from harness.planning.scenario import select
from harness.run.runner import ScenarioRun
from harness.run.session import probe_plugin
from harness.services.pool import ServicePool

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = os.environ.get("BASELINE_PLUGIN", str(ROOT / "tests" / "plugins" / "reference-plugin"))
SCENARIOS = select(
    os.environ["BASELINE_SCENARIOS"].split(",") if os.environ.get("BASELINE_SCENARIOS") else None
)
SETTINGS = load_pyproject(parse_plugin(PLUGIN).settings_file())  # the plugin's URI templates
NAME = tomllib.loads((Path(PLUGIN) / "pyproject.toml").read_text())["project"]["name"]
TIMINGS = os.environ.get("BASELINE_TIMINGS")  # a JSON-lines file the bench reads


def _fresh_env(directory: Path) -> PluginEnv:
    """A new virtualenv with the plugin and MLflow, installed by pip."""
    started = time.monotonic()
    venv = directory / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            PLUGIN,
            "mlflow",
            *DRIVERS,
        ],
        check=True,
        timeout=1800,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    version = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(m.version('mlflow'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return PluginEnv(venv, NAME, version, False, time.monotonic() - started)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scenario, tmp_path: Path) -> None:
    env = _fresh_env(tmp_path)
    with ServicePool(progress=lambda _m: None) as pool:
        probe = probe_plugin(env, tmp_path, lambda _m: None)
        started = time.monotonic()
        pool.start({(ref.name, ref.image): None for ref in scenario.services})
        services = time.monotonic() - started
        with tempfile.TemporaryDirectory() as rundir:
            naive = ScenarioRun(  # every process fresh, nothing reused, one at a time
                env, probe, SETTINGS, pool, tmp_path / "reports", lambda _m: None, fresh=True
            )
            result = naive(scenario, Path(rundir))
    if TIMINGS:
        with open(TIMINGS, "a") as f:
            f.write(
                json.dumps(
                    {
                        "scenario": scenario.name,
                        "environment_s": env.build_seconds,
                        "services_s": services,
                        "status": result.status.value,
                    }
                )
                + "\n"
            )
    if result.status is Status.SKIPPED:
        pytest.skip(result.reason)
    assert result.status is Status.PASSED, result.reason
