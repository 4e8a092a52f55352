from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository


class OldRepository(LocalArtifactRepository):
    def __init__(self, artifact_uri):  # MLflow 3 also passes tracking_uri= and registry_uri=
        super().__init__(artifact_uri.split(":", 1)[1])
