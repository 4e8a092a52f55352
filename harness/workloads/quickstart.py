"""The upstream MLflow quickstart (examples/quickstart/mlflow_tracking.py), unchanged."""

import os
from random import randint, random
from typing import Any

import mlflow
from mlflow import log_artifacts, log_metric, log_param
from recorder import Recorder
from session import ContextProviders, configure, new_experiment


def run(request: dict[str, Any]) -> dict[str, Any]:
    configure(request)
    recorder = Recorder("quickstart", request["tracking_uri"], request["registry_uri"])
    with ContextProviders(request, recorder):
        _quickstart(request, recorder)
    return recorder.data


def _quickstart(request: dict[str, Any], recorder: Recorder) -> None:
    mlflow.set_experiment(experiment_id=new_experiment(request, recorder, "quickstart"))

    # --- the quickstart ---
    param1 = randint(0, 100)
    foo = [random(), random() + 1, random() + 2]
    log_param("param1", param1)
    log_metric("foo", foo[0])
    log_metric("foo", foo[1])
    log_metric("foo", foo[2])
    if not os.path.exists("outputs"):
        os.makedirs("outputs")
    with open("outputs/test.txt", "w") as f:
        f.write("hello world!")
    log_artifacts("outputs")
    # --- end of the quickstart ---

    active = mlflow.active_run()
    entry = recorder.run(active, active.info.run_name)
    entry["params"]["param1"] = str(param1)
    for value in foo:
        recorder.metric(entry, "foo", value)
    recorder.artifact_tree(entry, "outputs")
    mlflow.end_run()
