"""Work that crosses an upgrade: ``open`` (before it) starts a run and leaves it running;
``continue`` (after it) ends that run, tags every run written before, adds a model version to
each registered model and moves its alias there. Either answers the manifests it was given,
brought up to date, for the read-back to judge."""

import time
from typing import Any

import mlflow
from mlflow.tracking import MlflowClient
from recorder import Recorder

MARK = "harness.upgraded"


def _open(manifest: dict[str, Any]) -> dict[str, Any]:
    """A manifest of its own (no context providers ran: the client API, not the fluent one)."""
    recorder = Recorder("evolve", manifest["tracking_uri"], manifest["registry_uri"])
    client = MlflowClient(manifest["tracking_uri"], manifest["registry_uri"])
    run = client.create_run(manifest["experiments"][0]["id"], run_name="open-across-upgrade")
    client.log_param(run.info.run_id, "opened_under", mlflow.__version__)
    entry = recorder.run(run, "open-across-upgrade")
    entry.update(params={"opened_under": mlflow.__version__}, open=True)
    return recorder.data


def _continue(manifest: dict[str, Any]) -> None:
    client = MlflowClient(manifest["tracking_uri"], manifest["registry_uri"])
    for run_id, entry in manifest["runs"].items():
        client.set_tag(run_id, MARK, mlflow.__version__)
        entry["tags"][MARK] = mlflow.__version__
        if entry.pop("open", False):  # the run begun before the upgrade ends after it
            now = int(time.time() * 1000)
            client.log_metric(run_id, "after_upgrade", 1.0, timestamp=now, step=1)
            Recorder.metric(entry, "after_upgrade", 1.0, step=1, timestamp=now)
            client.set_terminated(run_id, "FINISHED")
    for model in manifest["registry"]:
        name = model["name"]
        first = client.get_model_version(name, min(model["versions"], key=int))
        added = client.create_model_version(name, first.source, run_id=first.run_id)
        client.set_registered_model_alias(name, "champion", added.version)
        model["versions"][str(added.version)] = {"tags": {}}
        model["aliases"] = {**model["aliases"], "champion": str(added.version)}


def run(request: dict[str, Any]) -> dict[str, Any]:
    manifests: list[dict[str, Any]] = request["manifests"]
    if request["phase"] == "open":
        manifests.append(_open(manifests[0]))
    else:
        for manifest in manifests:
            _continue(manifest)
    return {"manifests": manifests}
