"""Set-up shared by workloads: store URIs, a fresh experiment, the plugin's context providers."""

import importlib.metadata
import uuid

import mlflow

from recorder import Recorder, describe_error


def configure(request: dict) -> None:
    mlflow.set_tracking_uri(request["tracking_uri"])
    mlflow.set_registry_uri(request["registry_uri"])


def new_experiment(request: dict, recorder: Recorder, label: str) -> str:
    """Create an experiment whose artifacts go to the scenario's artifact root."""
    name = f"{request.get('prefix', 'harness')}-{label}-{uuid.uuid4().hex[:8]}"
    location = f"{request['artifact_root'].rstrip('/')}/{label}"
    experiment_id = mlflow.create_experiment(name, artifact_location=location)
    recorder.experiment(experiment_id, name)
    return experiment_id


def _plugin_entry_points(plugin: str, group: str) -> list:
    try:
        dist = importlib.metadata.distribution(plugin)
    except importlib.metadata.PackageNotFoundError:
        return []
    return [ep for ep in dist.entry_points if ep.group == group]


def snapshot_context_providers(request: dict, recorder: Recorder) -> None:
    """Ask each of the plugin's run context providers for its tags, as start_run will."""
    for ep in _plugin_entry_points(request["plugin"], "mlflow.run_context_provider"):
        entry = {"name": ep.name, "value": ep.value, "in_context": None, "tags": {},
                 "stable": [], "error": None}
        try:
            provider = ep.load()()
            entry["in_context"] = bool(provider.in_context())
            if entry["in_context"]:
                first, second = dict(provider.tags()), dict(provider.tags())
                entry["tags"] = {str(k): str(v) for k, v in first.items()}
                entry["stable"] = sorted(str(k) for k in first if second.get(k) == first[k])
        except Exception as exc:  # the plugin's fault, reported by the context-tags check
            entry["error"] = describe_error(exc)
        recorder.data["context_providers"].append(entry)
