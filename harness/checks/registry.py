"""Checks on model registry entries read back through the registry store."""

from __future__ import annotations

from harness.checks import Evidence, check, verdict
from harness.results import Status


def _model_problems(want: dict, got: dict) -> list[str]:
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


@check("registry")
def registry(evidence: Evidence) -> tuple[Status, str]:
    """Registered models read back with every version, alias, tag and description."""
    pairs = [(w, g) for m, o in evidence.pairs for w, g in zip(m["registry"], o["registry"])]
    if not pairs:
        return Status.SKIPPED, "nothing was registered (the plugin has no model registry store)"
    problems = [p for want, got in pairs for p in _model_problems(want, got)]
    versions = sum(len(w["versions"]) for w, _ in pairs)
    return verdict(problems, f"{len(pairs)} model(s) with {versions} version(s) read back")
