"""The load profile, judged: the plugin's throughput and latency next to MLflow's own store's
on the same service, as ratios; lost data fails, and so does a ratio under ``min_ratio``."""

from __future__ import annotations

from typing import Any

from harness.checks.base import Evidence, check, verdict
from harness.model.results import Status


def _ratio(mine: float, theirs: float) -> float:
    return mine / theirs if theirs else 0.0


def _side(result: dict[str, Any]) -> str:
    return (
        f"{result['points_per_s']:,.0f} points/s (log_batch p50 {result['batch_p50_ms']:.0f} ms, "
        f"p95 {result['batch_p95_ms']:.0f} ms)"
    )


@check("performance")
def performance(evidence: Evidence) -> tuple[Status, str]:
    """The load workload's throughput and latency on the plugin's stores and on MLflow's own
    on the same service: every point and byte must be read back; the ratios must reach the
    scenario's ``min_ratio`` when it sets one."""
    load = evidence.observed.get("load")
    if not load:
        return Status.SKIPPED, (
            "no evidence: the load workload did not finish on both the "
            "plugin's stores and MLflow's own"
        )
    mine, theirs, floor = load["plugin"], load["oracle"], load.get("min_ratio")
    if theirs["lost"]:
        return (
            Status.ERROR,
            f"MLflow's own store lost data under the same load: {theirs['lost'][0]}",
        )
    problems = [f"lost under load: {what}" for what in mine["lost"]]
    ratios = {"points/s": _ratio(mine["points_per_s"], theirs["points_per_s"])}
    parts = [f"plugin {_side(mine)}, MLflow {_side(theirs)}: ratio {ratios['points/s']:.2f}"]
    if "artifact_mb_per_s" in mine and "artifact_mb_per_s" in theirs:
        ratios["artifact MB/s"] = _ratio(mine["artifact_mb_per_s"], theirs["artifact_mb_per_s"])
        parts.append(
            f"{mine['artifact_mb']:g} MB artifact: plugin {mine['artifact_mb_per_s']:.0f} "
            f"MB/s, MLflow {theirs['artifact_mb_per_s']:.0f} MB/s: ratio "
            f"{ratios['artifact MB/s']:.2f}"
        )
    if floor is not None:
        problems += [
            f"{what} ratio {value:.2f} is below min_ratio {floor:g}"
            for what, value in ratios.items()
            if value < floor
        ]
    summary = (
        f"{mine['runs']} runs x {mine['points'] // mine['runs']} points by "
        f"{mine['writers']} writers; " + "; ".join(parts)
    )
    status, detail = verdict(problems, summary)
    return (status, f"{detail}; {summary}") if problems else (status, detail)
