"""The manifest a workload writes: everything it logged, to be compared after read-back."""

import hashlib
import os
from typing import Any


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


class Recorder:
    """Accumulates the manifest of one workload."""

    def __init__(self, workload: str, tracking_uri: str, registry_uri: str) -> None:
        self.data: dict[str, Any] = {
            "workload": workload,
            "tracking_uri": tracking_uri,
            "registry_uri": registry_uri,
            "experiments": [],
            "runs": {},
            "models": [],
            "registry": [],
            "context_providers": [],
        }

    def experiment(self, experiment_id: str, name: str) -> None:
        self.data["experiments"].append({"id": experiment_id, "name": name})

    def run(self, run: Any, name: str, parent_id: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "experiment_id": run.info.experiment_id,
            "name": name,
            "parent_id": parent_id,
            "params": {},
            "tags": {},
            "metrics": {},
            "artifacts": {},
        }
        self.data["runs"][run.info.run_id] = entry
        return entry

    @staticmethod
    def metric(
        entry: dict[str, Any], key: str, value: float, step: int = 0, timestamp: int | None = None
    ) -> None:
        history = entry["metrics"].setdefault(key, [])
        history.append(
            {"value": value, "step": step, "timestamp": timestamp, "order": len(history)}
        )

    @staticmethod
    def artifact(entry: dict[str, Any], artifact_path: str, local_file: str) -> None:
        entry["artifacts"][artifact_path] = {
            "size": os.path.getsize(local_file),
            "sha256": sha256_file(local_file),
        }

    @classmethod
    def artifact_tree(cls, entry: dict[str, Any], local_dir: str, artifact_path: str = "") -> None:
        for root, _dirs, files in os.walk(local_dir):
            for name in files:
                full = os.path.join(root, name)
                rel = os.path.relpath(full, local_dir).replace(os.sep, "/")
                cls.artifact(entry, f"{artifact_path}/{rel}" if artifact_path else rel, full)
