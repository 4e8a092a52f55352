"""The base models scenario files are made of, below both the scenario model and the workload
kinds that narrow them (``harness.kinds``): strict (unknown keys refused) and frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkloadSpec(Strict):
    """One entry of a scenario's ``workloads:``; each kind's model narrows ``kind`` (see
    ``harness.kinds``, whose registry validates them)."""

    kind: str
