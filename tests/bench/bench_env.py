"""Benchmarks: plugin environment cold vs warm, and a warm run of the default scenarios.

Prints medians over several runs and ratios measured in the same invocation (these machines
are noisy: compare ratios, not seconds). Traffic goes only to the package index as configured.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = str(ROOT / "tests" / "plugins" / "reference-plugin")
REPEAT = 3


def run(cache: str, *scenarios: str) -> tuple[float, dict]:
    report_dir = tempfile.mkdtemp(prefix="bench-report-")
    argv = [sys.executable, "-m", "harness", "run", PLUGIN, "--report-dir", report_dir]
    for s in scenarios:
        argv += ["--scenario", s]
    started = time.monotonic()
    subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, timeout=900,
                   env={**__import__("os").environ, "MLFLOW_PLUGIN_HARNESS_CACHE": cache,
                        "MLFLOW_PLUGIN_HARNESS_PULL": "never"})
    wall = time.monotonic() - started
    return wall, json.loads((Path(report_dir) / "report.json").read_text())


def main() -> int:
    cold_env, warm_env, warm_full = [], [], []
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
            _, report = run(cache, "entry-points")
            cold_env.append(report["environments"][0]["seconds"])
            _, report = run(cache, "entry-points")
            warm_env.append(report["environments"][0]["seconds"])
            warm_full.append(run(cache)[0])
    cold, warm = statistics.median(cold_env), statistics.median(warm_env)
    print(f"environment cold (uv cache warm): median {cold:.2f} s over {REPEAT}")
    print(f"environment reused:               median {warm:.2f} s over {REPEAT}  "
          f"ratio cold/reused {cold / warm:.1f}x")
    print(f"warm run, default scenarios:      median {statistics.median(warm_full):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
