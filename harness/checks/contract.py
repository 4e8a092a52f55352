"""Contract checks: the plugin's store against MLflow's own store for the same backend.

The conformance workload runs each feature on both and records every step's normalised
outcome; a check passes when the plugin's transcript equals MLflow's. A feature the plugin
declares unsupported (with a reason) is skipped when it differs, and fails when it in fact
behaves like MLflow's (strict: the declaration is stale).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from harness.checks import Evidence, check, verdict
from harness.contracts import FEATURES, ROLE_GROUPS
from harness.results import Status


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def differences(plugin: list[list[Any]], oracle: list[list[Any]]) -> list[str]:
    """Each step whose outcome differs, as ``'label': plugin X, MLflow Y``."""
    problems = []
    for index in range(max(len(plugin), len(oracle))):
        mine = plugin[index] if index < len(plugin) else ["(missing)", None]
        theirs = oracle[index] if index < len(oracle) else ["(missing)", None]
        if mine != theirs:
            label = theirs[0] if theirs[0] != "(missing)" else mine[0]
            problems.append(f"{label!r}: plugin {_short(mine[1])}, MLflow's own store "
                            f"{_short(theirs[1])}")
    return problems


def judge(feature: str, evidence: Evidence) -> tuple[Status, str]:
    """Compare one feature's transcripts, honouring the plugin's declarations."""
    contract = evidence.contract
    role = FEATURES[feature]
    if not contract:
        return Status.SKIPPED, "no conformance workload ran"
    if role not in contract["roles"]:
        return Status.SKIPPED, f"the plugin has no {ROLE_GROUPS[role]} entry point"
    plugin, oracle = contract["plugin"], contract["oracle"]
    if feature not in plugin or feature not in oracle:
        return Status.SKIPPED, "not exercised in this scenario"
    problems = differences(plugin[feature], oracle[feature])
    crash = contract.get("errors", {}).get(feature)
    if crash:
        problems.append(f"set-up failed: {crash}")
    declared = contract.get("unsupported", {}).get(feature)
    if declared is not None:
        if problems:
            return Status.SKIPPED, f"declared unsupported: {declared}"
        return Status.FAILED, (f"declared unsupported ({declared}) but behaves exactly like "
                               "MLflow's own store: remove the declaration")
    return verdict(problems, f"{len(plugin[feature])} steps behave like MLflow's own store")


def judge_methods(role: str, evidence: Evidence) -> tuple[Status, str]:
    """The plugin implements every declared method MLflow's own store implements, save the
    ones it declares missing (strictly: a declaration matching nothing missing fails)."""
    contract = evidence.contract
    if not contract:
        return Status.SKIPPED, "no conformance workload ran"
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
    patterns = {key.split(".", 1)[1]: reason
                for key, reason in contract.get("missing_methods", {}).items()
                if key.startswith(role + ".")}
    lacking = sorted(set(mine["missing"]) - set(theirs["missing"]))
    excused = [name for name in lacking if any(fnmatchcase(name, p) for p in patterns)]
    problems = [name for name in lacking if name not in excused]
    stale = [p for p in patterns if not any(fnmatchcase(name, p) for name in lacking)]
    if stale:
        return Status.FAILED, (f"declared missing but implemented as MLflow's own store is: "
                               f"{role}.{', '.join(stale)}: remove the declaration")
    if problems:
        shown = ", ".join(problems[:8]) + (f" (+{len(problems) - 8} more)" if len(problems) > 8
                                           else "")
        return Status.FAILED, (f"{len(problems)} method(s) MLflow's own store implements are "
                               f"missing or empty in {mine['class']}: {shown}")
    implemented = mine["declared"] - len(mine["missing"])
    detail = (f"implements every method MLflow's own store does ({implemented} of "
              f"{mine['declared']} declared); the suite called {len(mine.get('called', []))}")
    if excused:
        detail += f"; {len(excused)} declared missing"
    return Status.PASSED, detail


for _feature, _role in FEATURES.items():
    if _feature.endswith(".methods"):
        check(_feature)(lambda evidence, r=_role: judge_methods(r, evidence))
    else:
        check(_feature)(lambda evidence, f=_feature: judge(f, evidence))
