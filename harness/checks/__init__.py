"""Checks: pure functions from evidence (probe, manifests, read-backs) to a CheckResult.
Imports: model.

The evidence is gathered inside the plugin's environment; judging it happens here, so every
check is plain logic over JSON and can be unit-tested without MLflow.
"""

# importing the check modules registers their checks (they import harness.checks.base)
from harness.checks import (  # noqa: F401 - importing them registers their checks
    artifacts,
    backend,
    contract,
    domain,
    entry_points,
    performance,
    providers,
    registry,
    roundtrips,
    server,
    tracking,
    upgrade,
)
from harness.checks.base import (
    GATES,
    REGISTRY,
    CheckFn,
    Evidence,
    Verdict,
    apart,
    check,
    run_check,
    summarise,
    upstream_note,
    verdict,
)

__all__ = [
    "GATES",
    "REGISTRY",
    "CheckFn",
    "Evidence",
    "Verdict",
    "apart",
    "check",
    "run_check",
    "summarise",
    "upstream_note",
    "verdict",
]
