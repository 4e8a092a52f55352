"""Scenario files: the model, YAML loading, and validation errors that name file, line and key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.contracts import CAPABILITIES
from harness.errors import ScenarioError, UsageError
from harness.yamlsource import describe_validation_error, load_with_lines

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
CHECKS = (
    "entry-points", "abstract-methods", "runs", "params", "metrics", "tags",
    "artifacts", "models", "registry", "context-tags", "providers",
)
KNOWN_SERVICES: tuple[str, ...] = ()

Capability = Literal[CAPABILITIES]  # type: ignore[valid-type]
CheckName = Literal[CHECKS]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stores(_Strict):
    """URI templates used for the roles the plugin does not fill itself.

    ``{workdir}`` is the scenario's private temporary directory.
    """

    tracking: str = "sqlite:///{workdir}/mlflow.db"
    artifacts: str = "{workdir}/artifacts"
    registry: str | None = Field(None, description="defaults to the tracking URI")


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


Workload = Annotated[Union[Quickstart, Logging], Field(discriminator="kind")]


class Scenario(_Strict):
    """One scenario file."""

    name: str = Field("", description="taken from the file name")
    description: str = Field(min_length=1)
    requires: list[Capability] = Field(
        default_factory=list, description="plugin capabilities; the scenario is skipped without them"
    )
    services: list[str] = Field(default_factory=list)
    stores: Stores = Stores()
    workloads: list[Workload] = Field(default_factory=list)
    checks: list[CheckName] = Field(min_length=1)
    timeout_s: int = Field(600, ge=1, le=24 * 3600, description="per workload or check process")
    env: dict[str, str] = Field(default_factory=dict, description="extra environment for workloads")

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in KNOWN_SERVICES:
                known = ", ".join(KNOWN_SERVICES) or "none yet"
                raise ValueError(f"unknown service {name!r} (known: {known})")
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
            describe_validation_error(path, lines, exc, tags=("quickstart", "logging"))
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
