"""A load profile, timed on the plugin's stores and on MLflow's own on the same service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.kinds.base import Context, WorkloadKind, options, register, script
from harness.model.results import Status
from harness.model.specs import WorkloadSpec

SCRIPT = script("load_workload")


class Load(WorkloadSpec):
    """A load profile, timed on the plugin's stores and on MLflow's own on the same service. Runs
    are written by concurrent writers, their metric points in log_batch calls of 1,000 (MLflow's
    limit), with one large artifact; every point is counted back afterwards."""

    kind: Literal["load"]
    runs: int = Field(100, ge=1, le=10_000)
    points: int = Field(1000, ge=1, le=1_000_000, description="metric points per run")
    writers: int = Field(4, ge=1, le=64, description="threads writing runs at once")
    artifact_mb: float = Field(100.0, ge=0, le=4096, description="one artifact of this size")
    min_ratio: float | None = Field(
        None,
        gt=0,
        description="fail when the plugin's throughput "
        "(points/s, and artifact MB/s) is below this fraction of "
        "MLflow's own store's",
    )


def perform(workload: Load, ctx: Context) -> None:
    """Both sides' timings into ``evidence.observed["load"]``."""
    ctx.say("load workload")
    request = options(workload, ctx.settings)
    mine = ctx.attempt("workload:load", ctx.side, "load", request, SCRIPT)
    if mine is None:
        return
    ctx.say("the same load on MLflow's own stores")
    oracle = ctx.oracles[0]
    theirs = ctx.attempt("oracle:load", oracle, "load", request, SCRIPT, status=Status.ERROR)
    if theirs is not None:
        ctx.evidence.observed["load"] = {
            "plugin": mine,
            "oracle": theirs,
            "min_ratio": workload.min_ratio,
        }


register(WorkloadKind("load", Load, ("performance",), SCRIPT, oracle=True, perform=perform))
