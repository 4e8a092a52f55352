"""``builtin-sql:<sqlalchemy url>``: MLflow's SqlAlchemyStore, built when called (importing it
while MLflow registers its entry points is a circular import in MLflow 3)."""

from harness_builtin_stores import strip

SCHEME = "builtin-sql"


def sql_tracking_store(store_uri=None, artifact_uri=None):
    from mlflow.store.tracking import DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(strip(store_uri, SCHEME),
                           artifact_uri or DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH)  # as MLflow does


def sql_registry_store(store_uri=None, tracking_uri=None):
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(strip(store_uri, SCHEME))
