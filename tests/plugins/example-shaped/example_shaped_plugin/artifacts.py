from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

from example_shaped_plugin import path_of


class ExampleArtifactRepository(LocalArtifactRepository):
    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        extra = {k: v for k, v in (("tracking_uri", tracking_uri), ("registry_uri", registry_uri))
                 if v is not None}
        super().__init__(path_of(artifact_uri), **extra)
