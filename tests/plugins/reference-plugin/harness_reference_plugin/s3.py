"""Artifacts in S3 (MinIO or any S3 API at ``MLFLOW_S3_ENDPOINT_URL``), addressed as
``harness-ref-s3://<bucket>/<path>``: MLflow's own S3 repository under the plugin's scheme."""

from mlflow.store.artifact.s3_artifact_repo import S3ArtifactRepository

from harness_reference_plugin import given

SCHEME = "harness-ref-s3"


class ReferenceS3ArtifactRepository(S3ArtifactRepository):
    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        s3_uri = "s3" + artifact_uri[len(SCHEME):]
        super().__init__(s3_uri, **given(tracking_uri=tracking_uri, registry_uri=registry_uri))
