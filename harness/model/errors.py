"""Errors that end a harness run, each with the exit code it maps to."""


class HarnessError(Exception):
    """Base class: the message is one line meant for the user."""

    exit_code = 3


class UsageError(HarnessError):
    """Bad input: an option, a scenario file, a plugin path or spec."""

    exit_code = 2


class ScenarioError(UsageError):
    """A scenario or config file that does not validate; the message names file, line and key."""


class PluginInstallError(UsageError):
    """The plugin cannot be installed (missing files, dependency conflict, build failure)."""


class NotInstallable(PluginInstallError):
    """The plugin's dependencies exclude the requested MLflow (``pin`` says which)."""

    def __init__(self, message: str, mlflow: str, pin: str) -> None:
        super().__init__(message)
        self.mlflow, self.pin = mlflow, pin


class InfrastructureError(HarnessError):
    """The harness or the machine broke: a tool is missing, a subprocess could not start."""

    exit_code = 3
