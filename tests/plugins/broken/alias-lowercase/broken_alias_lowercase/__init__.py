"""Breaks: domain. Registered model aliases folded to lower case."""

import os


def build_store(store_uri=None, tracking_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    class LowercaseAliasStore(SqlAlchemyStore):
        def set_registered_model_alias(self, name, alias, version):
            return super().set_registered_model_alias(name, alias.lower(), version)

        def get_model_version_by_alias(self, name, alias):
            return super().get_model_version_by_alias(name, alias.lower())

        def delete_registered_model_alias(self, name, alias):
            return super().delete_registered_model_alias(name, alias.lower())

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return LowercaseAliasStore(f"sqlite:///{path}/registry.db")
