"""From scenario + plugin + settings to what a scenario run needs: skip reason or store URIs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.config import Settings
from harness.contracts import BY_NAME, ROLE_GROUPS, Role
from harness.scenario import Scenario


@dataclass(frozen=True)
class Stores:
    """The resolved store URIs and which of them the plugin provides."""

    tracking: str
    artifacts: str
    registry: str
    plugin_roles: tuple[Role, ...]
    guessed: tuple[str, ...] = ()  # plugin URIs made from the default template, not settings

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


def _scheme(entry_points: list[dict], role: Role) -> str | None:
    names = sorted(ep["name"] for ep in entry_points if ep["group"] == ROLE_GROUPS[role])
    return names[0] if names else None


def resolve_stores(scenario: Scenario, entry_points: list[dict], settings: Settings,
                   workdir: Path) -> Stores:
    """Use the plugin's scheme for each role it fills, the scenario's fallback for the rest."""
    values = {"workdir": str(workdir)}
    roles: list[Role] = []
    uris: dict[str, str] = {}
    guessed: list[str] = []
    for role in ("tracking", "artifacts", "registry"):
        scheme = _scheme(entry_points, role)
        if scheme is None:
            continue
        roles.append(role)
        template = getattr(settings.schemes.get(scheme), role, None)
        if template is None and role == "registry" and scheme == _scheme(entry_points, "tracking"):
            uris[role] = uris["tracking"]  # one store behind one scheme, as MLflow defaults
            continue
        uris[role] = (template or f"{scheme}:{{workdir}}/{role}").format(scheme=scheme, **values)
        if template is None:
            guessed.append(uris[role])
    fallback = scenario.stores
    tracking = uris.get("tracking") or fallback.tracking.format(**values)
    if "registry" in uris:
        registry = uris["registry"]
    elif fallback.registry:
        registry = fallback.registry.format(**values)
    else:  # the plugin's tracking scheme has no registry store behind it: use MLflow's own
        registry = fallback.tracking.format(**values) if "tracking" in uris else tracking
    artifacts = uris.get("artifacts") or fallback.artifacts.format(**values)
    return Stores(tracking, artifacts, registry, tuple(roles), tuple(guessed))
