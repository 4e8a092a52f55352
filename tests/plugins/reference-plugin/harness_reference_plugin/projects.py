"""Project backend ``harness-ref``: MLflow's local backend (the project runs on this machine)."""

from mlflow.projects.backend.local import LocalBackend


class ReferenceProjectBackend(LocalBackend):
    pass


def backend_builder():
    return ReferenceProjectBackend()
