"""Breaks: params. A tracking store that cuts param values to 5 characters."""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class BrokenStore(SqlAlchemyStore):
        def log_param(self, run_id, param):
            from mlflow.entities import Param

            super().log_param(run_id, Param(param.key, str(param.value)[:5]))

        def log_batch(self, run_id, metrics, params, tags):
            from mlflow.entities import Param

            cut = [Param(p.key, str(p.value)[:5]) for p in params]
            super().log_batch(run_id, metrics, cut, tags)

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return BrokenStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "artifacts"))
