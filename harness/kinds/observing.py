"""Workloads whose answers are observations of the plugin's entry points at work (no manifest):
providers on the wire, deployment round trips, apps, project backends, evaluators, datasets."""

from __future__ import annotations

from typing import Any, Literal

from harness.kinds.base import WorkloadKind, register, script
from harness.model.config import Settings
from harness.model.specs import WorkloadSpec


class Providers(WorkloadSpec):
    """Header and auth providers observed on the wire (a local HTTP server), context and
    default-experiment providers observed on runs."""

    kind: Literal["providers"]


class Deployments(WorkloadSpec):
    """Each deployment target's round trip: create, get, list, predict, update, delete."""

    kind: Literal["deployments"]


class App(WorkloadSpec):
    """``mlflow server --app-name`` for each app the plugin declares: it starts and serves."""

    kind: Literal["app"]


class Projects(WorkloadSpec):
    """Each project backend runs a tiny MLflow project; the run it reports must be real."""

    kind: Literal["projects"]


class Evaluators(WorkloadSpec):
    """``mlflow.models.evaluate`` with each evaluator alone: metrics returned and on the run."""

    kind: Literal["evaluators"]


class Datasets(WorkloadSpec):
    """Each dataset constructor, called with the plugin's declared example, and its source."""

    kind: Literal["datasets"]


def declared(_workload: WorkloadSpec, settings: Settings) -> dict[str, Any]:
    """What the plugin's settings declare for these workloads to use."""
    return {"targets": dict(settings.deployment_targets), "datasets": dict(settings.datasets)}


def _observing(name: str, model: type[WorkloadSpec], module: str, checks: str) -> None:
    register(WorkloadKind(name, model, (checks,), script(module), request=declared))


_observing("providers", Providers, "providers_workload", "providers-applied")
_observing("deployments", Deployments, "deployments_workload", "deployments")
_observing("app", App, "app_workload", "app")
_observing("projects", Projects, "projects_workload", "projects")
_observing("evaluators", Evaluators, "evaluators_workload", "evaluators")
_observing("datasets", Datasets, "datasets_workload", "datasets")
