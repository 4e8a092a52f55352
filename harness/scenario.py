"""Scenario files: the model, YAML loading, and validation errors that name file, line and key."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from harness.contracts import CAPABILITIES, FEATURES, GROUPS, Role
from harness.errors import ScenarioError, UsageError
from harness.services import CATALOG
from harness.yamlsource import describe_validation_error, load_with_lines

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
CHECKS = (
    "entry-points",
    "abstract-methods",
    "runs",
    "params",
    "metrics",
    "tags",
    "artifacts",
    "models",
    "registry",
    "context-tags",
    "providers",
    "backend-rows",
    "backend-objects",
    "providers-applied",
    "deployments",
    "app",
    "projects",
    "evaluators",
    "datasets",
    "server-api",
    "ui-screenshot",
    "performance",
    *FEATURES,
)
ROLES: tuple[Role, ...] = ("tracking", "artifacts", "registry")

Capability = Literal[CAPABILITIES]  # type: ignore[valid-type]
CheckName = Literal[(*CHECKS, "contract")]  # type: ignore[valid-type]
ServiceName = Literal[tuple(CATALOG)]  # type: ignore[valid-type]


def template_fields(template: str) -> list[tuple[str, str | None]]:
    """The ``{name}`` / ``{name.attribute}`` fields of a template, in order."""
    fields = []
    for _text, field, _spec, _conv in string.Formatter().parse(template):
        if field is not None:
            name, _, attribute = field.partition(".")
            fields.append((name, attribute or None))
    return fields


def check_template(template: str, services: list[str], allowed: tuple[str, ...]) -> str:
    """Raise ValueError unless every field is an allowed name or ``service.attribute``."""
    try:
        fields = template_fields(template)
    except ValueError as exc:
        raise ValueError(f"bad template {template!r}: {exc}") from None
    for name, attribute in fields:
        if name in CATALOG:
            if name not in services:
                raise ValueError(f"{{{name}...}} needs {name!r} in this scenario's services")
            if attribute not in CATALOG[name][1]:
                known = ", ".join(CATALOG[name][1])
                raise ValueError(f"{{{name}.{attribute}}}: {name} has {known}")
        elif name not in allowed or attribute:
            names = ", ".join([*allowed, *(f"{s}.<attribute>" for s in services)]) or "none"
            raise ValueError(
                f"unknown field {{{name}{'.' + attribute if attribute else ''}}} "
                f"in {template!r} (known: {names})"
            )
    return template


def _declared(info: ValidationInfo) -> list[str]:
    return [ref.name for ref in info.data.get("services", [])]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceRef(_Strict):
    """A backing service, optionally with another image than the default."""

    name: ServiceName
    image: str | None = Field(None, description="e.g. postgres:16; default: the pinned image")


class StoreTemplates(_Strict):
    """Where each role's data lives, as MLflow's own store URI.

    The plugin's URI template for a role sees this as ``{uri}``. ``{workdir}`` is the scenario's
    private temporary directory and ``{postgres.uri}``-style fields name the scenario's
    services; the service a role's URI names is the role's backend.
    """

    tracking: str = "sqlite:///{workdir}/mlflow.db"
    artifacts: str = "{workdir}/artifacts"
    registry: str | None = Field(None, description="defaults to the tracking URI")

    def backend(self, role: Role) -> str:
        """The service a role's data lives in, or "local"."""
        template = getattr(self, role) or self.tracking
        return next((name for name, _attr in template_fields(template) if name in CATALOG), "local")


class Quickstart(_Strict):
    """The upstream MLflow quickstart, unchanged."""

    kind: Literal["quickstart"]


class Logging(_Strict):
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


Feature = Literal[tuple(FEATURES)]  # type: ignore[valid-type]


class Conformance(_Strict):
    """Every feature of each store role the plugin fills, compared with MLflow's own store."""

    kind: Literal["conformance"]
    features: list[Feature] | None = Field(None, description="default: all")


