"""The contract suite: every feature of each store role the plugin fills, run on the plugin's
stores and on each set of MLflow's own stores for the same backends (the oracles)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.contracts import FEATURES, ROLES
from harness.kinds import Context, WorkloadKind, register, script
from harness.results import Status
from harness.scenario import WorkloadSpec

if TYPE_CHECKING:  # a Literal built at run time, for pydantic; a plain string to mypy
    Feature = str
else:
    Feature = Literal[tuple(FEATURES)]
SCRIPT = script("conformance")


class Conformance(WorkloadSpec):
    """Every feature of each store role the plugin fills, compared with MLflow's own store."""

    kind: Literal["conformance"]
    features: list[Feature] | None = Field(None, description="default: all")


def perform(workload: Conformance, ctx: Context) -> None:
    """Transcripts of both sides into ``evidence.contract``."""
    from harness.plan import builtin_name  # plan is built on scenarios, which are built on kinds

    ctx.say("conformance workload")
    roles = ctx.side.stores.plugin_roles
    features = [f for f in workload.features or FEATURES if FEATURES[f] in roles]
    request = {"features": features}
    mine = ctx.attempt("workload:conformance", ctx.side, "conformance", request, SCRIPT)
    if mine is None:
        return
    theirs: list[dict[str, Any]] = []
    for oracle in ctx.oracles:
        names = {role: builtin_name(role, getattr(oracle.stores, role)) for role in ROLES}
        ctx.say(f"the same on MLflow's own {names['tracking']}, {names['artifacts']}")
        answer = ctx.attempt(
            "oracle:conformance", oracle, "conformance", request, SCRIPT, status=Status.ERROR
        )
        if answer is None:
            return
        surfaces = answer.get("surfaces", {})
        theirs.append({"stores": names, "features": answer["features"], "surfaces": surfaces})
    ctx.evidence.contract = {
        "plugin": mine["features"],
        "oracles": theirs,
        "errors": mine["errors"],
        "roles": list(roles),
        "unsupported": dict(ctx.settings.unsupported),
        "surfaces": {"plugin": mine.get("surfaces", {}), "oracle": theirs[0]["surfaces"]},
        "missing_methods": dict(ctx.settings.missing_methods),
    }


register(
    WorkloadKind(
        "conformance",
        Conformance,
        tuple(FEATURES),
        SCRIPT,
        oracle=True,
        perform=perform,
    )
)
