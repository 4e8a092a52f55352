"""Breaks: runs. A tracking store that ignores run status updates, so finished runs stay RUNNING."""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class BrokenStore(SqlAlchemyStore):
        def update_run_info(self, run_id, run_status, end_time, run_name):
            from mlflow.entities import RunStatus

            return super().update_run_info(run_id, RunStatus.RUNNING, end_time, run_name)

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return BrokenStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "artifacts"))
