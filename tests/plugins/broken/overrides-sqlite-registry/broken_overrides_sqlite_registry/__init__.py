"""MLflow's SQL registry store under the sqlite scheme, dropping version descriptions."""

from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore


class SloppySqliteRegistry(SqlAlchemyStore):
    def __init__(self, store_uri=None, tracking_uri=None):
        super().__init__(store_uri)

    def update_model_version(self, name, version, description=None):
        return self.get_model_version(name, version)  # drops the description
