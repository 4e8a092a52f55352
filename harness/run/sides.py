"""Provisioning: the sides a scenario runs on, and running a script on one.

A side is a private workdir and namespace in each of the scenario's services, with the store
URIs to use there: the plugin's stores, or one set of MLflow's own (an oracle, or the built-in
stores a failed check is cross-examined on)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.env.environment import PluginEnv
from harness.model.config import Settings
from harness.model.results import Timings
from harness.planning.plan import Builtin, PlacedStores, overridden, resolve_stores
from harness.planning.scenario import Scenario
from harness.services.base import Binding

SQLITE = "sqlite:///"

if TYPE_CHECKING:
    from harness.services.pool import Outcome
    from harness.services.server import MlflowServer


@dataclass
class Side:
    """Where workloads run: the plugin's stores, or MLflow's own (the oracle) beside them."""

    workdir: Path
    stores: PlacedStores
    bindings: dict[str, Binding]
    request: dict[str, Any]
    env: dict[str, str]
    timeout: float
    server: MlflowServer | None = None  # server mode: the workloads are its HTTP clients
    server_stores: PlacedStores | None = None  # the server's URIs, inside the run's network

    def uris(self) -> dict[str, str | None]:
        """The stores the scenario ran on, for the report."""
        stores = self.server_stores or self.stores
        uris: dict[str, str | None] = {
            "tracking": stores.tracking,
            "artifacts": stores.artifacts,
            "registry": stores.registry,
        }
        if self.server:
            uris["server"] = self.server.url
        if stores.overrides:  # the plugin's store serves one of MLflow's own schemes here
            uris["overrides"] = ", ".join(f"{r}: {s}" for r, s in stores.overrides.items())
        return uris


class Provisioner:
    """Makes sides in one plugin environment and runs scripts on them."""

    def __init__(
        self,
        env: PluginEnv,
        probe: dict[str, Any],
        settings: Settings,
        progress: Callable[[str], None],
        timings: Timings,
        templates: Path | None = None,
    ) -> None:
        """``templates``: where the migrated SQLite template is kept (the environment's own
        directory unless given)."""
        self.env, self.probe, self.settings = env, probe, settings
        self.progress, self.timings = progress, timings
        self.templates = templates or env.path

    def side(
        self,
        scenario: Scenario,
        outcomes: dict[str, Outcome],
        rundir: Path,
        label: str,
        builtin: Builtin | None = None,
    ) -> Side:
        """The plugin's side (no ``builtin``), or one set of MLflow's own stores."""
        workdir = rundir / label
        self.env.make_workdir(workdir)
        if builtin and builtin.overrides:
            scenario = scenario.model_copy(
                update={"stores": scenario.stores.model_copy(update=builtin.overrides)}
            )
        version = self.env.mlflow_version  # services are shared by every version of the run
        bindings = {
            name: o.service.provision(
                f"{label}-m{version}", self._migrate(workdir, scenario), schema=version
            )
            for name, o in outcomes.items()
            if o.service
        }
        entry_points = [] if builtin else self.probe["entry_points"]
        stores = resolve_stores(
            scenario,
            entry_points,
            self.settings,
            workdir,
            {n: b.namespace() for n, b in bindings.items()},
        )
        env = {**self.environment(scenario, workdir, bindings), **(builtin.env if builtin else {})}
        request = {
            "plugin": self.env.plugin_name,
            "tracking_uri": stores.tracking,
            "registry_uri": stores.registry,
            "artifact_root": stores.artifacts,
            "registry_store": "registry" in stores.plugin_roles,
            "prefix": scenario.name,
        }
        if builtin:  # MLflow's own side: its stores, even where the plugin took a scheme
            request["own_schemes"] = overridden(self.probe["entry_points"])
        for role in ("tracking", "registry"):
            if builtin or role not in stores.plugin_roles:  # MLflow's own store
                self._own_sqlite(getattr(stores, role), workdir, scenario)
        return Side(workdir, stores, bindings, request, env, scenario.timeout_s)

    def _own_sqlite(self, uri: str | None, workdir: Path, scenario: Scenario) -> None:
        """An SQLite store of MLflow's own in ``workdir`` starts as a copy of a database
        migrated once per ``templates`` (its migrations take seconds, the copy milliseconds),
        without its default experiment: MLflow makes that itself, with this side's paths."""
        path = Path(uri.removeprefix(SQLITE)) if uri and uri.startswith(SQLITE) else None
        if path is None or path.parent != workdir or path.exists():
            return
        template = self.templates / f"harness-sqlite-{self.env.mlflow_version}.db"
        template.parent.mkdir(parents=True, exist_ok=True)
        with open(template.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker of the run may be making it
            if not template.exists():
                made = workdir / "harness-sqlite-template.db"
                self._migrate(workdir, scenario)(f"{SQLITE}{made}")
                with contextlib.closing(sqlite3.connect(made)) as db, db:
                    db.execute("DELETE FROM experiment_tags WHERE experiment_id = 0")
                    db.execute("DELETE FROM experiments WHERE experiment_id = 0")
                partial = template.with_suffix(f".{os.getpid()}.tmp")
                shutil.copyfile(made, partial)
                partial.replace(template)
                made.unlink()
        shutil.copyfile(template, path)
        if self.env.owner is not None:
            os.chown(path, *self.env.owner)

    def environment(
        self,
        scenario: Scenario,
        workdir: Path,
        bindings: dict[str, Binding],
        credentials: bool = True,
    ) -> dict[str, str]:
        """Services' variables (unless ``credentials`` is off), the plugin's settings, then the
        scenario's ``env`` with its templates filled from ``bindings``."""
        values = {"workdir": str(workdir), **{n: b.namespace() for n, b in bindings.items()}}
        services = (
            {k: v for b in bindings.values() for k, v in b.env.items()} if credentials else {}
        )
        return {
            **services,
            **self.settings.env,
            **{k: v.format(**values) for k, v in scenario.env.items()},
        }

    def run(
        self,
        side: Side,
        command: str,
        request: dict[str, Any],
        script: Path | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Run ``command`` (its ``script``, by default the workload of that name) on ``side``."""
        with self.timings.measure("workloads_s"):
            return self.env.run_script(
                command,
                {**side.request, **request},
                workdir=side.workdir,
                timeout=timeout or side.timeout,
                env=side.env,
                script=script,
            )

    def _migrate(self, workdir: Path, scenario: Scenario) -> Callable[[str], None]:
        def migrate(uri: str) -> None:
            self.progress(f"{scenario.name}: creating MLflow's schema (migrations)")
            with self.timings.measure("workloads_s"):
                self.env.run_script(
                    "migrate",
                    {"uri": uri, "artifact_root": str(workdir / "default")},
                    workdir=workdir,
                    timeout=scenario.timeout_s,
                )

        return migrate
