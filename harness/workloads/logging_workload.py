"""The logging workload: tracking, artifact, model and registry APIs at a configurable size."""

import inspect
import os
import time
from typing import Any

import mlflow
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient
from recorder import Recorder, describe_error
from session import ContextProviders, configure, new_experiment

MODEL_INPUT = [1.0, 2.5, -3.0]


class Doubler(mlflow.pyfunc.PythonModel):  # type: ignore[misc]  # MLflow is Any to mypy
    """A dependency-free model: predictions are twice the input."""

    # no annotations: MLflow infers a model signature from predict's type hints
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        values = model_input.iloc[:, 0].tolist() if hasattr(model_input, "iloc") else model_input
        return [2 * float(v) for v in values]


def _metric_value(key_index: int, step: int) -> float:
    specials = [0.0, -1.5, 1e300, 1e-300, 123456789.125]
    return (
        specials[step] if key_index == 0 and step < len(specials) else key_index * 1000 + step / 7
    )


def _write_files(directory: str, large_mb: float) -> None:
    os.makedirs(os.path.join(directory, "nested", "deeper"), exist_ok=True)
    with open(os.path.join(directory, "notes.txt"), "w") as f:
        f.write("hello world!\nsecond line\n")
    with open(os.path.join(directory, "empty.bin"), "wb"):
        pass
    with open(os.path.join(directory, "nested", "deeper", "blob.bin"), "wb") as f:
        f.write(bytes(range(256)) * 257)
    with open(os.path.join(directory, "nested", "unicode näme.txt"), "w", encoding="utf-8") as f:
        f.write("ünïcødé\n")
    if large_mb:
        with open(os.path.join(directory, "large.bin"), "wb") as f:
            f.write(os.urandom(int(large_mb * 1024 * 1024)))


def _log_artifacts(entry: dict[str, Any], large_mb: float, workdir: str) -> None:
    tree = os.path.join(workdir, f"files-{entry['name']}")
    _write_files(tree, large_mb)
    mlflow.log_artifacts(tree, artifact_path="tree")
    Recorder.artifact_tree(entry, tree, "tree")
    single = os.path.join(tree, "notes.txt")
    mlflow.log_artifact(single)
    Recorder.artifact(entry, "notes.txt", single)
    mlflow.log_text("logged with log_text", "text/log_text.txt")
    text_file = os.path.join(workdir, f"log_text-{entry['name']}.txt")
    with open(text_file, "w") as f:
        f.write("logged with log_text")
    Recorder.artifact(entry, "text/log_text.txt", text_file)


def _log_run_data(
    client: Any, entry: dict[str, Any], run_id: str, options: dict[str, Any], base_ts: int
) -> None:
    params = {f"param_{i}": f"value-{i}" for i in range(options["params"])}
    if params:
        first = next(iter(params))
        mlflow.log_param(first, params[first])
        mlflow.log_params(dict(list(params.items())[1:]))
    entry["params"].update(params)
    tags = {f"tag_{i}": f"tag value {i}" for i in range(options["tags"])}
    if tags:
        mlflow.set_tags(tags)
        mlflow.set_tag("tag_0", "overwritten")
        tags["tag_0"] = "overwritten"
    entry["tags"].update(tags)
    for k in range(options["metrics"]):
        for step in range(options["steps"]):
            value, ts = _metric_value(k, step), base_ts + step * 10
            mlflow.log_metric(f"metric_{k}", value, step=step, timestamp=ts)
            Recorder.metric(entry, f"metric_{k}", value, step, ts)
    if options["batch"]:
        metrics = [Metric("batch_metric", i * 0.5, base_ts + i, i) for i in range(50)]
        client.log_batch(
            run_id,
            metrics=metrics,
            params=[Param(f"batch_param_{i}", str(i)) for i in range(20)],
            tags=[RunTag(f"batch_tag_{i}", str(i)) for i in range(10)],
        )
        for m in metrics:
            Recorder.metric(entry, m.key, m.value, m.step, m.timestamp)
        entry["params"].update({f"batch_param_{i}": str(i) for i in range(20)})
        entry["tags"].update({f"batch_tag_{i}": str(i) for i in range(10)})


