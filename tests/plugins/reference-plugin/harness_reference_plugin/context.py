from mlflow.tracking.context.abstract_context import RunContextProvider


class ReferenceRunContextProvider(RunContextProvider):
    """Tags every run with the plugin that logged it."""

    def in_context(self):
        return True

    def tags(self):
        return {"harness_reference_plugin.source": "reference-plugin"}
