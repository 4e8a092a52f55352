"""The documented round trip of each deployment target the plugin declares: create, get, list,
predict, update, delete, with a pyfunc model logged for the purpose."""

import mlflow
import pandas as pd
from mlflow.deployments import get_deploy_client

from logging_workload import MODEL_INPUT, _log_model
from recorder import Recorder, describe_error
from session import _plugin_entry_points, configure, new_experiment


def _step(steps, label, fn):
    try:
        value = fn()
        steps.append({"step": label, "value": value})
        return value
    except Exception as exc:  # noqa: BLE001 - the plugin's fault, judged by the check
        steps.append({"step": label, "error": describe_error(exc)})
        return None


def _names(listing):
    return sorted(str(d.get("name") if isinstance(d, dict) else d) for d in listing or [])


def _values(prediction):
    frame = getattr(prediction, "predictions", prediction)
    if isinstance(frame, dict):
        frame = frame.get("predictions", frame)
    return [float(v) for v in pd.DataFrame(frame).iloc[:, 0].tolist()]


def run(request):
    configure(request)
    recorder = Recorder("deployments", request["tracking_uri"], request["registry_uri"])
    targets = []
    entry_points = _plugin_entry_points(request["plugin"], "mlflow.deployments")
    if entry_points:
        with mlflow.start_run(experiment_id=new_experiment(request, recorder, "deployments")):
            model_uri = _log_model(recorder)
    for ep in entry_points:
        target = request["targets"].get(ep.name, ep.name)
        steps = []
        name = "harness-deployment"
        client = _step(steps, "get_deploy_client", lambda: get_deploy_client(target) and "ok")
        if client is not None:
            client = get_deploy_client(target)
            frame = pd.DataFrame({"x": MODEL_INPUT})
            _step(steps, "create_deployment", lambda: str(client.create_deployment(
                name, model_uri, config={})["name"]))
            _step(steps, "get_deployment", lambda: str(client.get_deployment(name)["name"]))
            _step(steps, "list_deployments", lambda: _names(client.list_deployments()))
            _step(steps, "predict", lambda: _values(client.predict(name, frame)))
            _step(steps, "update_deployment", lambda: str(client.update_deployment(
                name, model_uri)["name"]))
            _step(steps, "delete_deployment", lambda: client.delete_deployment(name))
            _step(steps, "list after delete", lambda: _names(client.list_deployments()))
        targets.append({"name": ep.name, "target": target, "steps": steps,
                        "expected": [2.0 * v for v in MODEL_INPUT]})
    return {"targets": targets, "deployment": name if entry_points else None}
