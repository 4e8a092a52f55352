"""User settings for a plugin: URI templates per scheme and extra environment.

They come from the plugin's ``pyproject.toml`` (``[tool.mlflow-plugin-harness]``) and from a
config file (``--config``, YAML) for plugins the user cannot edit; the file wins.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import ScenarioError
from harness.yamlsource import describe_validation_error, load_with_lines


class SchemeTemplates(BaseModel):
    """URI templates for one scheme; ``{workdir}`` and ``{scheme}`` are substituted."""

    model_config = ConfigDict(extra="forbid")
    tracking: str | None = None
    artifacts: str | None = None
    registry: str | None = None


class Settings(BaseModel):
    """Harness settings for one plugin."""

    model_config = ConfigDict(extra="forbid")
    schemes: dict[str, SchemeTemplates] = Field(default_factory=dict)
    env: dict[str, str] = Field(default_factory=dict, description="environment for workloads")

    def merged(self, other: Settings) -> Settings:
        """``other`` overrides this, scheme by scheme and variable by variable."""
        schemes = dict(self.schemes)
        for name, templates in other.schemes.items():
            base = schemes.get(name, SchemeTemplates())
            schemes[name] = base.model_copy(update=templates.model_dump(exclude_none=True))
        return Settings(schemes=schemes, env={**self.env, **other.env})


def load_config(path: Path) -> Settings:
    """Read a YAML config file."""
    data, lines = load_with_lines(path)
    try:
        return Settings.model_validate(data or {})
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(path, lines, exc)) from None


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
