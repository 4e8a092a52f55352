"""Checks on the plugin's entry points: they load, have MLflow's shape, and providers work."""

from __future__ import annotations

from harness.checks import Evidence, check, verdict
from harness.results import Status


def _label(ep: dict) -> str:
    return f"{ep['group']}:{ep['name']}"


@check("entry-points")
def entry_points(evidence: Evidence) -> tuple[Status, str]:
    """Every mlflow.* entry point loads with warnings as errors and fits MLflow's contract."""
    if not evidence.probe["entry_points"]:
        return Status.FAILED, "the plugin declares no mlflow.* entry points"
    eps = evidence.entry_points()
    if not eps:
        return Status.SKIPPED, "the plugin has no entry point in the groups this scenario uses"
    problems = []
    for ep in eps:
        if not ep["loaded"]:
            problems.append(f"{_label(ep)} ({ep['value']}) fails to load: {ep['error']}")
        problems.extend(f"{_label(ep)}: {p}" for p in ep["problems"])
    return verdict(problems, f"{len(eps)} entry point(s) load and fit their contract")


@check("abstract-methods")
def abstract_methods(evidence: Evidence) -> tuple[Status, str]:
    """Store and provider classes implement every method their MLflow base declares abstract."""
    classes = [ep for ep in evidence.entry_points() if ep["loaded"]]
    problems = [
        f"{_label(ep)} leaves {len(ep['abstract_left'])} abstract method(s) unimplemented: "
        + ", ".join(ep["abstract_left"][:8]) + (" ..." if len(ep["abstract_left"]) > 8 else "")
        for ep in classes if ep["abstract_left"]
    ]
    return verdict(problems, "no abstract method left unimplemented", limit=5)


def _provider_problems(ep: dict) -> list[str]:
    calls, label = ep["calls"] or {}, _label(ep)
    problems = [f"{label}.{m}() raised {c['error']}" for m, c in calls.items() if "error" in c]
    if problems:
        return problems
    group = ep["group"]
    if "in_context" in calls and calls["in_context"]["type"] != "bool":
        problems.append(f"{label}.in_context() returned {calls['in_context']['type']}, not bool")
    if group == "mlflow.request_header_provider":
        headers = calls["request_headers"]
        if headers["type"] != "dict":
            problems.append(f"{label}.request_headers() returned {headers['type']}, not dict")
        else:
            bad = [k for k, (t, _) in headers["value"].items() if t != "str"]
            if bad:
                problems.append(f"{label}.request_headers() has non-str values for {bad}")
    if group == "mlflow.request_auth_provider":
        if calls["get_name"]["type"] != "str":
            problems.append(f"{label}.get_name() returned {calls['get_name']['type']}, not str")
        if not calls["get_auth"]["callable"]:
            problems.append(f"{label}.get_auth() returned {calls['get_auth']['type']}, not an auth")
    if group == "mlflow.default_experiment_provider" and calls["in_context"]["value"]:
        if calls["get_experiment_id"]["type"] != "str":
            problems.append(f"{label}.get_experiment_id() did not return a str")
    return problems


@check("providers")
def providers(evidence: Evidence) -> tuple[Status, str]:
    """Header, auth, default-experiment and context providers answer with the right types."""
    eps = [ep for ep in evidence.entry_points() if ep["calls"] is not None]
    if not eps:
        return Status.SKIPPED, "the plugin has no provider entry points"
    problems = [p for ep in eps for p in _provider_problems(ep)]
    return verdict(problems, f"{len(eps)} provider(s) answer with the types MLflow expects")
