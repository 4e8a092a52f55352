"""Scenario files: the model, YAML loading, and validation errors that name file, line and key."""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    create_model,
    field_validator,
    model_validator,
)

from harness import kinds
from harness.checks import REGISTRY
from harness.model.catalog import CATALOG, ServiceName
from harness.model.contracts import CAPABILITIES, FEATURES, GROUPS, ROLES, Role
from harness.model.errors import ScenarioError, UsageError
from harness.model.resources import bundled
from harness.model.specs import Strict, WorkloadSpec
from harness.model.yamlsource import describe_validation_error, load_with_lines

SCENARIO_DIR = bundled("scenarios")

Capability = Literal[CAPABILITIES]  # type: ignore[valid-type]


def _known_check(name: str) -> str:
    if name not in REGISTRY and name != "contract":
        known = ", ".join([*REGISTRY, "contract"])
        raise ValueError(f"unknown check {name!r} (known: {known})")
    return name


CheckName = Annotated[str, AfterValidator(_known_check)]


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


class ServiceRef(Strict):
    """A backing service, optionally with another image than the default."""

    name: ServiceName
    image: str | None = Field(None, description="e.g. postgres:16; default: the pinned image")


class StoreTemplates(Strict):
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


class UpgradeSpec(Strict):
    """An upgrade path: the stores written under MLflow ``from`` are upgraded, read back and
    written again under ``to``."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, coerce_numbers_to_str=True
    )
    before: str = Field(alias="from", description="the MLflow version that writes first")
    after: str | None = Field(None, alias="to", description="default: the newest MLflow")


def _workloads(value: Any, handler: Any, info: ValidationInfo) -> Any:
    return kinds.validate(value, handler, info)


class Scenario(Strict):
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
    workloads: Annotated[list[WorkloadSpec], WrapValidator(_workloads)] = Field(
        default_factory=list
    )
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
    clients: Literal["http", "direct"] = Field(
        "http",
        description="server mode: the workloads are the server's clients over HTTP (`http`), "
        "or write the plugin's stores themselves while the server reads the same stores, as "
        "MLflow's plugin walkthrough does (`direct`)",
    )
    upgrade: UpgradeSpec | None = Field(
        None,
        description="run as an upgrade path (`{from: 2.22.1, to: 3.17.2}`) rather than under "
        "one MLflow version; see docs/upgrades.md",
    )
    in_default_set: bool = Field(
        True,
        description="run when no scenario is named; false (a benchmark): only when named, "
        "or under --profile full",
    )

    def exercised(self) -> set[str]:
        """The capabilities this scenario puts to the test (see ``exercises``)."""
        if self.exercises is not None:
            return set(self.exercises)
        if not self.workloads:
            return set(CAPABILITIES)
        return {g.capability for g in GROUPS if g.scope is None} | set(self.requires)

    def upgradable(self) -> bool:
        """Whether an upgrade path can run this scenario: it writes data that is read back,
        and its workloads write the stores themselves (no server between)."""
        return not self.server and any(w.kind in kinds.uses(readback=True) for w in self.workloads)

    def loaded_groups(self) -> set[str]:
        """The entry-point groups this scenario's processes load, and so can break (the
        evidence of its entry-points check): every group when it has no workloads, else those
        any workload loads (``scope`` None) and those scoped to what it requires. Not
        ``exercised()``: a group MLflow loads is not a capability put to the test."""
        return {
            g.name
            for g in GROUPS
            if not self.workloads or g.scope is None or g.scope in self.requires
        }

    @model_validator(mode="after")
    def _in_place(self) -> Scenario:
        if self.server_app and not self.server:
            raise ValueError("server_app: needs `server: true`")
        if self.clients != "http" and not self.server:
            raise ValueError("clients: needs `server: true`")
        if self.upgrade and not self.upgradable():
            raise ValueError(
                "upgrade: needs a workload whose data is read back (quickstart, logging) "
                "and no server mode"
            )
        for index, workload in enumerate(self.workloads):
            constraint = kinds.KINDS[workload.kind].constraint
            if constraint is not None:
                constraint(self, index)
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
    """Load and validate one scenario file; raise ScenarioError with every problem, one
    ``file:line: key: problem`` line each, unknown keys (with a did-you-mean) first."""
    data, lines = load_with_lines(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}:1: (top level): a scenario must be a mapping")
    data.setdefault("name", path.stem)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        tags = {name: kind.model for name, kind in kinds.KINDS.items()}
        raise ScenarioError(
            describe_validation_error(path, lines, exc, tags=tags, model=Scenario)
        ) from None


def directories(plugin: str | None = None, extra: Sequence[Path] = ()) -> list[Path]:
    """Where scenarios come from, in order: the harness's own, ``scenarios/`` in the plugin's
    repository (when PLUGIN is a directory that has one), then each ``--scenario-dir``."""
    found = [SCENARIO_DIR]
    if plugin and (Path(plugin) / "scenarios").is_dir():
        found.append(Path(plugin) / "scenarios")
    for directory in extra:
        if not directory.is_dir():
            raise UsageError(f"--scenario-dir {directory}: no such directory")
        found.append(directory)
    unique: dict[Path, Path] = {}
    for directory in found:
        unique.setdefault(directory.resolve(), directory)
    return list(unique.values())


def available(sources: Sequence[Path] = (SCENARIO_DIR,)) -> dict[str, Path]:
    """Scenario name -> file, for every ``*.yaml`` in the directories; a name in two of them
    is a usage error (which one was meant is unknowable)."""
    files: dict[str, Path] = {}
    for directory in sources:
        for path in sorted(directory.glob("*.yaml")):
            if path.stem in files:
                raise UsageError(
                    f"scenario {path.stem!r} is defined twice: {files[path.stem]} and {path} "
                    "(rename one)"
                )
            files[path.stem] = path
    return files


def select(
    names: list[str] | None, sources: Sequence[Path] = (SCENARIO_DIR,), everything: bool = False
) -> list[Scenario]:
    """Load the named scenarios, or without names the directories' default set (``everything``:
    all of them); names may also be paths to YAML files."""
    files = available(sources)
    if not names:
        every = [load_scenario(p) for p in files.values()]
        return [s for s in every if everything or s.in_default_set]
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
    """The JSON Schema of scenario files, for editors: the kinds and checks registered now."""
    documented = create_model(
        "Scenario",
        __base__=Scenario,
        __doc__=Scenario.__doc__,
        workloads=(kinds.listed(tuple(kinds.KINDS)), Field(default_factory=list)),
        checks=(list[Literal[(*REGISTRY, "contract")]], Field(min_length=1)),  # type: ignore[valid-type]
    )
    return json.dumps(documented.model_json_schema(), indent=2, sort_keys=True) + "\n"
