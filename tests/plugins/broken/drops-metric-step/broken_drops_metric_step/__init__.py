"""Breaks: metrics. A tracking store that silently drops every metric point logged at step 3."""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class BrokenStore(SqlAlchemyStore):
        def log_metric(self, run_id, metric):
            if metric.step != 3:
                super().log_metric(run_id, metric)

        def log_batch(self, run_id, metrics, params, tags):
            super().log_batch(run_id, [m for m in metrics if m.step != 3], params, tags)

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return BrokenStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "artifacts"))
