"""From scenario + plugin + settings to what a scenario run needs: skip reason or store URIs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.checks import GATES
from harness.model.catalog import CATALOG
from harness.model.config import Settings
from harness.model.contracts import BY_NAME, ROLE_GROUPS, ROLES, Role
from harness.model.results import CheckResult, Status
from harness.planning.scenario import Scenario, template_fields


class NotPlaceable(Exception):
    """The plugin's store cannot be put on the scenario's backend: the scenario is skipped."""


class NeedsTemplate(NotPlaceable):
    """The plugin fills a role on the scenario's backend but no URI for it is known: nothing
    can be said about the plugin there, so the scenario is inconclusive (not skipped)."""


@dataclass(frozen=True)
class PlacedStores:
    """The resolved store URIs, which of them the plugin provides, and where each role lives."""

    tracking: str
    artifacts: str
    registry: str
    plugin_roles: tuple[Role, ...]
    guessed: tuple[str, ...] = ()  # plugin URIs made from the default template, not settings
    backends: dict[str, str] = field(default_factory=dict)  # role -> service name or "local"
    overrides: dict[str, str] = field(default_factory=dict)  # role -> MLflow scheme it took
    own: dict[Role, str] = field(default_factory=dict)  # role -> MLflow's own store URI there

    def unproven(self, checks: list[CheckResult]) -> list[CheckResult]:
        """With a guessed URI, what the plugin's stores did is no verdict on the plugin: its
        failed checks (the entry-point gates aside) are inconclusive, saying how to get one."""
        if not self.guessed:
            return checks
        hint = (
            f" (with the guessed URI {', '.join(self.guessed)}, '<scheme>:<dir>': for a "
            "verdict, give the plugin's URI form as a template under [tool.mlflow-plugin-"
            "harness.schemes.<scheme>] or in --config)"
        )
        return [
            CheckResult(
                c.name, Status.INCONCLUSIVE, c.detail + hint, notes=c.notes, problems=c.problems
            )
            if c.status is Status.FAILED and c.name not in GATES
            else c
            for c in checks
        ]


STORE_CAPABILITIES = {BY_NAME[group].capability for group in ROLE_GROUPS.values()}


def usable(ep: dict[str, Any]) -> bool:
    """Whether an entry point counts: it loaded and MLflow registered it (a store that fails
    to load leaves MLflow's own store for its scheme, so it must not drive URI planning)."""
    return bool(ep["loaded"]) and ep.get("registered", True)


def capabilities(entry_points: list[dict[str, Any]]) -> set[str]:
    """Capabilities of the plugin: groups with at least one usable entry point."""
    return {
        BY_NAME[ep["group"]].capability
        for ep in entry_points
        if usable(ep) and ep["group"] in BY_NAME
    }


def not_applicable(scenario: Scenario, entry_points: list[dict[str, Any]]) -> str | None:
    """Why the scenario tests nothing of the plugin, or None: it exercises none of the
    capabilities the plugin's usable entry points provide."""
    if not entry_points:
        return "not an MLflow plugin: the package declares no mlflow.* entry point"
    exercised = scenario.exercised()
    if _declared(entry_points) & exercised:  # usable ones are tested, broken ones fail it
        return None
    return (
        f"not applicable: the scenario exercises {_listed(exercised)}; the plugin provides "
        f"{_listed(_declared(entry_points) - exercised) or 'none of them'}"
    )


def _declared(entry_points: list[dict[str, Any]]) -> set[str]:
    return {BY_NAME[ep["group"]].capability for ep in entry_points if ep["group"] in BY_NAME}


def _listed(capabilities: set[str], limit: int = 4) -> str:
    names = [f"mlflow.{c}" for c in sorted(capabilities)]
    return ", ".join(names[:limit]) + (
        f" (+{len(names) - limit} more)" if len(names) > limit else ""
    )


def unmet(scenario: Scenario, settings: Settings, environ: dict[str, str]) -> str | None:
    """The first need the plugin declares that the scenario cannot meet (``environ``: the
    plugin's processes' environment), as a skip reason."""
    if not scenario.workloads:
        return None  # loading entry points needs nothing
    env = {**environ, **settings.env, **scenario.env}
    for need in settings.needs:
        kind, _, name = need.partition(":")
        if kind == "env" and name not in env:
            return (
                f"needs {need} (declared by the plugin): set {name} in the settings' env "
                "(or the environment)"
            )
        if kind == "service" and name not in {ref.name for ref in scenario.services}:
            where = (
                "which this scenario does not run"
                if name in CATALOG
                else "which the harness cannot provide"
            )
            return f"needs {need} (declared by the plugin), {where}"
    return None


def untested(
    scenario: Scenario, entry_points: list[dict[str, Any]], stores: PlacedStores
) -> str | None:
    """Why the scenario would test nothing of the plugin once its stores are placed: all it
    exercises of the plugin is stores, and none of them is on this scenario's backends."""
    exercised = capabilities(entry_points) & scenario.exercised()
    if (
        not scenario.workloads
        or stores.plugin_roles
        or not exercised
        or exercised - STORE_CAPABILITIES
    ):
        return None
    taken = overridden(entry_points)
    what = "; ".join(
        f"{group} replaces MLflow's own {', '.join(names)}"
        for group, names in sorted(taken.items())
    )
    return "not applicable: none of the plugin's stores is on this scenario's backends" + (
        f" (its {what})" if what else ""
    )


def overridden(entry_points: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Group -> MLflow's own schemes the plugin's usable stores replace."""
    found: dict[str, list[str]] = {}
    for ep in entry_points:
        if ep.get("overrides") and usable(ep):
            found.setdefault(ep["group"], []).append(ep["name"].lower())
    return found


def scheme_of(uri: str) -> str:
    """The scheme MLflow looks a URI up by ("" for a plain path; database engines without
    their driver: postgresql+psycopg2 -> postgresql)."""
    head, sep, _rest = uri.partition(":")
    if not sep or "/" in head or len(head) == 1:  # a path, or a Windows drive letter
        return ""
    return head.split("+", 1)[0].lower()


def skip_reason(scenario: Scenario, entry_points: list[dict[str, Any]]) -> str | None:
    """Why the plugin cannot run this scenario, or None."""
    if why := not_applicable(scenario, entry_points):
        return why
    have = capabilities(entry_points)
    missing = [c for c in scenario.requires if c not in have]
    if missing:
        groups = ", ".join(f"mlflow.{c}" for c in missing)
        return f"plugin lacks the capability: no loadable {groups} entry point"
    return None


def broken_capabilities(scenario: Scenario, entry_points: list[dict[str, Any]]) -> list[str]:
    """Capabilities the scenario requires that the plugin declares but cannot load: its
    entry points fail the scenario, they do not make it inapplicable."""
    declared, have = _declared(entry_points), capabilities(entry_points)
    broken = [c for c in scenario.requires if c in declared and c not in have]
    exercised = scenario.exercised()
    if scenario.workloads and not have & exercised:  # all it would test fails to load
        broken += sorted((declared & exercised) - set(broken))
    return broken


def _schemes(entry_points: list[dict[str, Any]], role: Role) -> list[str]:
    return sorted(
        ep["name"] for ep in entry_points if ep["group"] == ROLE_GROUPS[role] and usable(ep)
    )


def _fill(template: str, values: dict[str, object]) -> str:
    missing = {name for name, _ in template_fields(template) if name not in values}
    if missing:
        raise NotPlaceable(
            f"template {template!r} names {', '.join(sorted(missing))}, which "
            "this scenario does not have"
        )
    return template.format(**values)


def resolve_stores(
    scenario: Scenario,
    entry_points: list[dict[str, Any]],
    settings: Settings,
    workdir: Path,
    services: Mapping[str, object] | None = None,
) -> PlacedStores:
    """Use the plugin's scheme for each role it fills, MLflow's own store for the rest.

    Raises NotPlaceable when the plugin fills a role whose backend is a service but has no
    URI template for that service.
    """
    values: dict[str, object] = {"workdir": str(workdir), **(services or {})}
    own = {
        role: _fill(getattr(scenario.stores, role) or scenario.stores.tracking, values)
        for role in ROLES
    }
    placing = _Placing(entry_points, settings, values, own, workdir)
    placing.backends = {role: scenario.stores.backend(role) for role in ROLES}
    for role in ROLES:
        if placing.place(role):
            placing.roles.append(role)
    if placing.ignored and not {placing.backends[r] for r in placing.roles} - {"local"}:
        served = ", ".join(sorted({scenario.stores.backend(r) for r, _ in placing.ignored}))
        which = ", ".join(f"{role} ({template!r})" for role, template in placing.ignored)
        raise NotPlaceable(
            f"the plugin's URI template for {which} does not use {served}: this "
            f"scenario would not test the plugin on {served}"
        )
    uris = placing.uris
    return PlacedStores(
        uris.get("tracking", own["tracking"]),
        uris.get("artifacts", own["artifacts"]),
        # else MLflow's own registry; beside a plugin tracking store, on the fallback
        uris.get("registry", own["registry"]),
        tuple(placing.roles),
        tuple(placing.guessed),
        placing.backends,
        placing.overrides,
        dict(own),
    )


@dataclass
class _Placing:
    """The plugin's stores being placed on a scenario's backends, one role at a time."""

    entry_points: list[dict[str, Any]]
    settings: Settings
    values: dict[str, object]
    own: dict[Role, str]  # MLflow's own store URI for each role
    workdir: Path
    backends: dict[str, str] = field(default_factory=dict)
    uris: dict[str, str] = field(default_factory=dict)
    roles: list[Role] = field(default_factory=list)
    guessed: list[str] = field(default_factory=list)
    ignored: list[tuple[Role, str]] = field(default_factory=list)  # templates off the service
    overrides: dict[str, str] = field(default_factory=dict)

    def place(self, role: Role) -> bool:
        """Whether the plugin's store fills ``role`` (its URI in ``uris``); raises
        NotPlaceable when it should but has no place on the role's service."""
        schemes = _schemes(self.entry_points, role)
        if not schemes:
            return False
        backend, own, settings = self.backends[role], self.own[role], self.settings
        taken = overridden(self.entry_points).get(ROLE_GROUPS[role], [])
        chosen = next(
            ((s, t) for s in schemes if (t := _template(settings, s, role, backend)) is not None),
            None,
        )
        if chosen:
            scheme, template = chosen
            self.uris[role] = _fill(template, {**self.values, "scheme": scheme, "uri": own})
            if backend != "local" and not _uses(template, backend):
                self.ignored.append((role, template))
                self.backends[role] = "local"  # the plugin's store is elsewhere, not on it
        elif scheme_of(own) in taken:
            # the plugin replaces MLflow's store for this very URI: it is the plugin's store
            self.uris[role], self.overrides[role] = own, scheme_of(own)
        elif len(taken) == len(schemes):
            return False  # it replaces MLflow's stores for other schemes only: MLflow's serves
        elif role == "registry" and self._tracking_scheme() in schemes:
            self.uris[role] = self.uris["tracking"]  # one store behind one scheme, as in MLflow
            self.backends[role] = self.backends["tracking"]
        elif backend == "local" and any(_declares(settings, s, role) for s in schemes):
            return False  # the plugin names where it works, not here: MLflow's own serves
        elif backend == "local":
            scheme = next(s for s in schemes if s not in taken)
            self.uris[role] = f"{scheme}:{self.workdir}/{role}"
            self.guessed.append(self.uris[role])
        else:
            raise _no_template(role, [s for s in schemes if s not in taken], backend, settings)
        return True

    def _tracking_scheme(self) -> str | None:
        """The plugin's scheme placed for tracking, if any."""
        if "tracking" not in self.uris:
            return None
        return _schemes(self.entry_points, "tracking")[0]


def _no_template(role: Role, schemes: list[str], backend: str, settings: Settings) -> NotPlaceable:
    """Why the plugin's ``schemes`` for ``role`` have no URI on ``backend``: it declares other
    places (skipped), or declares none (inconclusive: it needs a template)."""
    where = (
        f"add one under [tool.mlflow-plugin-harness.schemes.{schemes[0]}] "
        f'{role} = {{{backend} = "..."}} or in --config'
    )
    if any(_declares(settings, s, r) for s in schemes for r in ROLES):
        return NotPlaceable(
            f"the plugin's settings give no URI for its "
            f"{ROLE_GROUPS[role]} scheme(s) {', '.join(schemes)} on "
            f"{backend}: not tested there ({where} if it works there)"
        )
    table = f"[tool.mlflow-plugin-harness.schemes.{schemes[0]}]"
    return NeedsTemplate(  # the same words for every service, so the console folds them
        f"needs a URI template: the plugin's {ROLE_GROUPS[role]} scheme(s) {', '.join(schemes)} "
        f"have no known URI for {role} on a service. If its stores work there, give their URI "
        f'form under {table} ({role} = {{<service> = "..."}}, a service being one of '
        f"{', '.join(CATALOG)}) or in --config; if they are local only, say so "
        f'({role} = {{local = "..."}}) and these scenarios are skipped'
    )


class _Anything:
    """A service's fields before it runs: every attribute is a placeholder."""

    def __getattr__(self, name: str) -> str:
        return f"<{name}>"


def unplaceable(
    scenario: Scenario, entry_points: list[dict[str, Any]], settings: Settings
) -> NotPlaceable | None:
    """Why the plugin's stores cannot be put on the scenario's backends at all, decided before
    its services start (none need to: the scenario ends skipped or inconclusive)."""
    try:
        resolve_stores(
            scenario,
            entry_points,
            settings,
            Path("/"),
            {ref.name: _Anything() for ref in scenario.services},
        )
    except NotPlaceable as exc:
        return exc
    return None


def _uses(template: str, service: str) -> bool:
    """Whether a URI template puts the store on ``service``: it names the service's fields or
    the scenario's own URI for the role (``{uri}``), which lives there."""
    return any(name in (service, "uri") for name, _attr in template_fields(template))


def _template(settings: Settings, scheme: str, role: Role, backend: str) -> str | None:
    templates = settings.schemes.get(scheme)
    return templates.template(role, backend) if templates else None


def _declares(settings: Settings, scheme: str, role: Role) -> bool:
    templates = settings.schemes.get(scheme)
    return templates is not None and getattr(templates, role) is not None


@dataclass(frozen=True)
class Builtin:
    """One of MLflow's own stores for a scenario's backends. The first is the scenario's own
    (the oracle); the others are further built-in stores the same backend can hold, which
    MLflow's own behaviour is cross-examined against before a difference is blamed on the
    plugin."""

    overrides: dict[str, str]  # role -> MLflow's own URI template, replacing the scenario's
    env: dict[str, str]


def builtins(scenario: Scenario, roles: tuple[Role, ...] = ROLES) -> list[Builtin]:
    """The scenario's own stores, then every other built-in store for the backends of the
    plugin's ``roles``: on local files, MLflow's FileStore beside its SQLite store (the file
    store needs an opt-in in 3.x)."""
    found = [Builtin({}, {})]
    local = [
        role
        for role in ("tracking", "registry")
        if scenario.stores.backend(role) == "local" and role in roles
    ]
    if local:
        found.append(
            Builtin(
                dict.fromkeys(local, "file:{workdir}/file-store"),
                {"MLFLOW_ALLOW_FILE_STORE": "true"},
            )
        )
    return found
