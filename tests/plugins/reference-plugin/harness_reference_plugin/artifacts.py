from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

from harness_reference_plugin import given, local_path


class ReferenceArtifactRepository(LocalArtifactRepository):
    """Artifacts in a local directory, addressed as ``harness-ref:<directory>``."""

    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        super().__init__(local_path(artifact_uri),
                         **given(tracking_uri=tracking_uri, registry_uri=registry_uri))