class Providers(_Strict):
    """Header and auth providers observed on the wire (a local HTTP server), context and
    default-experiment providers observed on runs."""

    kind: Literal["providers"]


class Deployments(_Strict):
    """Each deployment target's round trip: create, get, list, predict, update, delete."""

    kind: Literal["deployments"]


class App(_Strict):
    """``mlflow server --app-name`` for each app the plugin declares: it starts and serves."""

    kind: Literal["app"]


class Projects(_Strict):
    """Each project backend runs a tiny MLflow project; the run it reports must be real."""

    kind: Literal["projects"]


class Evaluators(_Strict):
    """``mlflow.models.evaluate`` with each evaluator alone: metrics returned and on the run."""

    kind: Literal["evaluators"]


class Datasets(_Strict):
    """Each dataset constructor, called with the plugin's declared example, and its source."""

    kind: Literal["datasets"]


class Ui(_Strict):
    """Server mode: the quickstart's run, seen through the server's REST API and UI page
    (rendered by headless Chromium, with a screenshot for the report)."""

    kind: Literal["ui"]


class Load(_Strict):
    """A load profile, timed on the plugin's stores and on MLflow's own on the same service:
    runs written by concurrent writers, their metric points in log_batch calls of 1,000 (MLflow's
    limit), one large artifact; every point is counted back afterwards."""

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


class Fault(_Strict):
    """A fault injected into a backing service between workloads. ``restart`` stops and starts
    the container; ``pause`` freezes it and ``fill-disk`` fills its data filesystem, each for
    ``seconds`` while the next workload runs. Once the fault is over, every run written so far
    is read back again: what was written before a fault must survive it."""

    kind: Literal["fault"]
    action: Literal["restart", "pause", "fill-disk"]
    service: ServiceName
    seconds: float = Field(5.0, ge=0, le=600, description="pause, fill-disk: how long it lasts")


OBSERVING = (Providers, Deployments, App, Projects, Evaluators, Datasets)
WORKLOAD_KINDS = (
    "quickstart",
    "logging",
    "conformance",
    "providers",
    "deployments",
    "app",
    "projects",
    "evaluators",
    "datasets",
    "ui",
    "load",
    "fault",
)
Workload = Annotated[
    Quickstart
    | Logging
    | Conformance
    | Providers
    | Deployments
    | App
    | Projects
    | Evaluators
    | Datasets
    | Ui
    | Load
    | Fault,
    Field(discriminator="kind"),
]
COMPARED = ("conformance", "load")  # workloads also run on MLflow's own stores
MANIFESTING = ("quickstart", "logging")  # workloads that write a manifest, then read it back


