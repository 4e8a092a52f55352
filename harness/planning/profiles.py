"""Profiles: named selections beside the default set (which answers "is this plugin correct?").

``quick``, for the edit-and-test loop: entry points, quickstart, logging and the contract
suite on local stores, then one service scenario the plugin's stores can be placed on, cut to
its quickstart workload (and the checks that read it). ``full``, for release CI: every
scenario, the benchmarks (``load``) too, and a larger budget for the domain search."""

from __future__ import annotations

from typing import Any

from harness.kinds import KINDS
from harness.model.config import Settings
from harness.model.errors import UsageError
from harness.planning.plan import skip_reason, unplaceable
from harness.planning.scenario import Scenario

PROFILES = ("quick", "full")
FULL_EXAMPLES = 150  # the domain search's budget under ``full`` (a scenario's default: 30)
LOCAL = ("entry-points", "quickstart", "logging", "conformance")
# The service scenarios to try, cheapest first: the first that applies to the plugin is run.
SERVICES = ("postgres-tracking", "minio-artifacts", "mysql-tracking", "postgres-minio")
WORKLOADS = ("quickstart",)


def check_profile(name: str | None) -> None:
    if name is not None and name not in PROFILES:
        raise UsageError(f"unknown profile {name!r} (known: {', '.join(PROFILES)})")


def knobs(profile: str | None, given: dict[str, Any]) -> dict[str, Any]:
    """The workload options a run uses: the given ones, over the profile's."""
    return {"examples": FULL_EXAMPLES, **given} if profile == "full" else given


def quick(
    scenarios: list[Scenario], entry_points: list[dict[str, Any]], settings: Settings
) -> list[Scenario]:
    """The quick profile's scenarios, from the default ones."""
    by_name = {s.name: s for s in scenarios}
    chosen = [by_name[n] for n in LOCAL if n in by_name]
    for name in SERVICES:
        scenario = by_name.get(name)
        if scenario is None or skip_reason(scenario, entry_points):
            continue
        if unplaceable(scenario, entry_points, settings):
            continue
        return [*chosen, _cut(scenario)]
    return chosen


def _cut(scenario: Scenario) -> Scenario:
    """``scenario`` with only the quick workloads, and the checks that read their evidence."""
    workloads = [w for w in scenario.workloads if w.kind in WORKLOADS]
    left_out = [w for w in scenario.workloads if w.kind not in WORKLOADS]
    dropped = {c for w in left_out for c in KINDS[w.kind].checks}
    kept = {c for w in workloads for c in KINDS[w.kind].checks}
    checks = [c for c in scenario.checks if c not in dropped or c in kept]
    return scenario.model_copy(update={"workloads": workloads, "checks": checks})
