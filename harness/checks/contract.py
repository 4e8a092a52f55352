"""Contract checks: the plugin's store against MLflow's own store for the same backend.

The conformance workload runs each feature on both and records every step's normalised
outcome; a check passes when the plugin's transcript equals MLflow's. A feature the plugin
declares unsupported (with a reason) is skipped when it differs, and fails when it in fact
behaves like MLflow's (strict: the declaration is stale).
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any

from harness.checks.base import Evidence, Verdict, apart, check, upstream_note, verdict
from harness.checks.facts import no_evidence
from harness.model.contracts import FEATURES, ROLE_GROUPS, Role
from harness.model.results import Status


def _at(transcript: list[list[Any]], index: int) -> list[Any]:
    return transcript[index] if index < len(transcript) else ["(missing)", None]


def differences(
    plugin: list[list[Any]], oracles: list[tuple[str, list[list[Any]]]]
) -> tuple[list[str], list[str]]:
    """Each step whose outcome differs from the first oracle's, as ``'label': plugin X, MLflow's
    own store Y``, split into (problems, notes): a step that equals another built-in store's
    outcome (its name given with its transcript) is MLflow's own behaviour, kept as a note.

    Histories are compared as the workload records them, sorted, since MLflow leaves the
    order of points with equal step and timestamp unspecified."""
    (_first, reference), problems, notes = oracles[0], [], []
    for index in range(max(len(plugin), len(reference))):
        mine, theirs = _at(plugin, index), _at(reference, index)
        if mine == theirs or (mine[1] is None and theirs[1] is None):  # null against null or
            continue  # a missing step (its absence: a set-up failure, reported as such)
        label = theirs[0] if theirs[0] != "(missing)" else mine[0]
        same = next((name for name, other in oracles[1:] if _at(other, index) == mine), None)
        shown, expected = apart(mine[1], theirs[1])
        if same:
            notes.append(
                upstream_note(same, f"{label!r}: {shown} (MLflow's own {_first}: {expected})")
            )
        else:
            problems.append(f"{label!r}: plugin {shown}, MLflow's own store {expected}")
    return problems, notes


def judge(feature: str, evidence: Evidence) -> Verdict:
    """Compare one feature's transcripts with every built-in store's, honouring the plugin's
    declarations."""
    contract = evidence.contract
    role = FEATURES[feature]
    if not contract:
        return Verdict(Status.SKIPPED, no_evidence("conformance"))
    if role not in contract["roles"]:
        return Verdict(Status.SKIPPED, f"the plugin has no {ROLE_GROUPS[role]} entry point")
    plugin = contract["plugin"]
    oracles = [
        (o["stores"][role], o["features"][feature])
        for o in contract["oracles"]
        if feature in o["features"]
    ]
    if feature not in plugin or not oracles:
        return Verdict(Status.SKIPPED, "not exercised in this scenario")
    problems, notes = differences(plugin[feature], oracles)
    crash = contract.get("errors", {}).get(feature)
    if crash:
        problems.append(f"set-up failed: {crash}")
    declared = contract.get("unsupported", {}).get(feature)
    if declared is not None:
        if problems:
            return Verdict(Status.SKIPPED, f"declared unsupported: {declared}")
        return Verdict(
            Status.FAILED,
            f"declared unsupported ({declared}) but behaves exactly "
            "like MLflow's own store: remove the declaration",
        )
    found = verdict(
        problems,
        f"{len(plugin[feature])} steps behave like MLflow's own "
        f"{' or '.join(dict.fromkeys(n for n, _ in oracles))}",
    )
    return Verdict(*found, problems=found.problems, notes=notes)


def judge_methods(role: Role, evidence: Evidence) -> tuple[Status, str]:
    """The plugin implements every declared method MLflow's own store implements, save the
    ones it declares missing (strictly: a declaration matching nothing missing fails)."""
    contract = evidence.contract
    if not contract:
        return Status.SKIPPED, no_evidence("conformance")
    if role not in contract["roles"]:
        return Status.SKIPPED, f"the plugin has no {ROLE_GROUPS[role]} entry point"
    mine = contract.get("surfaces", {}).get("plugin", {}).get(role)
    theirs = contract.get("surfaces", {}).get("oracle", {}).get(role)
    if not mine or not theirs:
        return Status.SKIPPED, "not exercised in this scenario"
    if "error" in theirs:
        return Status.ERROR, f"MLflow's own store could not be created: {theirs['error']}"
    if "error" in mine:
        return Status.FAILED, f"the store could not be created: {mine['error']}"
    patterns = {
        key.split(".", 1)[1]: reason
        for key, reason in contract.get("missing_methods", {}).items()
        if key.startswith(role + ".")
    }
    inherited = set(mine.get("inherited", []))
    lacking = sorted(set(mine["missing"]) - set(theirs["missing"]) - inherited)
    excused = [name for name in lacking if any(fnmatchcase(name, p) for p in patterns)]
    problems = [name for name in lacking if name not in excused]
    stale = [p for p in patterns if not any(fnmatchcase(name, p) for name in lacking)]
    if stale:
        return Status.FAILED, (
            f"declared missing but implemented as MLflow's own store is: "
            f"{role}.{', '.join(stale)}: remove the declaration"
        )
    if problems:
        shown = ", ".join(problems[:8]) + (
            f" (+{len(problems) - 8} more)" if len(problems) > 8 else ""
        )
        return Status.FAILED, (
            f"{len(problems)} method(s) MLflow's own store implements are "
            f"missing or empty in {mine['class']}: {shown}"
        )
    return _all_implemented(mine, theirs, excused, inherited)


def _all_implemented(
    mine: dict[str, Any], theirs: dict[str, Any], excused: list[str], inherited: set[str]
) -> Verdict:
    """A pass, naming what was declared missing and what MLflow's own base class lacks."""
    implemented = mine["declared"] - len(mine["missing"])
    detail = (
        f"implements every method MLflow's own store does ({implemented} of "
        f"{mine['declared']} declared); the suite called {len(mine.get('called', []))}"
    )
    if excused:
        detail += f"; {len(excused)} declared missing"
    notes = []
    if inherited - set(theirs["missing"]):
        limits = sorted(inherited - set(theirs["missing"]))
        detail += (
            f"; {len(limits)} inherited limitation(s) of MLflow's own {mine['extends']}, "
            "which it extends (info)"
        )
        notes.append(
            upstream_note(
                mine["extends"],
                (
                    f"it lacks {len(limits)} method(s) MLflow's "
                    f"{theirs['class'].rsplit(':', 1)[-1]} implements: "
                    + ", ".join(limits[:8])
                    + (" ..." if len(limits) > 8 else "")
                ),
            )
        )
    return Verdict(Status.PASSED, detail, notes=notes)


def _judging(feature: str) -> Callable[[Evidence], tuple[Status, str]]:
    role = FEATURES[feature]
    if feature.endswith(".methods"):
        return lambda evidence: judge_methods(role, evidence)
    return lambda evidence: judge(feature, evidence)


for _feature in FEATURES:
    check(_feature)(_judging(_feature))
