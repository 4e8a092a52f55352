"""Stores that ignore the service in their URI and keep data under ./.local-disk instead."""

import os

from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

ROOT = os.path.abspath(".local-disk")


def LocalTrackingStore(store_uri=None, artifact_uri=None):  # noqa: N802 - MLflow's builder
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    os.makedirs(ROOT, exist_ok=True)
    return SqlAlchemyStore(f"sqlite:///{ROOT}/mlflow.db", artifact_uri or ROOT)


class LocalS3Repository(LocalArtifactRepository):
    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        path = os.path.join(ROOT, artifact_uri.split("://", 1)[1])
        super().__init__(path, tracking_uri=tracking_uri, registry_uri=registry_uri)
