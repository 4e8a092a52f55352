"""``layout:<dir>``: MLflow's FileStore under ``<dir>/layout-<MLflow's major version>``."""

import os

import mlflow
from mlflow.store.tracking.file_store import FileStore


def layout(root: str, version: str = mlflow.__version__) -> str:
    return os.path.join(root, f"layout-{version.split('.')[0]}")


class LayoutStore(FileStore):
    def __init__(self, store_uri=None, artifact_uri=None):
        super().__init__(layout(store_uri.split(":", 1)[1]), artifact_uri)
