"""An artifact repository with one shortcut per contract feature."""

import os
import shutil

from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository


class SloppyRepository(LocalArtifactRepository):
    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        super().__init__(artifact_uri.split(":", 1)[1], tracking_uri=tracking_uri,
                         registry_uri=registry_uri)

    def log_artifact(self, local_file, artifact_path=None):
        name = os.path.basename(local_file).encode("ascii", "replace").decode()  # mangles unicode
        target = os.path.join(self.artifact_dir, artifact_path or "")
        os.makedirs(target, exist_ok=True)
        shutil.copyfile(local_file, os.path.join(target, name))

    def log_artifacts(self, local_dir, artifact_path=None):
        for name in os.listdir(local_dir):  # top level only: subdirectories are lost
            if os.path.isfile(os.path.join(local_dir, name)):
                super().log_artifact(os.path.join(local_dir, name), artifact_path)

    def delete_artifacts(self, artifact_path=None):
        pass  # deletes nothing
