"""A model registry store with one shortcut per contract feature."""

import os

from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore


class SloppyRegistryStore(SqlAlchemyStore):
    def __init__(self, store_uri=None, tracking_uri=None):
        path = store_uri.split(":", 1)[1]
        os.makedirs(path, exist_ok=True)
        super().__init__(f"sqlite:///{os.path.abspath(path)}/registry.db")

    def rename_registered_model(self, name, new_name):
        return self.get_registered_model(name)  # renames nothing

    def update_model_version(self, name, version, description=None):
        return self.get_model_version(name, version)  # drops the description

    def delete_registered_model_alias(self, name, alias):
        pass  # the alias stays

    def delete_model_version_tag(self, name, version, key):
        pass  # the tag stays

    def transition_model_version_stage(self, name, version, stage, archive_existing_versions):
        return super().transition_model_version_stage(name, version, stage, False)
