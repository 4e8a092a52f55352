from newsyntax_dep import provenance  # a dependency; on Python < 3.12 it does not compile

from mlflow.store.artifact.artifact_repository import ArtifactRepository


class ProvArtifactRepository(ArtifactRepository):
    """Records provenance for every artifact it is given (the rest is beside the point)."""

    def log_artifact(self, local_file, artifact_path=None):
        provenance.record(local_file)