def _log_model(recorder: Recorder) -> str:
    import cloudpickle

    cloudpickle.register_pickle_by_value(inspect.getmodule(Doubler))
    kwargs = {"python_model": Doubler(), "pip_requirements": ["mlflow"]}
    if "name" in inspect.signature(mlflow.pyfunc.log_model).parameters:
        info = mlflow.pyfunc.log_model(name="model", **kwargs)
    else:  # MLflow 2.x
        info = mlflow.pyfunc.log_model(artifact_path="model", **kwargs)
    recorder.data["models"].append(
        {
            "uri": info.model_uri,
            "input": MODEL_INPUT,
            "output": [2 * v for v in MODEL_INPUT],
        }
    )
    model_uri: str = info.model_uri
    return model_uri


def _registry_round_trip(recorder: Recorder, client: Any, model_uri: str, prefix: str) -> None:
    name = f"{prefix}-model-{int(time.time() * 1000)}"
    first = mlflow.register_model(model_uri, name)
    second = mlflow.register_model(model_uri, name)
    client.set_registered_model_alias(name, "champion", first.version)
    client.set_registered_model_tag(name, "team", "harness")
    client.set_model_version_tag(name, second.version, "validated", "yes")
    client.update_registered_model(name, description="registered by the harness")
    recorder.data["registry"].append(
        {
            "name": name,
            "description": "registered by the harness",
            "tags": {"team": "harness"},
            "aliases": {"champion": str(first.version)},
            "versions": {
                str(first.version): {"tags": {}},
                str(second.version): {"tags": {"validated": "yes"}},
            },
        }
    )


def run(request: dict[str, Any]) -> dict[str, Any]:
    configure(request)
    options = request["options"]
    recorder = Recorder("logging", request["tracking_uri"], request["registry_uri"])
    with ContextProviders(request, recorder):
        _log_everything(request, recorder, options)
    return recorder.data


def _log_everything(request: dict[str, Any], recorder: Recorder, options: dict[str, Any]) -> None:
    client = MlflowClient()
    workdir = os.getcwd()
    model_uri = None
    for e in range(options["experiments"]):
        experiment_id = new_experiment(request, recorder, f"exp{e}")
        for r in range(options["runs"]):
            base_ts = int(time.time() * 1000)
            name = f"run-{e}-{r}"
            with mlflow.start_run(experiment_id=experiment_id, run_name=name) as run:
                entry = recorder.run(run, name)
                _log_run_data(client, entry, run.info.run_id, options, base_ts)
                if r == 0:
                    _log_artifacts(entry, options["large_artifact_mb"] if e == 0 else 0, workdir)
                if e == 0 and r == 0 and options["model"]:
                    model_uri = _log_model(recorder)
                for c in range(options["nested"]):
                    child_name = f"{name}-child-{c}"
                    with mlflow.start_run(run_name=child_name, nested=True) as child:
                        child_entry = recorder.run(child, child_name, parent_id=run.info.run_id)
                        mlflow.log_param("child_index", c)
                        child_entry["params"]["child_index"] = str(c)
                        mlflow.log_metric("child_metric", c + 0.25, step=c, timestamp=base_ts)
                        Recorder.metric(child_entry, "child_metric", c + 0.25, c, base_ts)
    # why nothing was registered, as facts the registry check reports when it skips
    why_not = [
        why
        for why, absent in (
            ("the workload logged no model (model: false, or no run)", not model_uri),
            ("the workload registers nothing (registry: false)", not options["registry"]),
            (
                "the plugin's registry store is not used in this scenario (MLflow's own serves the "
                "registry role)",
                not request.get("registry_store"),
            ),
        )
        if absent
    ]
    if why_not:
        recorder.data["registry_skipped"] = "; ".join(why_not)
    else:
        assert model_uri is not None  # else why_not says so
        try:
            _registry_round_trip(recorder, client, model_uri, request.get("prefix", "harness"))
        except Exception as exc:  # noqa: BLE001 - the registry check reports it; tracking stands
            recorder.data["registry_error"] = (
                f"registering a model through the plugin's registry store at "
                f"{request['registry_uri']} raised {describe_error(exc)}"
            )
