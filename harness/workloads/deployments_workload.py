"""The documented round trip of each deployment target the plugin declares: create, get, list,
predict, update, delete, with a pyfunc model logged for the purpose.

Every step runs, whatever the earlier ones did, and each keeps apart what the plugin's method
did (``error``: it raised) from what the harness made of its answer (``unreadable``: the harness
could not read what MLflow documents the answer to hold)."""

import functools
from collections.abc import Callable
from typing import Any

import mlflow
import pandas as pd
from logging_workload import MODEL_INPUT, Doubler, _log_model
from mlflow.deployments import get_deploy_client
from protocol import needs
from recorder import Recorder, describe_error
from session import _plugin_entry_points, configure, new_experiment

NAME = "harness-deployment"
# predict must give the model's own answer on more than one input: a target that answers
# with a constant (a cached first answer, a canned response) is then caught
INPUTS = [MODEL_INPUT, [0.5, 7.0, -11.25, 40.0]]


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _step(
    steps: list[dict[str, Any]],
    label: str,
    method: str,
    call: Callable[[], Any],
    read: Callable[[Any], Any] | None = None,
    wanted: str = "",
    **extra: Any,
) -> Any:
    """Call the plugin's ``method``; then, apart, read its answer with ``read``."""
    entry: dict[str, Any] = {"step": label, "method": method, **extra}
    steps.append(entry)
    try:
        answer = call()
    except Exception as exc:  # noqa: BLE001 - raised inside the plugin's method: its fault
        entry["error"], entry["needs"] = describe_error(exc), needs(exc)
        return None
    entry["returned"] = type(answer).__name__
    if read is None:
        return answer
    try:
        entry["value"] = read(answer)
    except Exception as exc:  # noqa: BLE001 - raised by the harness reading the answer
        entry.update(unreadable=describe_error(exc), wanted=wanted, answer=_short(answer))
    return answer


def _before_work(steps: list[dict[str, Any]]) -> str | None:
    """What the target said it lacks (an unset variable, credentials, a host) at its first
    call, before any of its methods worked; None once one did: a need named later is a defect."""
    for step in steps:
        if "error" in step:
            return step["needs"] and f"{step['needs']} at {step['method']}()"
        if step["method"] != "get_deploy_client":
            return None
    return None


def _client(answer: Any) -> str:
    if answer is None:
        raise ValueError("MLflow found no deployment client for the target")
    return type(answer).__name__


def _name(answer: Any) -> str:
    return str(answer["name"])


def _names(listing: Any) -> list[str]:
    if isinstance(listing, dict):  # the paginated form base.py mentions: {"deployments": [...]}
        listing = listing["deployments"]
    return sorted(str(d["name"]) if isinstance(d, dict) else str(d) for d in listing)


def _values(prediction: Any) -> list[float]:
    frame = getattr(prediction, "predictions", prediction)
    if isinstance(frame, dict):
        frame = frame.get("predictions", frame)
    return [float(v) for v in pd.DataFrame(frame).iloc[:, 0].tolist()]


def _round_trip(client: Any, model_uri: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    _step(
        steps,
        "create_deployment",
        "create_deployment",
        lambda: client.create_deployment(NAME, model_uri, config={}),
        _name,
        "the 'name' key MLflow documents",
    )
    _step(
        steps,
        "get_deployment",
        "get_deployment",
        lambda: client.get_deployment(NAME),
        _name,
        "the 'name' key MLflow documents",
    )
    _step(
        steps,
        "list_deployments",
        "list_deployments",
        lambda: client.list_deployments(),  # noqa: PLW0108 - looked up inside the step's try
        _names,
        "the deployments' names MLflow documents",
    )
    for values in INPUTS:
        frame = pd.DataFrame({"x": values})
        _step(
            steps,
            "predict",
            "predict",
            lambda: client.predict(NAME, frame),  # noqa: B023 - called in this iteration
            _values,
            "predictions MLflow can read",
            input=values,
            expected=[float(v) for v in Doubler().predict(None, frame)],  # type: ignore[no-untyped-call]
        )
    # update_deployment's answer is not read: MLflow documents "Returns: None" (see the check)
    _step(
        steps,
        "update_deployment",
        "update_deployment",
        lambda: client.update_deployment(NAME, model_uri),
    )
    _step(steps, "delete_deployment", "delete_deployment", lambda: client.delete_deployment(NAME))
    _step(
        steps,
        "list after delete",
        "list_deployments",
        lambda: client.list_deployments(),  # noqa: PLW0108 - looked up inside the step's try
        _names,
        "the deployments' names MLflow documents",
    )
    return steps


def run(request: dict[str, Any]) -> dict[str, Any]:
    configure(request)
    recorder = Recorder("deployments", request["tracking_uri"], request["registry_uri"])
    targets = []
    entry_points = _plugin_entry_points(request["plugin"], "mlflow.deployments")
    if entry_points:
        with mlflow.start_run(experiment_id=new_experiment(request, recorder, "deployments")):
            model_uri = _log_model(recorder)
    for ep in entry_points:
        target = request["targets"].get(ep.name, ep.name)
        steps: list[dict[str, Any]] = []
        client = _step(
            steps,
            "get_deploy_client",
            "get_deploy_client",
            functools.partial(get_deploy_client, target),
            _client,
            "a deployment client",
        )
        if "error" not in steps[-1] and "unreadable" not in steps[-1]:
            steps += _round_trip(client, model_uri)
        targets.append(
            {"name": ep.name, "target": target, "steps": steps, "needs": _before_work(steps)}
        )
    return {"targets": targets, "deployment": NAME if entry_points else None}
