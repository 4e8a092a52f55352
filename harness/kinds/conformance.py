"""The contract suite: every feature of each store role the plugin fills, run on the plugin's
stores and on each set of MLflow's own stores for the same backends (the oracles)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.kinds.base import Context, WorkloadKind, register, script
from harness.model.contracts import FEATURES, ROLES, builtin_name
from harness.model.results import Status
from harness.model.specs import WorkloadSpec

if TYPE_CHECKING:  # a Literal built at run time, for pydantic; a plain string to mypy
    from harness.run.sides import Side

    Feature = str
else:
    Feature = Literal[tuple(FEATURES)]
SCRIPT = script("conformance")


class Conformance(WorkloadSpec):
    """Every feature of each store role the plugin fills, compared with MLflow's own store."""

    kind: Literal["conformance"]
    features: list[Feature] | None = Field(None, description="default: all")


def perform(workload: Conformance, ctx: Context) -> None:
    """Transcripts of both sides into ``evidence.contract``. The oracles' transcripts come from
    the cache when kept, else run beside the plugin's (on another CPU, where there is one)."""
    ctx.say("conformance workload")
    roles = ctx.side.stores.plugin_roles
    features = [f for f in workload.features or FEATURES if FEATURES[f] in roles]
    request = {"features": features}
    oracles = [_Oracle(oracle, request, ctx) for oracle in ctx.oracles]
    spare = (os.cpu_count() or 1) - 1 if ctx.overlap else 0
    with ThreadPoolExecutor(max(1, min(len(oracles), spare))) as pool:
        missing = [o for o in oracles if o.answer_kept() is None]
        pending = [pool.submit(o.answer) for o in missing] if spare else []
        mine = ctx.attempt("workload:conformance", ctx.side, "conformance", request, SCRIPT)
        for future in pending:
            future.result()
    if not spare:  # one at a time, after the plugin's
        for oracle in missing:
            oracle.answer()
    transcripts = [o.transcript() for o in oracles]
    theirs = [t for t in transcripts if t is not None]
    if mine is None or len(theirs) < len(transcripts):
        return
    ctx.evidence.contract = {
        "plugin": mine["features"],
        "oracles": theirs,
        "errors": mine["errors"],
        "roles": list(roles),
        "unsupported": dict(ctx.settings.unsupported),
        "surfaces": {"plugin": mine.get("surfaces", {}), "oracle": theirs[0]["surfaces"]},
        "missing_methods": dict(ctx.settings.missing_methods),
    }


class _Oracle:
    """One set of MLflow's own stores: its transcript, kept or run."""

    def __init__(self, side: Side, request: dict[str, Any], ctx: Context) -> None:

        self.side, self.request, self.ctx = side, request, ctx
        self.names = {role: builtin_name(role, getattr(side.stores, role)) for role in ROLES}
        self.key = ""
        self.answer_: dict[str, Any] | None = None
        if ctx.transcripts is not None:
            self.key = ctx.transcripts.key(
                {
                    "kind": "conformance",
                    "request": request,
                    "stores": self.names,
                    "images": ctx.images,
                    "side": {k: side.request[k] for k in ("registry_store", "prefix")},
                    "env": ctx.scenario.env,
                }
            )

    def answer_kept(self) -> dict[str, Any] | None:
        if self.ctx.transcripts is not None:
            self.answer_ = self.ctx.transcripts.get(self.key)
        if self.answer_ is not None:
            self.ctx.reused.append(f"conformance on {self.label}")
        return self.answer_

    @property
    def label(self) -> str:
        return f"MLflow's own {self.names['tracking']}, {self.names['artifacts']}"

    def answer(self) -> None:
        self.ctx.say(f"the same on {self.label}")
        self.answer_ = self.ctx.attempt(
            "oracle:conformance", self.side, "conformance", self.request, SCRIPT, Status.ERROR
        )
        if self.answer_ is not None and self.ctx.transcripts is not None:
            self.ctx.transcripts.put(self.key, self.answer_)

    def transcript(self) -> dict[str, Any] | None:
        if self.answer_ is None:
            return None
        surfaces = self.answer_.get("surfaces", {})
        return {"stores": self.names, "features": self.answer_["features"], "surfaces": surfaces}


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
