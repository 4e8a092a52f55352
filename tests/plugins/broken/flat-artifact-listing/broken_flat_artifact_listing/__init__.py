"""Breaks: domain. A directory listed as every file below it, flat, without its directories."""

import os


def build_store(artifact_uri, tracking_uri=None, registry_uri=None):
    """Factory: the repository class cannot be imported while MLflow registers entry points."""
    from mlflow.entities import FileInfo
    from mlflow.store.artifact.local_artifact_repo import LocalArtifactRepository

    class FlatListingRepository(LocalArtifactRepository):
        def list_artifacts(self, path=None):
            base = os.path.join(self.artifact_dir, path or "")
            if not os.path.isdir(base):
                return []
            found = []
            for directory, _dirs, files in os.walk(base):
                for name in files:
                    full = os.path.join(directory, name)
                    relative = os.path.relpath(full, self.artifact_dir)
                    found.append(FileInfo(relative, False, os.path.getsize(full)))
            return sorted(found, key=lambda f: f.path)

    return FlatListingRepository("file://" + artifact_uri.split(":", 1)[1])
