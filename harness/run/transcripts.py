"""Oracle transcripts kept between runs.

The contract suite's normalised transcript on MLflow's own stores is a pure function of the
MLflow version and the packages installed beside it, the Python, the backend (MLflow's store
classes and the service images) and the suite's code: the same key, the same transcript. A
run that reuses one says so; timing-dependent oracles (the load profile) are never kept.
MLflow's own migrated SQLite schema is kept the same way: once per key, not per environment."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from harness.env.environment import PluginEnv, cache_root

HERE = Path(__file__).resolve().parents[1]  # harness/
# The code a transcript depends on: every workload script, and the kind that asks for it.
SUITE = (HERE / "workloads", HERE / "kinds" / "conformance.py")


def _suite_hash() -> str:
    files = sorted(p for root in SUITE for p in ([root] if root.is_file() else root.glob("*.py")))
    files = [p for p in files if p.name != "forkserver.py"]  # how processes start, not what runs
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def identity(env: PluginEnv) -> str:
    """What an environment contributes to a key: MLflow, Python, and every locked package but
    the plugin itself (so editing a local plugin keeps its oracles)."""
    lock = env.path / "harness-lock.txt"
    lines = lock.read_text().splitlines() if lock.exists() else []
    plugin = canonicalize_name(env.plugin_name)
    kept = [
        ln for ln in lines if canonicalize_name(re.split(r"[=@ ;]", ln, maxsplit=1)[0]) != plugin
    ]
    return json.dumps([env.mlflow_version, sys.version, _suite_hash(), sorted(kept)])


@dataclass
class Transcripts:
    """The cache for one environment. ``reuse`` off (``--fresh-processes``): answers are still
    written, never read."""

    env_identity: str
    reuse: bool = True
    root: Path = field(default_factory=lambda: cache_root() / "transcripts")

    def key(self, parts: dict[str, Any]) -> str:
        blob = json.dumps([self.env_identity, parts], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def templates(self, env: PluginEnv) -> Path:
        """Where MLflow's own migrated SQLite schema is kept for ``env``: shared by every
        environment of the same identity (a new plugin, or an edited one, migrates nothing);
        with ``reuse`` off, the environment's own directory, as before any cache."""
        if not self.reuse:
            return env.path
        digest = hashlib.sha256(self.env_identity.encode()).hexdigest()[:20]
        return self.root.parent / "templates" / digest

    def get(self, key: str) -> dict[str, Any] | None:
        path = self.root / f"{key}.json"
        if not self.reuse or not path.exists():
            return None
        try:
            answer: dict[str, Any] = json.loads(path.read_text())
        except ValueError:
            return None
        return answer

    def put(self, key: str, answer: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.root / f"{key}.{os.getpid()}.tmp"
        partial.write_text(json.dumps(answer, sort_keys=True))
        partial.replace(self.root / f"{key}.json")
