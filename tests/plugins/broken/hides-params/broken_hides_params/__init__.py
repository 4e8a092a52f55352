"""A tracking store that stores params but leaves them out of get_run (a lazy-loading shortcut
that forgot them): search still finds them, but the run page and runs/get show none."""

SCHEME = "hides-params"


def HidesParamsStore(store_uri=None, artifact_uri=None):  # noqa: N802 - MLflow's builder
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore  # not at `import mlflow`

    class Store(SqlAlchemyStore):
        def get_run(self, run_id):
            run = super().get_run(run_id)
            run.data._params = {}  # "loaded on demand", and the demand never comes
            return run

    return Store(store_uri[len(SCHEME) + 1:], artifact_uri)
