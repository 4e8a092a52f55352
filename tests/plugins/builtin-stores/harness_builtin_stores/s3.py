"""``builtin-s3://<bucket>/<path>``: MLflow's S3ArtifactRepository."""

from mlflow.store.artifact.s3_artifact_repo import S3ArtifactRepository

from harness_builtin_stores import given

SCHEME = "builtin-s3"


class S3Artifacts(S3ArtifactRepository):
    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        super().__init__("s3" + artifact_uri[len(SCHEME):],
                         **given(tracking_uri=tracking_uri, registry_uri=registry_uri))
