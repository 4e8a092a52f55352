"""Breaks: the process. A tracking store whose writes of params and metrics block forever
(a lock never released)."""

import os
import sys
import threading

_LOCK = threading.Lock()
_LOCK.acquire()  # held by nobody who will ever release it


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class HangingStore(SqlAlchemyStore):
        def _wait(self):
            print("broken-hangs: waiting for the write lock", file=sys.stderr, flush=True)
            _LOCK.acquire()

        def log_param(self, run_id, param):
            self._wait()

        def log_metric(self, run_id, metric):
            self._wait()

        def log_batch(self, run_id, metrics, params, tags):
            self._wait()

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return HangingStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "artifacts"))
