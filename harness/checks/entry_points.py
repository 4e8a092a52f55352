"""Checks on the plugin's entry points: they load, have MLflow's shape, and providers work; and,
in the scenario covering every group, how the plugin is packaged."""

from __future__ import annotations

import re
from typing import Any

from harness.checks.base import Evidence, check, verdict
from harness.checks.facts import needed, untested
from harness.model.contracts import BY_NAME, GROUPS
from harness.model.results import Status

# Top-level names too generic for a distribution to install: others install them too (one
# overwrites the other), and a user's own module of that name shadows them or is shadowed
GENERIC_NAMES = frozenset(
    {
        "app",
        "apps",
        "common",
        "conf",
        "config",
        "configs",
        "conftest",
        "core",
        "doc",
        "docs",
        "example",
        "examples",
        "helpers",
        "lib",
        "libs",
        "main",
        "plugin",
        "plugins",
        "scripts",
        "settings",
        "setup",
        "src",
        "test",
        "testing",
        "tests",
        "tools",
        "util",
        "utils",
    }
)


def _label(ep: dict[str, Any]) -> str:
    return f"{ep['group']}:{ep['name']}"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _quoted(extras: list[str]) -> str:
    return f"{', '.join(repr(e) for e in extras)} extra{'s' if len(extras) > 1 else ''}"


def covers_every_group(evidence: Evidence) -> bool:
    """Whether the scenario exercises every group (the entry-points scenario): its check also
    names what the harness cannot judge, and judges the plugin's packaging."""
    return evidence.groups is None or {g.name for g in GROUPS} <= evidence.groups


def unchecked(ep: dict[str, Any], probe: dict[str, Any]) -> str | None:
    """Why the harness does not judge an entry point, or None: the installed MLflow does not load
    its group (the plugin may target another MLflow), or the harness knows no contract for the
    group (then only whether it loads is judged)."""
    loaded = probe.get("mlflow_groups")
    if loaded is not None and ep["group"] not in loaded:
        version = ".".join((probe.get("mlflow_version") or "?").split(".")[:2])
        return f"MLflow {version} does not load {ep['group']}"
    if ep["group"] not in BY_NAME and ep["loaded"]:
        return f"the harness has no contract for {ep['group']}"
    return None


def _missing_hint(ep: dict[str, Any], extras: dict[str, list[str]]) -> str:
    """Where the module whose absence broke the load is declared, if only behind an extra."""
    missing: str = ep.get("missing") or ""
    only = extras.get(_canonical(missing)) if missing else None
    return (
        (
            f", and {missing} is missing: the plugin lists {_canonical(missing)} only in its "
            f"{_quoted(only)}"
        )
        if only
        else ""
    )


def _entry_problems(ep: dict[str, Any], extras: dict[str, list[str]]) -> list[str]:
    label = _label(ep)
    if not ep["loaded"]:
        return [f"{label} ({ep['value']}) fails to load: {ep['error']}{_missing_hint(ep, extras)}"]
    problems = [f"{label}: {p}" for p in ep["problems"]]
    group = BY_NAME.get(ep["group"])
    if group and group.class_only and ep.get("kind", "class") != "class":
        problems.append(f"{label}: MLflow takes only a class for {ep['group']}, got a {ep['kind']}")
    return problems


def _top_level_problem(name: str, top: dict[str, Any]) -> str | None:
    module = top["name"]
    if top["stdlib"]:
        return (
            f"{name} installs a top-level {module!r}, the name of a standard library module, "
            "which it shadows"
        )
    if module.lower() in GENERIC_NAMES:
        return (
            f"{name} installs a top-level package {module!r}: a generic name other "
            "distributions install too, and a user's own module of that name shadows it"
        )
    if top["also_in"] and not top["namespace"]:
        return (
            f"{name} installs a top-level {module!r} that {', '.join(top['also_in'])} "
            "also install(s): one overwrites the other"
        )
    return None


