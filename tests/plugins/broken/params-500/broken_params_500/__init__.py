"""Breaks: domain. Param values cut to 500 characters, as a VARCHAR(500) column keeps them."""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.entities import Param
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    def cut(param):
        return Param(param.key, str(param.value)[:500])

    class Varchar500Store(SqlAlchemyStore):
        def log_param(self, run_id, param):
            return super().log_param(run_id, cut(param))

        def log_batch(self, run_id, metrics, params, tags):
            return super().log_batch(run_id, metrics, [cut(p) for p in params], tags)

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return Varchar500Store(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "a"))
