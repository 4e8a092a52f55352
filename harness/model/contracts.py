"""The MLflow plugin groups: what each entry point must be, and the store role it fills."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["tracking", "artifacts", "registry"]
ROLES: tuple[Role, ...] = ("tracking", "artifacts", "registry")


@dataclass(frozen=True)
class Group:
    """One ``mlflow.*`` entry-point group and the shape MLflow expects of its entries."""

    name: str
    capability: str
    base: str | None = None  # "module:Class" the entry must subclass when it is a class
    constructor: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # (positional, keyword)
    module_attrs: tuple[str, ...] = ()  # for groups whose entries are modules
    role: Role | None = None
    # the capability whose scenarios exercise this group; None: every workload may load it
    # (stores and providers), so every scenario's entry-point checks cover it
    scope: str | None = None
    class_only: bool = False  # MLflow takes only a class here, never a factory or an instance


GROUPS: tuple[Group, ...] = (
    Group(
        "mlflow.tracking_store",
        "tracking_store",
        "mlflow.store.tracking.abstract_store:AbstractStore",
        ((), ("store_uri", "artifact_uri")),
        role="tracking",
    ),
    Group(
        "mlflow.artifact_repository",
        "artifact_repository",
        "mlflow.store.artifact.artifact_repo:ArtifactRepository",
        (("artifact_uri",), ("tracking_uri", "registry_uri")),
        role="artifacts",
    ),
    Group(
        "mlflow.model_registry_store",
        "model_registry_store",
        "mlflow.store.model_registry.abstract_store:AbstractStore",
        ((), ("store_uri",)),
        role="registry",
    ),
    Group(
        "mlflow.run_context_provider",
        "run_context_provider",
        "mlflow.tracking.context.abstract_context:RunContextProvider",
        ((), ()),
    ),
    Group(
        "mlflow.request_header_provider",
        "request_header_provider",
        "mlflow.tracking.request_header.abstract_request_header_provider:RequestHeaderProvider",
        ((), ()),
    ),
    Group(
        "mlflow.request_auth_provider",
        "request_auth_provider",
        "mlflow.tracking.request_auth.abstract_request_auth_provider:RequestAuthProvider",
        ((), ()),
    ),
    Group(
        "mlflow.default_experiment_provider",
        "default_experiment_provider",
        "mlflow.tracking.default_experiment.abstract_context:DefaultExperimentProvider",
        ((), ()),
    ),
    Group(
        "mlflow.project_backend",
        "project_backend",
        "mlflow.projects.backend.abstract_backend:AbstractBackend",
        scope="project_backend",
    ),
    Group(
        "mlflow.deployments",
        "deployments",
        module_attrs=("run_local", "target_help"),
        scope="deployments",
    ),
    Group(
        "mlflow.model_evaluator",
        "model_evaluator",
        "mlflow.models.evaluation.base:ModelEvaluator",
        scope="model_evaluator",
    ),
    Group(
        "mlflow.dataset_source",
        "dataset_source",
        "mlflow.data.dataset_source:DatasetSource",
        scope="dataset_constructor",
    ),
    Group("mlflow.dataset_constructor", "dataset_constructor", scope="dataset_constructor"),
    Group("mlflow.app", "app", scope="app"),
    # mlflow.server.get_app_client(name, *args, **kwargs) passes the caller's arguments; MLflow's
    # docs (and its own basic-auth client) pass tracking_uri=
    Group("mlflow.app.client", "app_client", constructor=((), ("tracking_uri",)), scope="app"),
    Group(
        "mlflow.workspace_provider",
        "workspace_provider",
        "mlflow.store.workspace.abstract_store:AbstractStore",
        ((), ("workspace_uri",)),
        scope="workspace_provider",
    ),
    Group(
        "mlflow.scorer_store",
        "scorer_store",
        "mlflow.genai.scorers.registry:AbstractScorerStore",
        ((), ("tracking_uri",)),
        scope="scorer_store",
    ),
    Group(
        "mlflow.labeling_store",
        "labeling_store",
        "mlflow.genai.labeling.stores:AbstractLabelingStore",
        ((), ("tracking_uri",)),
        scope="labeling_store",
    ),
    Group(
        "mlflow.gateway.providers",
        "gateway_provider",
        "mlflow.gateway.providers.base:BaseProvider",
        (("config",), ("enable_tracing",)),
        scope="gateway_provider",
        class_only=True,
    ),
    Group(
        "mlflow.job_executors",
        "job_executor",
        "mlflow.server.jobs.executor:AbstractJobExecutor",
        (("config",), ()),
        scope="job_executor",
        class_only=True,
    ),
)

BY_NAME = {g.name: g for g in GROUPS}


CAPABILITIES = tuple(g.capability for g in GROUPS)
ROLE_GROUPS: dict[Role, str] = {g.role: g.name for g in GROUPS if g.role}

# Contract features: each is a check comparing the plugin with MLflow's own store, by role
# (names shared with workloads/conformance.py).
FEATURES: dict[str, Role] = {
    "tracking.experiments": "tracking",
    "tracking.runs": "tracking",
    "tracking.params": "tracking",
    "tracking.metrics": "tracking",
    "tracking.tags": "tracking",
    "tracking.log-batch": "tracking",
    "tracking.search-runs": "tracking",
    "tracking.inputs": "tracking",
    "tracking.logged-models": "tracking",
    "artifacts.files": "artifacts",
    "artifacts.trees": "artifacts",
    "artifacts.delete": "artifacts",
    "registry.models": "registry",
    "registry.versions": "registry",
    "registry.aliases": "registry",
    "registry.tags": "registry",
    "registry.stages": "registry",
    # every method MLflow declares for the role: the plugin implements what MLflow's store does
    "tracking.methods": "tracking",
    "artifacts.methods": "artifacts",
    "registry.methods": "registry",
}


_SQL = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL", "mssql": "SQL Server"}


def builtin_name(role: Role, uri: str) -> str:
    """MLflow's own store class that serves ``uri`` for ``role``, as a person would name it."""
    scheme = (
        uri.split(":", 1)[0].split("+", 1)[0].lower()
        if "://" in uri or uri.startswith("file:")
        else "file"
    )
    if role == "artifacts":
        return {"s3": "S3ArtifactRepository", "file": "LocalArtifactRepository"}.get(
            scheme, f"MLflow's {scheme} artifact repository"
        )
    if scheme in _SQL:
        return f"SqlAlchemyStore ({_SQL[scheme]})"
    return "FileStore" if scheme == "file" else f"MLflow's {scheme} store"
