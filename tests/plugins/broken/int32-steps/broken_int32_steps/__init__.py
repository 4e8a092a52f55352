"""Breaks: domain. Metric steps wrapped to 32 bits, as an integer field holds them."""

import copy
import os


def _int32(step):
    return (int(step) + 2**31) % 2**32 - 2**31


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class Int32StepStore(SqlAlchemyStore):
        def _log_metrics(self, run_id, metrics):
            wrapped = []
            for metric in metrics:
                metric = copy.copy(metric)
                metric._step = _int32(metric.step)
                wrapped.append(metric)
            return super()._log_metrics(run_id, wrapped)

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return Int32StepStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "a"))
