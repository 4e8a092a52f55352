"""Measurements for `make bench` (tests/bench/bench.py): service start-up with warm images,
and MLflow's schema migrations on a fresh database vs a clone of the migrated template.

Traffic goes only to containers this benchmark starts, on 127.0.0.1.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MLFLOW_PLUGIN_HARNESS_PULL", "never")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.env.environment import ensure_environment  # noqa: E402
from harness.model.plugin import parse_plugin  # noqa: E402
from harness.services.pool import ServicePool  # noqa: E402

SERVICES = ("postgres", "mysql", "minio")


def start(names: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    """Wall time from nothing to all ready (network, containers, round-trips), and each ready
    time."""
    with ServicePool(progress=lambda _m: None) as pool:
        started = time.monotonic()
        outcomes = pool.start({(n, None): None for n in names})
        wall = time.monotonic() - started
        for key, outcome in outcomes.items():
            if outcome.service is None:
                raise SystemExit(f"{key[0]} did not start: {outcome.skipped or outcome.error}")
        return wall, {k[0]: o.service.ready_seconds for k, o in outcomes.items()}


def migrations(repeat: int = 3) -> tuple[float, float]:
    env = ensure_environment(parse_plugin(str(ROOT / "tests/plugins/reference-plugin")), None)
    fresh, cloned = [], []
    with ServicePool(progress=lambda _m: None) as pool, tempfile.TemporaryDirectory() as tmp:
        postgres = pool.start({("postgres", None): None})[("postgres", None)].service
        assert postgres is not None

        def migrate(url: str) -> None:
            env.run_script(
                "migrate", {"uri": url, "artifact_root": tmp}, workdir=Path(tmp), timeout=300
            )

        postgres.provision("warm-up", migrate)  # builds the template
        for i in range(repeat):
            t = time.monotonic()
            postgres.create_database(f"fresh_{i}")
            migrate(postgres.url(f"fresh_{i}"))
            fresh.append(time.monotonic() - t)
            t = time.monotonic()
            postgres.clone_database("harness_mlflow_template", f"clone_{i}")
            cloned.append(time.monotonic() - t)
    return statistics.median(fresh), statistics.median(cloned)
