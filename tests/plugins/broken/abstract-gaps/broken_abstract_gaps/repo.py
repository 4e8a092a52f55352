import os
import shutil

from mlflow.store.artifact.artifact_repo import ArtifactRepository


class GappyRepository(ArtifactRepository):
    """Uploads work; list_artifacts and _download_file were never written."""

    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        super().__init__(artifact_uri, tracking_uri, registry_uri)
        self.root = artifact_uri.split(":", 1)[1]

    def log_artifact(self, local_file, artifact_path=None):
        dest = os.path.join(self.root, artifact_path or "")
        os.makedirs(dest, exist_ok=True)
        shutil.copy2(local_file, dest)

    def log_artifacts(self, local_dir, artifact_path=None):
        shutil.copytree(local_dir, os.path.join(self.root, artifact_path or ""), dirs_exist_ok=True)
