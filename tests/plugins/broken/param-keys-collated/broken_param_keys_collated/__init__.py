"""Breaks: domain. Param keys kept as given, but matched without case: a param whose key equals
one already logged but for case is taken for it."""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.entities import Param
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class CollatingStore(SqlAlchemyStore):
        def _collated(self, run_id, params):
            logged = {k.casefold(): k for k in self.get_run(run_id).data.params}
            return [Param(logged.get(p.key.casefold(), p.key), p.value) for p in params]

        def log_param(self, run_id, param):
            return super().log_param(run_id, self._collated(run_id, [param])[0])

        def log_batch(self, run_id, metrics, params, tags):
            return super().log_batch(run_id, metrics, self._collated(run_id, params), tags)

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return CollatingStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "a"))
