"""Project backend ``token-jobs``: MLflow's local backend behind a job service's token check."""

import os

from mlflow.projects.backend.local import LocalBackend


class TokenBackend(LocalBackend):
    def run(self, *args, **kwargs):
        if not os.environ.get("HARNESS_PROJECT_TOKEN"):
            raise RuntimeError(
                "HARNESS_PROJECT_TOKEN is not set: the job service refuses anonymous submissions"
            )
        return super().run(*args, **kwargs)


def backend_builder():
    return TokenBackend()
