"""Faults injected into a backing service between workloads (see ``harness.run.faults``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from harness.kinds.base import Context, WorkloadKind, register
from harness.model.catalog import ServiceName
from harness.model.specs import WorkloadSpec

if TYPE_CHECKING:
    from harness.planning.scenario import Scenario


class Fault(WorkloadSpec):
    """A fault injected into a backing service between workloads. ``restart`` stops and starts
    the container; ``pause`` freezes it and ``fill-disk`` fills its data filesystem, each for
    ``seconds`` while the next workload runs. Once the fault is over, every run written so far
    is read back again: what was written before a fault must survive it."""

    kind: Literal["fault"]
    action: Literal["restart", "pause", "fill-disk"]
    service: ServiceName
    seconds: float = Field(5.0, ge=0, le=600, description="pause, fill-disk: how long it lasts")


def perform(workload: Fault, ctx: Context) -> None:
    """Open the fault's window (ending the one before)."""
    ctx.faults.open(workload)


def on_a_declared_service(scenario: Scenario, index: int) -> None:
    """The service must be one of the scenario's."""
    workload = scenario.workloads[index]
    assert isinstance(workload, Fault)
    declared = [ref.name for ref in scenario.services]
    if workload.service not in declared:
        raise ValueError(
            f"workloads.{index}.service: {workload.service!r} is not one of "
            f"the scenario's services ({', '.join(declared) or 'none'})"
        )


register(
    WorkloadKind(
        "fault",
        Fault,
        (),
        perform=perform,
        constraint=on_a_declared_service,
        opens_window=True,
    )
)
