"""Contract checks: the plugin's store against MLflow's own store for the same backend.

The conformance workload runs each feature on both and records every step's normalised
outcome; a check passes when the plugin's transcript equals MLflow's. A feature the plugin
declares unsupported (with a reason) is skipped when it differs, and fails when it in fact
behaves like MLflow's (strict: the declaration is stale).
"""

from __future__ import annotations

import json
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


for _feature in FEATURES:
    check(_feature)(lambda evidence, f=_feature: judge(f, evidence))
