from mlflow.tracking.default_experiment.abstract_context import DefaultExperimentProvider


class MissingExperimentProvider(DefaultExperimentProvider):
    def in_context(self):
        return True

    def get_experiment_id(self):
        return "424242"  # the workspace's experiment, hard-coded from another deployment