def packaging_problems(probe: dict[str, Any]) -> list[str]:
    """What the plugin's packaging gets wrong, from the probe's facts: generic or shadowing
    top-level names, imports no declared dependency provides, syntax newer than it declares."""
    facts, name = probe.get("packaging") or {}, probe.get("name", "the plugin")
    problems = [p for top in facts.get("top_level", []) if (p := _top_level_problem(name, top))]
    for found in facts.get("undeclared_imports", []):
        why = (
            f"{found['distribution']} is only in the {_quoted(found['extras'])}"
            if found["extras"]
            else f"{found['distribution']} is installed here, but not "
            "required by the plugin or its dependencies"
        )
        problems.append(
            f"{name} imports {found['module']} (from {found['where']}), which no "
            f"declared dependency provides ({why})"
        )
    problems += [
        f"{name} declares requires-python {facts.get('requires_python')} but "
        f"{found['where']} uses syntax that needs Python {found['needs']} "
        f"({found['error']})"
        for found in facts.get("newer_syntax", [])
    ]
    return problems


@check("entry-points")
def entry_points(evidence: Evidence) -> tuple[Status, str]:
    """Every mlflow.* entry point loads with warnings as errors and fits MLflow's contract; in
    the scenario covering every group, the plugin's packaging has no trap either."""
    probe = evidence.probe
    if not probe["entry_points"]:
        return Status.FAILED, "the plugin declares no mlflow.* entry points"
    everything = covers_every_group(evidence)
    eps = probe["entry_points"] if everything else evidence.entry_points()
    if not eps:
        return Status.SKIPPED, "the plugin has no entry point in the groups this scenario uses"
    skipped = {_label(ep): why for ep in eps if (why := unchecked(ep, probe))}
    extras = (probe.get("packaging") or {}).get("extras", {})
    checked = [ep for ep in eps if _label(ep) not in skipped]
    problems = [p for ep in checked for p in _entry_problems(ep, extras)]
    if everything:
        problems += packaging_problems(probe)
    not_checked = f"{len(skipped)} not checked: " + "; ".join(
        f"{label} ({why})" for label, why in skipped.items()
    )
    if not checked and not problems:
        return Status.SKIPPED, f"no entry point checked: {not_checked}"
    ok = f"{len(checked)} entry point(s) load and fit their contract"
    taken = [_label(ep) for ep in checked if ep.get("overrides") and ep["loaded"]]
    if taken:  # not a defect, but the user must know: MLflow's own store is gone for these
        ok += f"; {len(taken)} replace MLflow's own store for their scheme: {', '.join(taken)}"
    return verdict(problems, f"{ok}; {not_checked}" if skipped else ok, limit=6)


@check("abstract-methods")
def abstract_methods(evidence: Evidence) -> tuple[Status, str]:
    """Store and provider classes implement every method their MLflow base declares abstract."""
    classes = [ep for ep in evidence.entry_points() if ep["loaded"]]
    problems = [
        f"{_label(ep)} leaves {len(ep['abstract_left'])} abstract method(s) unimplemented: "
        + ", ".join(ep["abstract_left"][:8])
        + (" ..." if len(ep["abstract_left"]) > 8 else "")
        for ep in classes
        if ep["abstract_left"]
    ]
    return verdict(problems, "no abstract method left unimplemented", limit=5)


def provider_needs(calls: dict[str, Any], label: str) -> str | None:
    """What a provider said this machine lacks when first asked (``needs env:X at ...``)."""
    lacking = [(m, c["needs"]) for m, c in calls.items() if c.get("needs")]
    return f"{lacking[0][1]} at {label}.{lacking[0][0]}()" if lacking else None


def _provider_problems(ep: dict[str, Any]) -> list[str]:
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
    if (
        group == "mlflow.default_experiment_provider"
        and calls["in_context"]["value"]
        and calls["get_experiment_id"]["type"] != "str"
    ):
        problems.append(f"{label}.get_experiment_id() did not return a str")
    return problems


@check("providers")
def providers(evidence: Evidence) -> tuple[Status, str]:
    """Header, auth, default-experiment and context providers answer with the right types."""
    eps = [ep for ep in evidence.entry_points() if ep["calls"] is not None]
    if not eps:
        return Status.SKIPPED, "the plugin has no provider entry points"
    needs = {id(ep): provider_needs(ep["calls"], _label(ep)) for ep in eps}
    lacking = [n for n in needs.values() if n]
    judged = [ep for ep in eps if not needs[id(ep)]]
    if not judged:  # each said what this machine lacks before it answered anything
        return needed(lacking)
    problems = [p for ep in judged for p in _provider_problems(ep)]
    return verdict(
        problems,
        f"{len(judged)} provider(s) answer with the types MLflow expects{untested(lacking)}",
    )
