"""MLflow's own SQL registry store, registered under MLflow's own database schemes."""

from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore


def registry_store(store_uri=None, tracking_uri=None):
    return SqlAlchemyStore(store_uri)
