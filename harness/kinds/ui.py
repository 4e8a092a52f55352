"""Server mode: the quickstart's run seen through the server's REST API and its UI page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from harness.kinds.base import Context, WorkloadKind, register
from harness.model.results import CheckResult, Status
from harness.model.specs import WorkloadSpec

if TYPE_CHECKING:
    from harness.planning.scenario import Scenario


class Ui(WorkloadSpec):
    """The quickstart's run in server mode, seen through the server's REST API and UI page
    (rendered by headless Chromium, with a screenshot for the report)."""

    kind: Literal["ui"]


def perform(_workload: Ui, ctx: Context) -> None:
    """Runs here, not in the plugin's environment: a browser looks at the server."""
    from harness.services import ui

    ctx.say("ui workload")
    pairs = ctx.evidence.pairs
    quickstart = next((m for m, _ in reversed(pairs) if m["workload"] == "quickstart"), None)
    if quickstart is None or ctx.side.server is None:
        why = "no quickstart run in a server to look at"
        ctx.attempts.checks.append(CheckResult("workload:ui", Status.SKIPPED, why))
        return
    name = f"screenshots/{ctx.scenario.name}-mlflow-{ctx.mlflow_version}.png"
    with ctx.timings.measure("workloads_s"):
        seen = ui.observe(ctx.side.server.url, quickstart, ctx.report_dir / name)
    ctx.evidence.observed["ui"] = seen
    if seen.get("browser", {}).get("screenshot"):
        ctx.attachments["screenshot"] = name


def after_a_served_quickstart(scenario: Scenario, index: int) -> None:
    """``ui`` looks at the quickstart's run in the server."""
    if not (scenario.server and "quickstart" in [w.kind for w in scenario.workloads[:index]]):
        raise ValueError(
            "workloads: `ui` looks at the quickstart's run in the server: it "
            "needs `server: true` and a quickstart workload before it"
        )


register(
    WorkloadKind(
        "ui",
        Ui,
        ("server-api", "ui-screenshot"),
        perform=perform,
        constraint=after_a_served_quickstart,
    )
)
