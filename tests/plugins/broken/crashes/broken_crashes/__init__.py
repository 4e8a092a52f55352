"""Breaks: the process. A tracking store whose native code crashes the interpreter (SIGSEGV)
when params or metrics are written."""

import ctypes
import os
import sys


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class CrashingStore(SqlAlchemyStore):
        def _crash(self):
            print("broken-crashes: calling into the native client", file=sys.stderr, flush=True)
            ctypes.string_at(0)  # reads address 0: a segmentation fault, no Python exception

        def log_param(self, run_id, param):
            self._crash()

        def log_metric(self, run_id, metric):
            self._crash()

        def log_batch(self, run_id, metrics, params, tags):
            self._crash()

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return CrashingStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "artifacts"))
