"""Benchmarks: service time-to-ready with warm images, concurrent vs one-by-one start, and
MLflow's schema migrations on a fresh database vs a clone of the migrated template.

Medians over several runs; ratios are measured in the same invocation (these machines are
noisy). Traffic goes only to containers this benchmark starts, on 127.0.0.1.
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

from harness.environment import ensure_environment  # noqa: E402
from harness.plugin import parse_plugin  # noqa: E402
from harness.services.pool import ServicePool  # noqa: E402

SERVICES = ("postgres", "mysql", "minio")
REPEAT = 5


def start(names: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    """Wall time from nothing to all ready (network, containers, round-trips), and each ready time."""
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
            env.run_script("migrate", {"uri": url, "artifact_root": tmp}, workdir=Path(tmp),
                           timeout=300)

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


def main() -> int:
    print(f"service time-to-ready, warm images (median of {REPEAT}; container start to first "
          "successful round-trip):")
    alone: dict[str, list[float]] = {n: [] for n in SERVICES}
    ready: dict[str, list[float]] = {n: [] for n in SERVICES}
    for _ in range(REPEAT):
        for name in SERVICES:
            wall, each = start((name,))
            alone[name].append(wall)
            ready[name].append(each[name])
    for name in SERVICES:
        print(f"  {name:<9} ready {statistics.median(ready[name]):.2f} s after start; "
              f"{statistics.median(alone[name]):.2f} s including container creation")
    pg = statistics.median(ready["postgres"])
    print(f"  target: PostgreSQL ready within 2 s of container start: {'met' if pg < 2 else 'NOT met'}")
    together = statistics.median(start(SERVICES)[0] for _ in range(REPEAT))
    one_by_one = sum(statistics.median(alone[n]) for n in SERVICES)
    print(f"all three at once: median {together:.2f} s vs {one_by_one:.2f} s one by one "
          f"(ratio {one_by_one / together:.1f}x)")
    fresh, cloned = migrations()
    print(f"MLflow schema on PostgreSQL: migrations {fresh:.2f} s, clone of the migrated template "
          f"{cloned:.2f} s (ratio {fresh / cloned:.1f}x; migrations run once per run and service)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
