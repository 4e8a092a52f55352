"""Breaks: performance. A tracking store whose log_batch writes one metric per transaction,
far slower than MLflow's own store."""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class SlowStore(SqlAlchemyStore):
        def log_batch(self, run_id, metrics, params, tags):
            super().log_batch(run_id, metrics=[], params=params, tags=tags)
            for metric in metrics:  # a round trip and a commit per point
                super().log_batch(run_id, metrics=[metric], params=[], tags=[])

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return SlowStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "artifacts"))
