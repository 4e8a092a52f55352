from mlflow.projects.backend.abstract_backend import AbstractBackend
from mlflow.projects.submitted_run import SubmittedRun
from mlflow.tracking import MlflowClient


class QueuedRun(SubmittedRun):
    def __init__(self, run_id):
        self._run_id = run_id

    @property
    def run_id(self):
        return self._run_id

    def wait(self):
        return True  # "submitted successfully"

    def get_status(self):
        return "FINISHED"

    def cancel(self):
        pass


class NeverRunsBackend(AbstractBackend):
    def run(self, project_uri, entry_point, params, version, backend_config, tracking_uri,
            experiment_id):
        run = MlflowClient(tracking_uri).create_run(experiment_id)
        return QueuedRun(run.info.run_id)  # the job is dropped on the floor


def builder():
    return NeverRunsBackend()
