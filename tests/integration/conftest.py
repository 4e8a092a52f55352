"""Integration tests run the real CLI: real uv environments, real MLflow, real plugins."""

from __future__ import annotations

import json
import subprocess
import sys
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
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})})
        report_file = report_dir / "report.json"
        report = json.loads(report_file.read_text()) if report_file.exists() else {}
        return Outcome(proc.returncode, proc.stdout, proc.stderr, report_dir, report)

    return run
