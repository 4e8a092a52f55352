"""Set-up shared by workloads: store URIs, a fresh experiment, the plugin's context providers."""

import importlib.metadata
import uuid
from typing import Any

import mlflow
from protocol import needs
from recorder import Recorder, describe_error


def configure(request: dict[str, Any]) -> None:
    mlflow.set_tracking_uri(request["tracking_uri"])
    mlflow.set_registry_uri(request["registry_uri"])


def new_experiment(request: dict[str, Any], recorder: Recorder, label: str) -> str:
    """Create an experiment whose artifacts go to the scenario's artifact root."""
    name = f"{request.get('prefix', 'harness')}-{label}-{uuid.uuid4().hex[:8]}"
    location = f"{request['artifact_root'].rstrip('/')}/{label}"
    experiment_id: str = mlflow.create_experiment(name, artifact_location=location)
    recorder.experiment(experiment_id, name)
    return experiment_id


def _plugin_entry_points(plugin: str, group: str) -> list[importlib.metadata.EntryPoint]:
    try:
        dist = importlib.metadata.distribution(plugin)
    except importlib.metadata.PackageNotFoundError:
        return []
    return [ep for ep in dist.entry_points if ep.group == group]


class ContextProviders:
    """The plugin's run context providers, asked for their tags before and after a workload.

    Tags whose values are the same both times are "stable" and must appear on runs with that
    value; the others (a clock, free disk space) must appear, with any value.
    """

    def __init__(self, request: dict[str, Any], recorder: Recorder) -> None:
        self.entries: list[dict[str, Any]] = recorder.data["context_providers"]
        self.providers: list[tuple[Any, dict[str, Any]]] = []
        for ep in _plugin_entry_points(request["plugin"], "mlflow.run_context_provider"):
            entry: dict[str, Any] = {
                "name": ep.name,
                "value": ep.value,
                "in_context": None,
                "tags": {},
                "stable": [],
                "error": None,
            }
            self.entries.append(entry)
            try:
                provider = ep.load()()
                entry["in_context"] = bool(provider.in_context())
                if entry["in_context"]:
                    entry["tags"] = {str(k): str(v) for k, v in dict(provider.tags()).items()}
                    self.providers.append((provider, entry))
            except Exception as exc:  # noqa: BLE001 - the plugin's fault, judged by context-tags
                entry["error"] = describe_error(exc)
                entry["needs"] = needs(exc)  # before its tags were used: what this machine lacks

    def __enter__(self) -> "ContextProviders":
        return self

    def __exit__(self, *exc_info: object) -> None:
        for provider, entry in self.providers:
            try:
                again = {str(k): str(v) for k, v in dict(provider.tags()).items()}
            except Exception as exc:  # noqa: BLE001 - the plugin's fault, as above
                entry["error"] = describe_error(exc)
                continue
            entry["stable"] = sorted(k for k, v in entry["tags"].items() if again.get(k) == v)
