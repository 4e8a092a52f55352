import os

from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository


class TruncatingRepository(LocalArtifactRepository):
    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        super().__init__(artifact_uri.split(":", 1)[1], tracking_uri, registry_uri)

    def log_artifact(self, local_file, artifact_path=None):
        dest = os.path.join(self.artifact_dir, artifact_path or "")
        os.makedirs(dest, exist_ok=True)
        with open(local_file, "rb") as src, open(os.path.join(dest, os.path.basename(local_file)), "wb") as out:
            out.write(src.read(1000))  # a chunked upload that stops after the first chunk

    def log_artifacts(self, local_dir, artifact_path=None):
        for root, _dirs, files in os.walk(local_dir):
            rel = os.path.relpath(root, local_dir)
            sub = os.path.normpath(os.path.join(artifact_path or "", rel)) if rel != "." else artifact_path
            for name in files:
                self.log_artifact(os.path.join(root, name), sub)
