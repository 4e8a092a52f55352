"""Breaks: registry. A model registry store whose search_model_versions loses the newest version."""

import os

from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore


class LosingRegistryStore(SqlAlchemyStore):
    def __init__(self, store_uri=None, tracking_uri=None):
        path = store_uri.split(":", 1)[1]
        os.makedirs(path, exist_ok=True)
        super().__init__(f"sqlite:///{path}/registry.db")

    def search_model_versions(self, *args, **kwargs):
        found = super().search_model_versions(*args, **kwargs)
        newest = max((int(v.version) for v in found), default=None)
        found[:] = [v for v in found if int(v.version) != newest]
        return found
