"""``relayout:<dir>``, release 2: its runs moved to ``<dir>/runs-v2``, and nothing moves the
runs release 1 wrote under ``<dir>/runs`` (the defect)."""

import os

from mlflow.store.tracking.file_store import FileStore

LAYOUT = "runs-v2"


class RelayoutStore(FileStore):
    def __init__(self, store_uri=None, artifact_uri=None):
        root = store_uri.split(":", 1)[1]
        super().__init__(os.path.join(root, LAYOUT), artifact_uri)
