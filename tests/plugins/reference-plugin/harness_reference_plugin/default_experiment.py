import os

from mlflow.tracking.default_experiment.abstract_context import DefaultExperimentProvider


class ReferenceDefaultExperimentProvider(DefaultExperimentProvider):
    """In context only when HARNESS_REF_EXPERIMENT_ID is set: runs without an experiment go there."""

    def in_context(self):
        return "HARNESS_REF_EXPERIMENT_ID" in os.environ

    def get_experiment_id(self):
        return os.environ.get("HARNESS_REF_EXPERIMENT_ID")
