"""``relayout:<dir>``, release 1: MLflow's FileStore, its runs under ``<dir>/runs``."""

import os

from mlflow.store.tracking.file_store import FileStore

LAYOUT = "runs"


class RelayoutStore(FileStore):
    def __init__(self, store_uri=None, artifact_uri=None):
        root = store_uri.split(":", 1)[1]
        super().__init__(os.path.join(root, LAYOUT), artifact_uri)
