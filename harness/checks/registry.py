"""Checks on model registry entries read back through the registry store."""

from __future__ import annotations

from typing import Any

from harness.checks.base import Evidence, check, verdict
from harness.checks.facts import no_manifest
from harness.model.results import Status


def _model_problems(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    name = want["name"]
    if "error" in got:
        return [f"registered model {name} unreadable: {got['error']}"]
    problems = []
    if got["description"] != want["description"]:
        problems.append(f"{name}: description is {got['description']!r}")
    for key, value in want["tags"].items():
        if got["tags"].get(key) != value:
            problems.append(f"{name}: tag {key!r} is {got['tags'].get(key)!r}, not {value!r}")
    if got["aliases"] != want["aliases"]:
        problems.append(f"{name}: aliases are {got['aliases']}, expected {want['aliases']}")
    if missing := set(want["versions"]) - set(got["versions"]):
        problems.append(f"{name}: search_model_versions misses version(s) {sorted(missing)}")
    for version, fetched in got["fetched"].items():
        if isinstance(fetched, dict):
            problems.append(f"{name}: get_model_version({version}) failed: {fetched['error']}")
    for version, spec in want["versions"].items():
        have = got["versions"].get(version)
        for key, value in spec["tags"].items():
            if have and have["tags"].get(key) != value:
                problems.append(f"{name} v{version}: tag {key!r} is {have['tags'].get(key)!r}")
    return problems


def _why_nothing_registered(evidence: Evidence) -> str:
    """The reason, from facts: which workload finished, what it recorded, what the probe saw."""
    missing = no_manifest(evidence, "logging")  # only the logging workload registers models
    if missing:
        return missing
    logging = [m for m, _ in evidence.pairs if m.get("workload") == "logging"]
    registries = [
        ep
        for ep in evidence.probe.get("entry_points", [])
        if ep.get("group") == "mlflow.model_registry_store"
    ]
    if not registries:
        return "nothing was registered: the plugin has no model registry store"
    if not any(ep.get("loaded") for ep in registries):
        return "nothing was registered: the plugin's model registry store does not load"
    reasons = sorted({m["registry_skipped"] for m in logging if m.get("registry_skipped")})
    if reasons:
        return f"nothing was registered: {'; '.join(reasons)}"
    return "nothing was registered, and the logging workload recorded no reason"


@check("registry")
def registry(evidence: Evidence) -> tuple[Status, str]:
    """Registered models read back with every version, alias, tag and description."""
    pairs = [
        (w, g)
        for m, o in evidence.pairs
        for w, g in zip(m["registry"], o["registry"], strict=False)
    ]
    raised = [m["registry_error"] for m, _ in evidence.pairs if m.get("registry_error")]
    if raised:
        return verdict(raised, "")
    if not pairs:
        return Status.SKIPPED, _why_nothing_registered(evidence)
    problems = [p for want, got in pairs for p in _model_problems(want, got)]
    versions = sum(len(w["versions"]) for w, _ in pairs)
    return verdict(problems, f"{len(pairs)} model(s) with {versions} version(s) read back")
