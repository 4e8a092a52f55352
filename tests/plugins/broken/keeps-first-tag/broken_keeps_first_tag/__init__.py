"""Breaks: tags. A tracking store that never overwrites an existing tag."""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class BrokenStore(SqlAlchemyStore):
        def set_tag(self, run_id, tag):
            if tag.key not in self.get_run(run_id).data.tags:
                super().set_tag(run_id, tag)

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return BrokenStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "artifacts"))
