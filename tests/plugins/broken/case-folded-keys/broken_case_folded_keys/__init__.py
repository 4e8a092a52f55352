"""Breaks: domain. Tag keys folded to lower case, as a case-insensitive collation compares them."""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.entities import RunTag
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    def folded(tag):
        return RunTag(tag.key.lower(), tag.value)

    class CaseFoldingStore(SqlAlchemyStore):
        def set_tag(self, run_id, tag):
            return super().set_tag(run_id, folded(tag))

        def delete_tag(self, run_id, key):
            return super().delete_tag(run_id, key.lower())

        def log_batch(self, run_id, metrics, params, tags):
            return super().log_batch(run_id, metrics, params, [folded(t) for t in tags])

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return CaseFoldingStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "a"))
