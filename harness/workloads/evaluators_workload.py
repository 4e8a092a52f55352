"""The round trip of each model evaluator the plugin declares: ``mlflow.models.evaluate`` of a
pyfunc regressor with that evaluator only; its metrics must come back and be on the run."""

from typing import Any

import mlflow
import pandas as pd
from logging_workload import _log_model
from mlflow.tracking import MlflowClient
from protocol import needs
from recorder import Recorder, describe_error
from session import _plugin_entry_points, configure, new_experiment


def run(request: dict[str, Any]) -> dict[str, Any]:
    configure(request)
    recorder = Recorder("evaluators", request["tracking_uri"], request["registry_uri"])
    evaluators = []
    entry_points = _plugin_entry_points(request["plugin"], "mlflow.model_evaluator")
    if not entry_points:
        return {"evaluators": []}
    experiment = new_experiment(request, recorder, "evaluators")
    with mlflow.start_run(experiment_id=experiment):
        model_uri = _log_model(recorder)
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [2.0, 4.0, 6.0, 9.0]})
    for ep in entry_points:
        entry: dict[str, Any] = {"name": ep.name, "error": None, "metrics": None, "on_run": None}
        try:
            with mlflow.start_run(experiment_id=experiment) as run_:
                result = mlflow.models.evaluate(
                    model_uri, data, targets="y", model_type="regressor", evaluators=[ep.name]
                )
            entry["metrics"] = {
                k: float(v) for k, v in dict(result.metrics).items() if isinstance(v, (int, float))
            }
            entry["on_run"] = dict(MlflowClient().get_run(run_.info.run_id).data.metrics)
        except Exception as exc:  # noqa: BLE001 - the plugin's fault, judged by the check
            entry["error"] = describe_error(exc)
            if entry["metrics"] is None and (need := needs(exc)):  # evaluate gave nothing
                entry["needs"] = f"{need} at mlflow.models.evaluate(evaluators=[{ep.name!r}])"
        evaluators.append(entry)
    return {"evaluators": evaluators}
