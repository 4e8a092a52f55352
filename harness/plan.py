"""From scenario + plugin + settings to what a scenario run needs: skip reason or store URIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from harness.config import Settings
from harness.contracts import BY_NAME, ROLE_GROUPS, Role
from harness.scenario import ROLES, Scenario, template_fields


class NotPlaceable(Exception):
    """The plugin's store cannot be put on the scenario's backend: the scenario is skipped."""


@dataclass(frozen=True)
class Stores:
    """The resolved store URIs, which of them the plugin provides, and where each role lives."""

    tracking: str
    artifacts: str
    registry: str
    plugin_roles: tuple[Role, ...]
    guessed: tuple[str, ...] = ()  # plugin URIs made from the default template, not settings
    backends: dict[str, str] = field(default_factory=dict)  # role -> service name or "local"

    def guess_hint(self) -> str:
        """A hint for failures that may come from a guessed URI rather than the plugin."""
        if not self.guessed:
            return ""
        return (f" (the plugin's URI {', '.join(self.guessed)} came from the default template "
                "'<scheme>:<dir>'; if the plugin needs another form, give one with --config)")


def capabilities(entry_points: list[dict]) -> set[str]:
    """Capabilities of the plugin: groups with at least one entry point that loads."""
    return {BY_NAME[ep["group"]].capability for ep in entry_points
            if ep["loaded"] and ep["group"] in BY_NAME}


def skip_reason(scenario: Scenario, entry_points: list[dict]) -> str | None:
    """Why the plugin cannot run this scenario, or None."""
    have = capabilities(entry_points)
    missing = [c for c in scenario.requires if c not in have]
    if missing:
        groups = ", ".join(f"mlflow.{c}" for c in missing)
        return f"plugin lacks the capability: no loadable {groups} entry point"
    return None


def _schemes(entry_points: list[dict], role: Role) -> list[str]:
    return sorted(ep["name"] for ep in entry_points if ep["group"] == ROLE_GROUPS[role])


def _fill(template: str, values: dict[str, object]) -> str:
    missing = {name for name, _ in template_fields(template) if name not in values}
    if missing:
        raise NotPlaceable(f"template {template!r} names {', '.join(sorted(missing))}, which "
                           "this scenario does not have")
    return template.format(**values)


def resolve_stores(scenario: Scenario, entry_points: list[dict], settings: Settings,
                   workdir: Path, services: dict[str, SimpleNamespace] | None = None) -> Stores:
    """Use the plugin's scheme for each role it fills, MLflow's own store for the rest.

    Raises NotPlaceable when the plugin fills a role whose backend is a service but has no
    URI template for that service.
    """
    values: dict[str, object] = {"workdir": str(workdir), **(services or {})}
    own = {role: _fill(getattr(scenario.stores, role) or scenario.stores.tracking, values)
           for role in ROLES}
    backends = {role: scenario.stores.backend(role) for role in ROLES}
    uris: dict[str, str] = {}
    roles: list[Role] = []
    guessed: list[str] = []
    for role in ROLES:
        schemes = _schemes(entry_points, role)
        if not schemes:
            continue
        backend = backends[role]
        chosen = next(((s, t) for s in schemes
                       if (t := _template(settings, s, role, backend)) is not None), None)
        if chosen:
            scheme, template = chosen
            uris[role] = _fill(template, {**values, "scheme": scheme, "uri": own[role]})
        elif role == "registry" and "tracking" in uris and (
                _schemes(entry_points, "tracking")[0] in schemes):
            uris[role] = uris["tracking"]  # one store behind one scheme, as MLflow defaults
        elif backend == "local" and any(_declares(settings, s, role) for s in schemes):
            continue  # the plugin names where it works, not here: MLflow's own store serves
        elif backend == "local":
            uris[role] = f"{schemes[0]}:{workdir}/{role}"
            guessed.append(uris[role])
        else:
            raise NotPlaceable(
                f"the plugin's {ROLE_GROUPS[role]} scheme(s) {', '.join(schemes)} have no URI "
                f"template for {role} on {backend}; add one under [tool.mlflow-plugin-harness."
                f"schemes.{schemes[0]}] {role} = {{{backend} = \"...\"}} or in --config")
        roles.append(role)
    registry = uris.get("registry")
    if registry is None:  # MLflow's own registry; beside a plugin tracking store, on the fallback
        registry = own["registry"]
    return Stores(uris.get("tracking", own["tracking"]), uris.get("artifacts", own["artifacts"]),
                  registry, tuple(roles), tuple(guessed), backends)


def _template(settings: Settings, scheme: str, role: Role, backend: str) -> str | None:
    templates = settings.schemes.get(scheme)
    return templates.template(role, backend) if templates else None


def _declares(settings: Settings, scheme: str, role: Role) -> bool:
    templates = settings.schemes.get(scheme)
    return templates is not None and getattr(templates, role) is not None
