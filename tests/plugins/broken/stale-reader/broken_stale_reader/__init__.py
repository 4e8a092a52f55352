"""Breaks: reading what another process wrote. A tracking store that loads its index of runs
once, when it is built, and knows only those and the runs it creates itself.

In one process, and in any process started after the writes, it reads everything back. A
long-lived reader (``mlflow server`` beside the clients that log, as in MLflow's plugin
walkthrough) never sees a run created after it started.
"""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST
    from mlflow.store.tracking.dbmodels.models import SqlRun
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class StaleStore(SqlAlchemyStore):
        def __init__(self, db_uri, default_artifact_root):
            super().__init__(db_uri, default_artifact_root)
            with self.ManagedSessionMaker() as session:
                self._index = {row.run_uuid for row in session.query(SqlRun.run_uuid)}

        def create_run(self, *args, **kwargs):
            run = super().create_run(*args, **kwargs)
            self._index.add(run.info.run_id)
            return run

        def get_run(self, run_id):
            if run_id not in self._index:
                raise MlflowException(f"Run '{run_id}' not found", RESOURCE_DOES_NOT_EXIST)
            return super().get_run(run_id)

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return StaleStore(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "artifacts"))
