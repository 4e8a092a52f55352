"""The load profile: many runs, metric points in log_batch calls at MLflow's limits, concurrent
writers and one large artifact, timed; then everything counted back (untimed).

The same request runs against the plugin's stores and against MLflow's own on the same
service; the ``performance`` check compares the two.
"""

import concurrent.futures
import os
import statistics
import tempfile
import time
from typing import Any

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
from recorder import Recorder, describe_error
from session import configure, new_experiment

BATCH_LIMIT = 1000  # MLflow's limit on metrics in one log_batch call
KEY = "load"


def _write_run(client: MlflowClient, experiment_id: str, index: int, points: int) -> dict[str, Any]:
    """One run: its points in full batches; returns the run id and each call's latency."""
    run = client.create_run(experiment_id, run_name=f"load-{index}")
    run_id = run.info.run_id
    latencies = []
    base = int(time.time() * 1000)
    for start in range(0, points, BATCH_LIMIT):
        batch = [
            Metric(KEY, float(step), base + step, step)
            for step in range(start, min(points, start + BATCH_LIMIT))
        ]
        began = time.perf_counter()
        client.log_batch(run_id, metrics=batch)
        latencies.append(time.perf_counter() - began)
    client.set_terminated(run_id)
    return {"run_id": run_id, "latencies": latencies}


def _percentile(values: list[Any], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run(request: dict[str, Any]) -> dict[str, Any]:
    configure(request)
    options = request["options"]
    runs, points, writers = options["runs"], options["points"], options["writers"]
    client = MlflowClient()
    recorder = Recorder("load", request["tracking_uri"], request["registry_uri"])
    experiment_id = new_experiment(request, recorder, "load")

    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=writers) as pool:
        written = list(
            pool.map(lambda i: _write_run(client, experiment_id, i, points), range(runs))
        )
    seconds = time.perf_counter() - began
    latencies = [latency for run_ in written for latency in run_["latencies"]]
    result = {
        "runs": runs,
        "points": runs * points,
        "writers": writers,
        "seconds": seconds,
        "points_per_s": runs * points / seconds if seconds else 0.0,
        "batch_p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "batch_p95_ms": 1000 * _percentile(latencies, 0.95),
        "lost": [],
    }

    if options["artifact_mb"]:
        size = int(options["artifact_mb"] * 1024 * 1024)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "big.bin")
            with open(path, "wb") as f:
                for _ in range(size // (1 << 20)):
                    f.write(os.urandom(1 << 20))
                f.write(os.urandom(size % (1 << 20)))
            run_id = written[0]["run_id"]
            began = time.perf_counter()
            client.log_artifact(run_id, path, "load")
            upload = time.perf_counter() - began
            listed = {f.path: f.file_size for f in client.list_artifacts(run_id, "load")}
        result.update(
            artifact_mb=options["artifact_mb"],
            artifact_s=upload,
            artifact_mb_per_s=options["artifact_mb"] / upload if upload else 0.0,
        )
        if listed.get("load/big.bin") != size:
            result["lost"].append(
                f"artifact load/big.bin: listed as {listed.get('load/big.bin')} "
                f"bytes, {size} written"
            )

    # Untimed: every point must be there (and nothing MLflow's own store keeps may be lost).
    for run_ in written:
        try:
            history = client.get_metric_history(run_["run_id"], KEY)
        except Exception as exc:  # noqa: BLE001 - reported as lost data
            result["lost"].append(f"run {run_['run_id']}: {describe_error(exc)}")
            continue
        if len(history) != points:
            result["lost"].append(f"run {run_['run_id']}: {len(history)} of {points} points")
    return result
