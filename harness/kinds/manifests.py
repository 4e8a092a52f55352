"""Workloads that write through MLflow's fluent API and say what they wrote (a manifest), read
back afterwards through MLflow and, where the services allow, directly in the backing service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.kinds.base import WorkloadKind, register, script
from harness.model.specs import WorkloadSpec

STORED = (
    "runs",
    "params",
    "metrics",
    "tags",
    "artifacts",
    "models",
    "registry",
    "context-tags",
    "backend-rows",
    "backend-objects",
)


class Quickstart(WorkloadSpec):
    """The upstream MLflow quickstart, unchanged."""

    kind: Literal["quickstart"]


class Logging(WorkloadSpec):
    """A configurable logging workload covering the tracking, artifact and registry APIs."""

    kind: Literal["logging"]
    experiments: int = Field(2, ge=1, le=100)
    runs: int = Field(2, ge=1, le=1000, description="top-level runs per experiment")
    nested: int = Field(1, ge=0, le=100, description="child runs under each run")
    params: int = Field(10, ge=0, le=1000)
    tags: int = Field(5, ge=0, le=1000)
    metrics: int = Field(3, ge=0, le=1000, description="metric keys per run")
    steps: int = Field(20, ge=1, le=100_000, description="points per metric key")
    batch: bool = Field(True, description="also log through log_batch")
    large_artifact_mb: float = Field(2.0, ge=0, le=1024)
    model: bool = Field(True, description="log a pyfunc model and load it back")
    registry: bool = Field(True, description="register the model when the plugin has a registry")


register(WorkloadKind("quickstart", Quickstart, STORED, script("quickstart"), readback=True))
register(WorkloadKind("logging", Logging, STORED, script("logging_workload"), readback=True))