class Scenario(_Strict):
    """One scenario file."""

    name: str = Field("", description="taken from the file name")
    description: str = Field(min_length=1)
    requires: list[Capability] = Field(
        default_factory=list,
        description="plugin capabilities; the scenario is skipped without them",
    )
    exercises: list[Capability] | None = Field(
        None,
        description="plugin capabilities the scenario puts to the test: it applies to a "
        "plugin with one of them (default: the stores and providers, plus what it requires; "
        "without workloads, every capability)",
    )
    services: list[ServiceRef] = Field(
        default_factory=list, description="names, or mappings with name and image"
    )
    stores: StoreTemplates = StoreTemplates()
    workloads: list[Workload] = Field(default_factory=list)
    checks: list[CheckName] = Field(min_length=1)
    timeout_s: int = Field(600, ge=1, le=24 * 3600, description="per workload or check process")
    env: dict[str, str] = Field(default_factory=dict, description="extra environment for workloads")
    server: bool = Field(
        False,
        description="run the plugin's stores inside `mlflow server` (a "
        "container); workloads are its clients over HTTP, artifacts proxied",
    )
    server_app: str | None = Field(
        None, description="server mode: `--app-name`, one of the plugin's mlflow.app entry points"
    )

    def exercised(self) -> set[str]:
        """The capabilities this scenario puts to the test (see ``exercises``)."""
        if self.exercises is not None:
            return set(self.exercises)
        if not self.workloads:
            return set(CAPABILITIES)
        return {g.capability for g in GROUPS if g.scope is None} | set(self.requires)

    @model_validator(mode="after")
    def _ui_needs_a_server(self) -> Scenario:
        kinds = [w.kind for w in self.workloads]
        if self.server_app and not self.server:
            raise ValueError("server_app: needs `server: true`")
        if "ui" in kinds and not (self.server and "quickstart" in kinds[: kinds.index("ui")]):
            raise ValueError(
                "workloads: `ui` looks at the quickstart's run in the server: it "
                "needs `server: true` and a quickstart workload before it"
            )
        declared = [ref.name for ref in self.services]
        for index, workload in enumerate(self.workloads):
            if isinstance(workload, Fault) and workload.service not in declared:
                raise ValueError(
                    f"workloads.{index}.service: {workload.service!r} is not one of "
                    f"the scenario's services ({', '.join(declared) or 'none'})"
                )
        return self

    @field_validator("checks")
    @classmethod
    def _expand_contract(cls, value: list[str]) -> list[str]:
        """``contract`` stands for every contract feature check."""
        expanded: list[str] = []
        for name in value:
            for item in FEATURES if name == "contract" else [name]:
                if item not in expanded:
                    expanded.append(item)
        return expanded

    @field_validator("services", mode="before")
    @classmethod
    def _service_refs(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        refs = [{"name": item} if isinstance(item, str) else item for item in value]
        for ref in refs:
            if isinstance(ref, dict) and ref.get("name") not in CATALOG:
                raise ValueError(
                    f"unknown service {ref.get('name')!r} (known: {', '.join(CATALOG)})"
                )
        return refs

    @field_validator("stores")
    @classmethod
    def _store_templates(cls, value: StoreTemplates, info: ValidationInfo) -> StoreTemplates:
        for role in ROLES:
            template = getattr(value, role)
            if template is not None:
                try:
                    check_template(template, _declared(info), ("workdir",))
                except ValueError as exc:
                    raise ValueError(f"{role}: {exc}") from None
        return value

    @field_validator("env")
    @classmethod
    def _env_templates(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        for key, template in value.items():
            try:
                check_template(template, _declared(info), ("workdir",))
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return value


def load_scenario(path: Path) -> Scenario:
    """Load and validate one scenario file; raise ScenarioError naming file, line and key."""
    data, lines = load_with_lines(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}:1: (top level): a scenario must be a mapping")
    data.setdefault("name", path.stem)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(
            describe_validation_error(path, lines, exc, tags=WORKLOAD_KINDS)
        ) from None


def available(directory: Path = SCENARIO_DIR) -> dict[str, Path]:
    """Scenario name -> file, for every ``*.yaml`` in the directory."""
    return {p.stem: p for p in sorted(directory.glob("*.yaml"))}


def select(names: list[str] | None, directory: Path = SCENARIO_DIR) -> list[Scenario]:
    """Load the named scenarios (or all); names may also be paths to YAML files."""
    files = available(directory)
    if not names:
        return [load_scenario(p) for p in files.values()]
    chosen = []
    for name in names:
        path = Path(name)
        if path.suffix in (".yaml", ".yml") and path.exists():
            chosen.append(load_scenario(path))
        elif name in files:
            chosen.append(load_scenario(files[name]))
        else:
            raise UsageError(f"unknown scenario {name!r} (available: {', '.join(files)})")
    return chosen


def json_schema() -> str:
    """The JSON Schema of scenario files, for editors."""
    return json.dumps(Scenario.model_json_schema(), indent=2, sort_keys=True) + "\n"


def _main() -> None:  # pragma: no cover - used by `make schema`
    (SCENARIO_DIR / "scenario.schema.json").write_text(json_schema())


if __name__ == "__main__":
    _main()
