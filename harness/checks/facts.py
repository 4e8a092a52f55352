"""Skip reasons from facts: which workloads left evidence, rather than guesses about the plugin.

A check with nothing to judge says why from what the evidence shows: a workload that did not
finish (it raised, hung or died: see its ``workload:<kind>`` result) left no evidence, which is
not the same as a plugin without the feature."""

from __future__ import annotations

from harness.checks.base import Evidence
from harness.model.results import Status


def no_evidence(kind: str) -> str:
    """The reason for an observing workload (``deployments``, ``providers``...) with no answer."""
    return f"no evidence: the {kind} workload did not finish"


def no_manifest(evidence: Evidence, workload: str | None = None) -> str | None:
    """Why there is no manifest to judge (from ``workload``, when one kind is needed), or None."""
    if not evidence.pairs:
        return "no evidence: no workload finished with a manifest"
    if workload and not any(m.get("workload") == workload for m, _ in evidence.pairs):
        return f"no evidence: the {workload} workload did not finish"
    return None


def needed(lacking: list[str]) -> tuple[Status, str]:
    """Skipped: each thing the check would judge said what this machine lacks, before it had
    any effect (``needs env:X (...) at ...``)."""
    return Status.SKIPPED, "needs " + "; ".join(lacking)


def untested(lacking: list[str]) -> str:
    """The end of a passing detail naming what went untested for what it lacks ("" if none)."""
    return f"; not tested: {'; '.join(lacking)}" if lacking else ""
