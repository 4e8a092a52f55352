from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

from harness_reference_plugin import database_url


class ReferenceRegistryStore(SqlAlchemyStore):
    """MLflow's SQL model registry store behind the ``harness-ref`` scheme."""

    def __init__(self, store_uri=None, tracking_uri=None):
        super().__init__(database_url(store_uri))
