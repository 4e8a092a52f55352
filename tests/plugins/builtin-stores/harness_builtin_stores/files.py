"""``builtin-file:<dir>``: MLflow's FileStore and LocalArtifactRepository, subclassed."""

from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository
from mlflow.store.model_registry.file_store import FileStore as RegistryFileStore
from mlflow.store.tracking.file_store import FileStore

from harness_builtin_stores import given, strip

SCHEME = "builtin-file"


class FileTrackingStore(FileStore):
    def __init__(self, store_uri=None, artifact_uri=None):
        super().__init__(strip(store_uri, SCHEME), artifact_uri)


class FileRegistryStore(RegistryFileStore):
    def __init__(self, store_uri=None, tracking_uri=None):
        super().__init__(strip(store_uri, SCHEME))


class LocalArtifacts(LocalArtifactRepository):
    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        super().__init__(strip(artifact_uri, SCHEME),
                         **given(tracking_uri=tracking_uri, registry_uri=registry_uri))
