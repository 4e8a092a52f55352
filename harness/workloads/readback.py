"""Read everything a manifest lists back through MLflow, in a process that did not write it."""

import os
import tempfile
from collections.abc import Callable
from typing import Any

import mlflow
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient
from recorder import describe_error, sha256_file


def _guard(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - what failed to read back is the answer
        return {"error": describe_error(exc)}


def _experiment(client: Any, experiment: dict[str, Any]) -> dict[str, Any]:
    found = client.get_experiment(experiment["id"])
    runs = client.search_runs([experiment["id"]], run_view_type=ViewType.ALL, max_results=1000)
    return {"name": found.name, "run_ids": sorted(r.info.run_id for r in runs)}


def _walk(client: Any, run_id: str, path: str | None = None) -> list[dict[str, Any]]:
    listing: list[dict[str, Any]] = []
    for info in client.list_artifacts(run_id, path):
        listing.append({"path": info.path, "is_dir": info.is_dir, "size": info.file_size})
        if info.is_dir:
            listing.extend(_walk(client, run_id, info.path))
    return listing


def _download(client: Any, run_id: str, path: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="readback-") as dst:
        local = client.download_artifacts(run_id, path, dst)
        return {"sha256": sha256_file(local), "size": os.path.getsize(local)}


def _run(client: Any, run_id: str, expected: dict[str, Any]) -> dict[str, Any]:
    run = client.get_run(run_id)
    keys = sorted(set(run.data.metrics) | set(expected["metrics"]))
    out: dict[str, Any] = {
        "experiment_id": run.info.experiment_id,
        "name": run.info.run_name,
        "status": run.info.status,
        "start_time": run.info.start_time,
        "end_time": run.info.end_time,
        "params": dict(run.data.params),
        "tags": dict(run.data.tags),
        "latest": dict(run.data.metrics),
        "metrics": {},
        "listing": _guard(_walk, client, run_id),
        "downloads": {},
    }
    for key in keys:
        out["metrics"][key] = _guard(
            lambda k: [
                [m.step, m.timestamp, m.value] for m in client.get_metric_history(run_id, k)
            ],
            key,
        )
    for path in expected["artifacts"]:
        out["downloads"][path] = _guard(_download, client, run_id, path)
    return out


def _model(model: dict[str, Any]) -> dict[str, Any]:
    loaded = mlflow.pyfunc.load_model(model["uri"])
    prediction = loaded.predict(model["input"])
    return {"output": [float(v) for v in list(prediction)]}


def _registered(client: Any, model: dict[str, Any]) -> dict[str, Any]:
    found = client.get_registered_model(model["name"])
    versions = client.search_model_versions(f"name='{model['name']}'")
    aliases = getattr(found, "aliases", {}) or {}
    return {
        "description": found.description,
        "tags": dict(found.tags),
        "aliases": {k: str(v) for k, v in aliases.items()},
        "versions": {str(v.version): {"tags": dict(v.tags), "status": v.status} for v in versions},
        "fetched": {
            str(v): _guard(lambda n: str(client.get_model_version(model["name"], n).version), v)
            for v in model["versions"]
        },
    }


def run(request: dict[str, Any]) -> dict[str, Any]:
    manifest = request["manifest"]
    client = MlflowClient(manifest["tracking_uri"], manifest["registry_uri"])
    mlflow.set_tracking_uri(manifest["tracking_uri"])
    mlflow.set_registry_uri(manifest["registry_uri"])
    return {
        "experiments": {e["id"]: _guard(_experiment, client, e) for e in manifest["experiments"]},
        "runs": {rid: _guard(_run, client, rid, exp) for rid, exp in manifest["runs"].items()},
        "models": [_guard(_model, m) for m in manifest["models"]],
        "registry": [_guard(_registered, client, m) for m in manifest["registry"]],
    }
