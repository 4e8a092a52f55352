"""User settings for a plugin: URI templates per scheme and extra environment.

They come from the plugin's ``pyproject.toml`` (``[tool.mlflow-plugin-harness]``) and from a
config file (``--config``, YAML) for plugins the user cannot edit; the file wins.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from harness.model.catalog import CATALOG
from harness.model.contracts import FEATURES
from harness.model.errors import ScenarioError
from harness.model.yamlsource import describe_validation_error, load_with_lines

if TYPE_CHECKING:  # Literals built at run time, for pydantic; plain strings to mypy
    Backend = str
    Feature = str
else:
    Backend = Literal[("local", *CATALOG)]
    Feature = Literal[tuple(FEATURES)]
Template = str | dict[Backend, str]
MethodPattern = Annotated[str, StringConstraints(pattern=r"^(tracking|artifacts|registry)\.\S+$")]
Need = Annotated[str, StringConstraints(pattern=r"^(env|service):[\w.-]+$")]


class SchemeTemplates(BaseModel):
    """URI templates for one scheme, per role: one string for every backend, or a mapping from
    backend (``local``, ``postgres``, ``minio``, ...) to a template.

    Fields: ``{scheme}``, ``{workdir}``, ``{uri}`` (the scenario's URI for the role in MLflow's
    own terms) and the attributes of the scenario's services (``{postgres.uri}``, ...).
    """

    model_config = ConfigDict(extra="forbid")
    tracking: Template | None = None
    artifacts: Template | None = None
    registry: Template | None = None

    def template(self, role: str, backend: str) -> str | None:
        """The template for ``role`` when its data lives in ``backend``, if there is one."""
        value: Template | None = getattr(self, role)
        if isinstance(value, dict):
            return value.get(backend)
        return value


class Settings(BaseModel):
    """Harness settings for one plugin."""

    model_config = ConfigDict(extra="forbid")
    schemes: dict[str, SchemeTemplates] = Field(default_factory=dict)
    env: dict[str, str] = Field(default_factory=dict, description="environment for workloads")
    deployment_targets: dict[str, str] = Field(
        default_factory=dict, description="deployment target name -> target URI to test against"
    )
    datasets: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="dataset constructor name -> example keyword arguments"
    )
    unsupported: dict[Feature, str] = Field(
        default_factory=dict, description="contract features the plugin does not support: reason"
    )
    needs: list[Need] = Field(
        default_factory=list,
        description="what the plugin's stores need to be built: "
        "'env:NAME' (an environment variable) or 'service:NAME' (a service the scenario runs); "
        "a scenario where one is missing is skipped, naming it",
    )
    upgrade: str | None = Field(
        None,
        description="the command that upgrades the plugin's stores after an upgrade, run in the "
        "new environment; {tracking_uri}, {registry_uri}, {artifacts} and {uri} (MLflow's own "
        "tracking URI) are filled in (default: `mlflow db upgrade` on each SQL store)",
    )
    missing_methods: dict[MethodPattern, str] = Field(
        default_factory=dict,
        description="store methods the plugin leaves unimplemented on "
        "purpose, as '<role>.<method>' (globs allowed, e.g. 'tracking.*trace*'): reason",
    )

    def merged(self, other: Settings) -> Settings:
        """``other`` overrides this, scheme by scheme and variable by variable."""
        schemes = dict(self.schemes)
        for name, templates in other.schemes.items():
            base = schemes.get(name, SchemeTemplates())
            schemes[name] = base.model_copy(update=templates.model_dump(exclude_none=True))
        return Settings(
            schemes=schemes,
            env={**self.env, **other.env},
            deployment_targets={**self.deployment_targets, **other.deployment_targets},
            datasets={**self.datasets, **other.datasets},
            unsupported={**self.unsupported, **other.unsupported},
            needs=list(dict.fromkeys([*self.needs, *other.needs])),
            missing_methods={**self.missing_methods, **other.missing_methods},
            upgrade=other.upgrade or self.upgrade,
        )


def load_config(path: Path) -> Settings:
    """Read a YAML config file."""
    data, lines = load_with_lines(path)
    try:
        return Settings.model_validate(data or {})
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(path, lines, exc, model=Settings)) from None


def load_pyproject(path: Path) -> Settings:
    """Read ``[tool.mlflow-plugin-harness]`` from a plugin's pyproject.toml (line numbers: 0)."""
    try:
        table = tomllib.loads(path.read_text()).get("tool", {}).get("mlflow-plugin-harness", {})
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: invalid TOML: {exc}") from None
    try:
        return Settings.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(map(str, ("tool.mlflow-plugin-harness", *first["loc"])))
        raise ScenarioError(f"{path}: {key}: {first['msg']}") from None
