"""Round trips of the groups that are not stores: deployment targets, server apps, project
backends, model evaluators."""

from __future__ import annotations

import re
from typing import Any

from harness.checks import Evidence, check, verdict
from harness.results import Status


def _target_problems(target: dict[str, Any], deployment: str) -> list[str]:
    steps = {s["step"]: s for s in target["steps"]}
    where = f"target {target['name']} ({target['target']})"
    failed = [f"{where}: {s['step']} raised {s['error']}" for s in target["steps"] if "error" in s]
    if failed:
        return failed[:3]
    problems = []
    for step in ("create_deployment", "get_deployment", "update_deployment"):
        if steps[step]["value"] != deployment:
            problems.append(f"{where}: {step} answered name {steps[step]['value']!r}")
    if deployment not in steps["list_deployments"]["value"]:
        problems.append(f"{where}: list_deployments misses {deployment!r}")
    got, expected = steps["predict"]["value"], target["expected"]
    if got != expected:
        problems.append(f"{where}: predict returned {got}, the model gives {expected}")
    if deployment in steps["list after delete"]["value"]:
        problems.append(f"{where}: {deployment!r} still listed after delete_deployment")
    return problems


@check("deployments")
def deployments(evidence: Evidence) -> tuple[Status, str]:
    """create, get, list, predict (the model's own answer), update and delete through each target."""
    data = evidence.observed.get("deployments")
    if not data:
        return Status.SKIPPED, "no deployments workload ran"
    if not data["targets"]:
        return Status.SKIPPED, "the plugin has no mlflow.deployments entry point"
    problems = [p for t in data["targets"] for p in _target_problems(t, data["deployment"])]
    return verdict(problems, f"{len(data['targets'])} target(s) completed the round trip")


def _server_error(log: str) -> str:
    lines = [ln.strip() for ln in log.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"[\w.]*(Error|Exception)(:|$)", ln)]
    return (errors[-1] if errors else " | ".join(lines[-2:]))[:300]


@check("app")
def app(evidence: Evidence) -> tuple[Status, str]:
    """``mlflow server --app-name`` starts, answers /health and serves MLflow's REST API."""
    data = evidence.observed.get("app")
    if not data:
        return Status.SKIPPED, "no app workload ran"
    if not data["apps"]:
        return Status.SKIPPED, "the plugin has no mlflow.app entry point"
    problems = []
    for served in data["apps"]:
        name = served["name"]
        last = _server_error(served["log_tail"])
        if served["health"] is None:
            how = (f"exited with code {served['exit_code']}" if served["exit_code"] is not None
                   else f"did not answer within {data['timeout']} s")
            problems.append(f"app {name}: the server {how}: {last}")
        elif served["health"]["status"] >= 500 or (served["api"] or {}).get("status", 500) >= 500:
            problems.append(f"app {name}: /health answered {served['health']['status']}, the API "
                            f"{(served['api'] or {}).get('status')}: {last}")
        elif served["exit_code"] is not None:
            problems.append(f"app {name}: the server exited with code {served['exit_code']}")
    return verdict(problems, f"{len(data['apps'])} app(s) started and served")


@check("projects")
def projects(evidence: Evidence) -> tuple[Status, str]:
    """A project run through each backend finishes and its run holds the project's params and metrics."""
    data = evidence.observed.get("projects")
    if not data:
        return Status.SKIPPED, "no projects workload ran"
    if not data["backends"]:
        return Status.SKIPPED, "the plugin has no mlflow.project_backend entry point"
    problems = []
    expected = data["expected"]
    for backend in data["backends"]:
        where = f"backend {backend['name']}"
        run = backend["run"]
        if backend["error"]:
            problems.append(f"{where}: {backend['error']}")
        elif not backend["waited"] or run is None or run["status"] != "FINISHED":
            problems.append(f"{where}: wait() gave {backend['waited']}, status "
                            f"{backend['status']}, run {run and run['status']}")
        elif run["params"] != expected["params"] or run["metrics"] != expected["metrics"]:
            problems.append(f"{where}: the run holds params {run['params']} and metrics "
                            f"{run['metrics']}, the project logs {expected['params']} and "
                            f"{expected['metrics']}")
        elif not run["experiment_id"]:
            problems.append(f"{where}: the run is not in the experiment it was given")
    return verdict(problems, f"{len(data['backends'])} backend(s) ran the project to the end")


@check("evaluators")
def evaluators(evidence: Evidence) -> tuple[Status, str]:
    """Each evaluator, used alone by ``mlflow.models.evaluate``, returns metrics and logs them."""
    data = evidence.observed.get("evaluators")
    if not data:
        return Status.SKIPPED, "no evaluators workload ran"
    if not data["evaluators"]:
        return Status.SKIPPED, "the plugin has no mlflow.model_evaluator entry point"
    problems = []
    for entry in data["evaluators"]:
        where = f"evaluator {entry['name']}"
        if entry["error"]:
            problems.append(f"{where}: {entry['error']}")
        elif not entry["metrics"]:
            problems.append(f"{where}: returned no metrics (can_evaluate refused a regressor, or "
                            "evaluate computed nothing)")
        else:
            missing = sorted(k for k in entry["metrics"] if k not in entry["on_run"])
            if missing:
                problems.append(f"{where}: metric(s) {missing} returned but not logged to the run")
    return verdict(problems, f"{len(data['evaluators'])} evaluator(s) returned and logged metrics")
