"""Checks of an upgrade path (``run/upgrade``): the upgrade step, and what survived it."""

from __future__ import annotations

from harness.checks.base import REGISTRY, Evidence, Verdict, check, summarise
from harness.model.results import Status

# the checks over stored data that judge what was written before the upgrade, read back after it
STORED = ("runs", "params", "metrics", "tags", "artifacts", "models", "registry")


@check("upgrade")
def upgrade(evidence: Evidence) -> tuple[Status, str]:
    """The upgrade step (the plugin's declared command, else `mlflow db upgrade` on each SQL
    store) exits 0."""
    found = evidence.observed.get("upgrade")
    if found is None:
        return Status.SKIPPED, "not an upgrade path"
    steps = found["steps"]
    if steps is None:
        return Status.SKIPPED, "the upgrade step's process failed (see upgrade-step)"
    if not steps:
        return Status.PASSED, "no upgrade step: the plugin declares none and no store is SQL"
    for step in steps:
        if step["code"] != 0:
            lines = [ln for ln in step["output"].splitlines() if ln.strip()] or ["no output"]
            problem = f"{step['what']} exited {step['code']}: {lines[-1][:300]}"
            return Verdict(Status.FAILED, problem, [problem])
    return Status.PASSED, "; ".join(s["what"] for s in steps) + " exited 0"


@check("survived")
def survived(evidence: Evidence) -> tuple[Status, str]:
    """Everything written before the upgrade reads back after it, before any later work: every
    run, param, metric point, tag, artifact, model and model version, by name."""
    found = evidence.observed.get("upgrade")
    if found is None:
        return Status.SKIPPED, "not an upgrade path"
    pairs = found["survival"]
    if not pairs:
        return Status.SKIPPED, "nothing written before the upgrade was read back after it"
    before = Evidence(evidence.probe, pairs=pairs, groups=evidence.groups)
    problems = [
        problem
        for name in STORED
        if (result := REGISTRY[name](before)).status is Status.FAILED
        for problem in result.problems
    ]
    if problems:
        return Verdict(
            Status.FAILED, f"lost or unreadable after the upgrade: {summarise(problems)}", problems
        )
    runs = sum(len(manifest["runs"]) for manifest, _ in pairs)
    models = sum(len(manifest["registry"]) for manifest, _ in pairs)
    return Status.PASSED, f"{runs} run(s) and {models} registered model(s) read back as written"
