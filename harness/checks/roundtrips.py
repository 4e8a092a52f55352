"""Round trips of the groups that are not stores: deployment targets, server apps, project
backends, model evaluators, dataset constructors and sources. Each judges the items one
observing workload reported."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from harness.checks.base import Evidence, check, verdict
from harness.checks.facts import no_evidence
from harness.model.results import Status

ItemProblems = Callable[[dict[str, Any], dict[str, Any]], list[str]]


def round_trip(
    name: str, kind: str, key: str, group: str, done: str
) -> Callable[[ItemProblems], ItemProblems]:
    """Register check ``name`` over ``observed[kind][key]``; the function lists one item's
    problems."""

    def register(problems_of: ItemProblems) -> ItemProblems:
        def judge(evidence: Evidence) -> tuple[Status, str]:
            data = evidence.observed.get(kind)
            if not data:
                return Status.SKIPPED, no_evidence(kind)
            if not data[key]:
                return Status.SKIPPED, f"the plugin has no {group}"
            lacking = [item for item in data[key] if item.get("needs")]
            judged = [item for item in data[key] if not item.get("needs")]
            untested = "; ".join(f"{item['name']} needs {item['needs']}" for item in lacking)
            if not judged:  # each said what this machine lacks before it did anything
                return Status.SKIPPED, f"needs {lacking[0]['needs']}" + (
                    f" ({len(lacking) - 1} more: {untested})" if len(lacking) > 1 else ""
                )
            problems = [p for item in judged for p in problems_of(item, data)]
            ok = f"{len(judged)} {done}" + (f"; not tested: {untested}" if lacking else "")
            return verdict(problems, ok)

        judge.__doc__ = problems_of.__doc__
        check(name)(judge)
        return problems_of

    return register


def step_problem(where: str, step: dict[str, Any]) -> str | None:
    """What went wrong in one step: the plugin's method raised (its fault), or the harness could
    not read the answer (said so, with the answer, rather than as if the method had raised)."""
    call = f"{step['method']}()"
    if step["step"] != step["method"]:
        call += f" ({step['step']})"
    elif "input" in step:
        call += f" on {step['input']}"
    if "error" in step:
        return f"{where}: {call} raised {step['error']}"
    if "unreadable" in step:  # the plugin answered; its answer is not what MLflow documents
        return (
            f"{where}: {call} answered {step['answer']}, without {step['wanted']} "
            f"(reading it raised {step['unreadable']})"
        )
    return None


def _constant(steps: list[dict[str, Any]]) -> str | None:
    """The one answer predict gave for inputs the model answers differently, or None."""
    predicts = [s for s in steps if s["step"] == "predict" and "error" not in s]
    answers = {repr(s["value"]) if "value" in s else s.get("answer") for s in predicts}
    wanted = {repr(s["expected"]) for s in predicts}
    return answers.pop() if len(predicts) > 1 and len(answers) == 1 < len(wanted) else None


def _close(got: list[float], want: list[float]) -> bool:
    return len(got) == len(want) and all(
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got, want, strict=True)
    )


@round_trip(
    "deployments",
    "deployments",
    "targets",
    "mlflow.deployments entry point",
    "target(s) completed the round trip",
)
def _deployment(target: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """create, get, list, predict (the model's own answer on two inputs), update and delete
    through each target; every step is judged, not only those before the first failure."""
    deployment = data["deployment"]
    where = f"target {target['name']} ({target['target']})"
    problems: list[str] = []
    # create_deployment documents "Dict corresponding to created deployment, which must contain
    # the 'name' key", not that the name is the one asked for: the deployment is known by
    # either name from then on (list_deployments: "Each dict is guaranteed to contain a 'name'
    # key containing the deployment name").
    names = {deployment} | {
        s.get("value")
        for s in target["steps"]
        if s["step"] == "create_deployment" and s.get("value")
    }
    for step in target["steps"]:
        problem = step_problem(where, step)
        if problem:
            problems.append(problem)
            continue
        label, value = step["step"], step.get("value")
        if label in ("create_deployment", "get_deployment") and value not in names:
            problems.append(f"{where}: {label}() answered name {value!r}, not {deployment!r}")
        elif label == "list_deployments" and not names & set(value):
            problems.append(f"{where}: list_deployments misses {deployment!r}")
        elif label == "predict":
            if not _close(value, step["expected"]):
                problems.append(
                    f"{where}: predict returned {value} for input {step['input']}, "
                    f"the model gives {step['expected']}"
                )
        elif label == "list after delete" and (left := sorted(names & set(value))):
            problems.append(f"{where}: {left[0]!r} still listed after delete_deployment")
    if (same := _constant(target["steps"])) is not None:
        problems.insert(
            0,
            f"{where}: predict() answers {same} whatever the input; the model "
            "answers each input differently",
        )
        # update_deployment's answer is not judged: MLflow's BaseDeploymentClient documents
        # it as "Returns: None" (mlflow/deployments/base.py, update_deployment docstring, in
        # 2.22.1 and 3.17.2 alike), unlike create_deployment's "Dict corresponding to created
        # deployment, which must contain the 'name' key". Only an exception fails the step.
    return problems


def _server_error(log: str) -> str:
    lines = [ln.strip() for ln in log.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"[\w.]*(Error|Exception)(:|$)", ln)]
    return (errors[-1] if errors else " | ".join(lines[-2:]))[:300]


@round_trip("app", "app", "apps", "mlflow.app entry point", "app(s) started and served")
def _app(served: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """``mlflow server --app-name`` starts, answers /health and serves MLflow's REST API."""
    name, why = served["name"], _server_error(served["log_tail"])
    api = (served["api"] or {}).get("status", 500)
    if served["health"] is None:
        how = (
            f"exited with code {served['exit_code']}"
            if served["exit_code"] is not None
            else f"did not answer within {data['timeout']} s"
        )
        return [f"app {name}: the server {how}: {why}"]
    if served["health"]["status"] >= 500 or api >= 500:
        return [f"app {name}: /health answered {served['health']['status']}, the API {api}: {why}"]
    if served["exit_code"] is not None:
        return [f"app {name}: the server exited with code {served['exit_code']}"]
    return []


@round_trip(
    "projects",
    "projects",
    "backends",
    "mlflow.project_backend entry point",
    "backend(s) ran the project to the end",
)
def _project(backend: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """A project run through each backend finishes; its run holds the project's param and metric."""
    where, run, expected = f"backend {backend['name']}", backend["run"], data["expected"]
    if backend["error"]:
        return [f"{where}: {backend['error']}"]
    if not backend["waited"] or run is None or run["status"] != "FINISHED":
        return [
            f"{where}: wait() gave {backend['waited']}, status {backend['status']}, "
            f"run {run and run['status']}"
        ]
    if run["params"] != expected["params"] or run["metrics"] != expected["metrics"]:
        return [
            f"{where}: the run holds params {run['params']} and metrics {run['metrics']}, "
            f"the project logs {expected['params']} and {expected['metrics']}"
        ]
    if not run["experiment_id"]:
        return [f"{where}: the run is not in the experiment it was given"]
    return []


@round_trip(
    "evaluators",
    "evaluators",
    "evaluators",
    "mlflow.model_evaluator entry point",
    "evaluator(s) returned and logged metrics",
)
def _evaluator(entry: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """Each evaluator, used alone by ``mlflow.models.evaluate``, returns metrics, on the run too."""
    where = f"evaluator {entry['name']}"
    if entry["error"]:
        return [f"{where}: {entry['error']}"]
    if not entry["metrics"]:
        return [
            f"{where}: returned no metrics (can_evaluate refused a regressor, or evaluate "
            "computed nothing)"
        ]
    # mlflow.models.evaluate documents the evaluator config "log_metrics_with_dataset_info":
    # "whether or not to include information about the evaluation dataset in the name of each
    # metric logged to MLflow Tracking during evaluation, default value is True" (2.x; from
    # 3.x evaluate itself logs the returned metrics): `mae_on_data_x` holds `mae`.
    missing = sorted(
        k
        for k in entry["metrics"]
        if k not in entry["on_run"]
        and not any(name.startswith(f"{k}_on_") for name in entry["on_run"])
    )
    return [f"{where}: metric(s) {missing} returned but not on the run"] if missing else []


@round_trip(
    "datasets",
    "datasets",
    "constructors",
    "mlflow.dataset_constructor with a declared example "
    "([tool.mlflow-plugin-harness.datasets] NAME = {keyword arguments})",
    "constructor(s) and their sources made the round trip",
)
def _dataset(entry: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """Each constructor is ``mlflow.data.<name>``, builds a Dataset whose source survives JSON
    through MLflow's source registry, and logs as a run input that reads back."""
    where = f"constructor {entry['name']}"
    if not entry["exposed"]:
        return [f"{where}: MLflow does not expose it as mlflow.data.{entry['name']}"]
    if entry["error"]:
        return [f"{where}: {entry['error']}"]
    problems = []
    if not entry["dataset"]:
        problems.append(f"{where}: did not return an mlflow.data.dataset.Dataset")
    if entry["source_rebuilt"] != entry["source"]:
        problems.append(
            f"{where}: its {entry['source_type']} source comes back from JSON as "
            f"{entry['source_rebuilt']}, not {entry['source']}"
        )
    logged = {**entry["logged"], "source_type": entry["source_type"]}
    if logged not in entry["read"]:
        problems.append(f"{where}: logged {logged}, read back {entry['read']}")
    return problems
