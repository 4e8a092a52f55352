"""The round trip of each dataset constructor (called with the example the plugin declares)
and of its dataset's source: exposed as ``mlflow.data.<name>``, logged as a run input, read
back, and the source rebuilt from JSON through MLflow's source registry."""

from typing import Any

import mlflow
import mlflow.data
from mlflow.data.dataset import Dataset
from mlflow.data.dataset_source_registry import get_dataset_source_from_json
from mlflow.tracking import MlflowClient
from recorder import Recorder, describe_error
from session import _plugin_entry_points, configure, new_experiment


def _round_trip(name: str, kwargs: dict[str, Any], experiment: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "error": None, "exposed": hasattr(mlflow.data, name)}
    try:
        dataset = getattr(mlflow.data, name)(**kwargs)
        entry["dataset"] = isinstance(dataset, Dataset)
        source = dataset.source
        entry["source_type"] = source._get_source_type()
        entry["source"] = source.to_dict()
        rebuilt = get_dataset_source_from_json(source.to_json(), entry["source_type"])
        entry["source_rebuilt"] = rebuilt.to_dict()
        with mlflow.start_run(experiment_id=experiment) as run:
            mlflow.log_input(dataset, context="training")
        inputs = MlflowClient().get_run(run.info.run_id).inputs.dataset_inputs
        entry["logged"] = {"name": dataset.name, "digest": dataset.digest}
        entry["read"] = [
            {
                "name": i.dataset.name,
                "digest": i.dataset.digest,
                "source_type": i.dataset.source_type,
            }
            for i in inputs
        ]
    except Exception as exc:  # noqa: BLE001 - the plugin's fault, judged by the check
        entry["error"] = describe_error(exc)
    return entry


def run(request: dict[str, Any]) -> dict[str, Any]:
    configure(request)
    recorder = Recorder("datasets", request["tracking_uri"], request["registry_uri"])
    constructors = [
        ep.name for ep in _plugin_entry_points(request["plugin"], "mlflow.dataset_constructor")
    ]
    examples = request["datasets"]
    out: dict[str, Any] = {
        "constructors": [],
        "undeclared": [n for n in constructors if n not in examples],
    }
    if any(n in examples for n in constructors):
        experiment = new_experiment(request, recorder, "datasets")
        out["constructors"] = [
            _round_trip(n, examples[n], experiment) for n in constructors if n in examples
        ]
    return out
