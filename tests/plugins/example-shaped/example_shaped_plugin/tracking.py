from mlflow.store.tracking.file_store import FileStore

from example_shaped_plugin import path_of


class ExampleTrackingStore(FileStore):
    def __init__(self, store_uri=None, artifact_uri=None):
        super().__init__(path_of(store_uri), artifact_uri)
