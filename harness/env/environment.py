"""Isolated plugin environments: resolve, build with uv, cache by content, run scripts inside."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from harness.env.indexes import pip_settings, uv_environment
from harness.env.processes import NATIVE, WORKLOADS, Died, Fresh, Launcher
from harness.model.errors import InfrastructureError, NotInstallable, PluginInstallError
from harness.model.plugin import PluginSource
from harness.workloads.protocol import RAISED
from harness.workloads.reach import VARIABLE as WATCH

FORMAT = "1"  # bump when the layout of a cached environment changes
MARKER = "harness-env.json"
# Clients MLflow's own stores need for the harness's services, and Hypothesis for the domain
# workload; every environment gets them.
DRIVERS = ("psycopg2-binary", "psycopg[binary]", "pymysql", "pymssql", "boto3", "hypothesis")


BUILD_ROUNDS = 6
SYNC_ATTEMPTS, SYNC_PAUSE = 4, 10.0  # a sync whose pinned package the index lost: tries; seconds
WheelBuilder = Callable[[list[str]], object]  # builds wheels of requirements, elsewhere


# The newest MLflow a run takes when no version is given (default: the newest the plugin
# allows). The harness's own suite sets it to the version its expectations were verified on,
# so that an MLflow release does not change what it tests overnight.
NEWEST_MLFLOW = "MLFLOW_PLUGIN_HARNESS_NEWEST_MLFLOW"


def cache_root() -> Path:
    """Where environments live: $MLFLOW_PLUGIN_HARNESS_CACHE or ~/.cache/mlflow-plugin-harness."""
    default = Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "mlflow-plugin-harness"
    return Path(os.environ.get("MLFLOW_PLUGIN_HARNESS_CACHE", default)).expanduser()


def index_wheels() -> Path:
    """The find-links directory of wheels built (in the sandbox) from the index's sdists."""
    return cache_root() / "wheels" / "index"


class ScriptFailed(Exception):
    """A script inside the plugin environment raised (``died`` False), or its process hung or
    died without answering (``died`` True: a crash, a kill, a timeout)."""

    def __init__(
        self,
        message: str,
        output: str,
        died: bool = False,
        blame: str | None = None,
        where: str = "",
        breaks_mlflow: bool = False,
    ) -> None:
        super().__init__(message)
        self.output = output
        self.died = died
        self.blame = blame  # who the script said is at fault (``protocol.classify``), if it did
        self.where = where
        self.breaks_mlflow = breaks_mlflow  # it raised out of `import mlflow` itself


@dataclass(frozen=True)
class PluginEnv:
    """A built environment holding MLflow and the plugin."""

    path: Path
    plugin_name: str
    mlflow_version: str
    reused: bool
    build_seconds: float
    constraints: list[str] = field(default_factory=list)  # added for known-broken pairs
    launcher: Launcher = field(default_factory=Fresh, compare=False)  # how scripts' processes start
    base_env: dict[str, str] | None = field(default=None, compare=False)  # None: the host's
    owner: tuple[int, int] | None = None  # the uid and gid its scripts run as, if not the host's
    sandboxed: bool = False  # its scripts run in the sandbox container
    watch: dict[str, Any] = field(default_factory=dict, compare=False)  # ``reach.py``
    # where its scripts' seconds went: script -> phase -> seconds summed, and "count"
    profile: dict[str, dict[str, float]] = field(default_factory=dict, compare=False)

    def make_workdir(self, path: Path) -> Path:
        """A new directory for this environment's scripts to write in, owned by their user."""
        path.mkdir(exist_ok=True)
        if self.owner is not None:
            os.chown(path, *self.owner)
        return path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def run_script(
        self,
        command: str,
        request: dict[str, Any],
        *,
        workdir: Path,
        timeout: float,
        env: dict[str, str] | None = None,
        script: Path | None = None,
        fresh: bool = False,
    ) -> dict[str, Any]:
        """Run ``script`` (default: ``workloads/COMMAND.py``) through ``workloads/main.py`` with
        a JSON request; return its JSON answer. ``fresh``: in a new interpreter whatever the
        launcher (a script whose work starts before ``import mlflow`` must not find MLflow's
        dependencies imported already)."""
        request_file = workdir / f"{command}.request.json"
        answer_file = workdir / f"{command}.answer.json"
        request_file.write_text(json.dumps(request))
        answer_file.unlink(missing_ok=True)
        if script is not None and self.sandboxed and not script.is_relative_to(WORKLOADS):
            script = _staged(script, workdir)  # a kind's own script: the sandbox sees workdir
        argv = [
            str(self.python),
            str(WORKLOADS / "main.py"),
            str(script or WORKLOADS / f"{command}.py"),
            str(request_file),
            str(answer_file),
        ]
        environment = script_environment(env or {}, self.path / "bin", self.base_env)
        if self.watch:
            environment[WATCH] = json.dumps(self.watch)
        started = time.monotonic()
        try:
            launcher = self.launcher.fresh if fresh else self.launcher
            output = launcher.run(command, argv, workdir, environment, timeout)
        except Died as exc:
            raise ScriptFailed(str(exc), exc.output, died=True) from None
        self._profile(command, answer_file, time.monotonic() - started)
        if not answer_file.exists():
            raise ScriptFailed(
                f"{command} crashed: its process exited with code 0 without answering",
                output,
                died=True,
            )
        answer: dict[str, Any] = json.loads(answer_file.read_text())
        if isinstance(answer, dict) and RAISED in answer:
            said, blame = answer[RAISED], answer.get("blame")
            plain = blame == "plugin" and not answer.get("breaks_mlflow")
            raise ScriptFailed(
                f"{command} raised {said}" if plain else said,
                output,
                blame=blame,
                where=answer.get("where", ""),
                breaks_mlflow=bool(answer.get("breaks_mlflow")),
            )
        return answer

    def _profile(self, command: str, answer_file: Path, wall: float) -> None:
        """Add a script's phases (``main.py`` writes them beside its answer) to ``profile``;
        ``launch_s`` is the rest of its wall time: starting the process, and its output."""
        phases_file = Path(f"{answer_file}.phases")
        try:
            phases: dict[str, float] = json.loads(phases_file.read_text())
        except (OSError, ValueError):
            return  # it died before answering: no phases
        phases_file.unlink()
        phases["launch_s"] = max(0.0, wall - sum(phases.values()))
        summed = self.profile.setdefault(command, {"count": 0})
        summed["count"] += 1
        for phase, seconds in phases.items():
            summed[phase] = summed.get(phase, 0.0) + seconds


def interpreter_home(env: PluginEnv) -> Path:
    """The installation the environment's Python comes from (``sys.base_prefix``), read from
    its ``pyvenv.cfg``: running the environment's interpreter would run the plugin's ``.pth``
    files on the host."""
    for line in (env.path / "pyvenv.cfg").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return Path(value.strip()).parent
    raise InfrastructureError(f"{env.path}/pyvenv.cfg names no interpreter (home)")


def script_environment(
    extra: dict[str, str], bin_dir: Path | None = None, base: dict[str, str] | None = None
) -> dict[str, str]:
    """``base`` (by default the host environment minus what would leak into the plugin's
    process), plus ``extra``; with ``bin_dir`` first on PATH, as in an activated venv (plugins
    spawn ``mlflow`` itself)."""
    env = (
        dict(base)
        if base is not None
        else {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MLFLOW_", "PYTHON", "VIRTUAL_ENV", "AWS_", "DOCKER_"))
        }
    )
    if bin_dir is not None:
        env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", os.defpath)])
        env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env["PYTHONUNBUFFERED"] = "1"  # bytecode is written, so later imports are fast
    for key, value in NATIVE.items():  # no native thread pool at import, in either mode
        env.setdefault(key, value)
    env.update(extra)
    return env


def conflict_pin(stderr: str) -> str | None:
    """``pkg==1.0 requires mlflow<3`` when uv's resolver names a pin on MLflow."""
    pin = re.search(r"(\S+) depends on (mlflow(?:-skinny)?(?:[<>=!~]=?[\w.*]+,?)+)", stderr)
    return f"{pin.group(1)} requires {pin.group(2).rstrip(',.')}" if pin else None


def uv_reason(stderr: str) -> str:
    """uv's error in one line: its ``cause:`` text (wrapped over lines) or its last line."""
    cause = re.search(r"(?:cause|×): (.*?)(?:\n\s*\n|\Z)", stderr, re.S)
    text = cause.group(1) if cause else stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return " ".join(text.split()) or "uv gave no reason"


def explain_conflict(stderr: str, mlflow_requirement: str) -> str:
    """One plain sentence from uv's resolver output."""
    pin = conflict_pin(stderr)
    if pin:
        return f"{pin}, which excludes {mlflow_requirement}"
    return uv_reason(stderr)


# Known-broken pairs the resolver cannot see, each with why: constraints added (and reported)
# when the requested MLflow matches. MLflow before 3.9 imports a pool class SQLAlchemy 2.1
# removed (3.9 guards the import).
COMPATIBILITY: tuple[tuple[str, str, str], ...] = (
    (
        "<3.9",
        "sqlalchemy<2.1",
        "MLflow before 3.9 imports FallbackAsyncAdaptedQueuePool, gone in SQLAlchemy 2.1",
    ),
)


def compatibility_constraints(mlflow_version: str | None) -> list[tuple[str, str]]:
    """(constraint, reason) pairs for an MLflow version, requested or resolved (none for
    "newest": the resolved version decides)."""
    if not mlflow_version:
        return []
    try:
        version = Version(mlflow_version)
    except InvalidVersion:
        return []
    return [
        (constraint, why)
        for spec, constraint, why in COMPATIBILITY
        if version in SpecifierSet(spec)
    ]


class Installer:
    """uv, configured from this machine's pip settings."""

    def __init__(self, wheels: WheelBuilder | None = None) -> None:
        """``wheels``: install wheels only (no code runs here), and build with it the wheels of
        packages the index has as sdists only (into :func:`index_wheels`, read as find-links)."""
        self.wheels = wheels
        self.no_build = ("--no-build",) if wheels else ()
        try:
            from uv import find_uv_bin

            self.uv = find_uv_bin()
        except (ImportError, FileNotFoundError):
            found = shutil.which("uv")
            if not found:
                raise InfrastructureError(
                    "uv not found: run `make venv` (scripts/bootstrap)"
                ) from None
            self.uv = found
        self.env = {**os.environ, **uv_environment(pip_settings())}

    def _uv(
        self, *args: str, stdin: str | None = None, timeout: float = 1800
    ) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [self.uv, *args],
                input=stdin,
                capture_output=True,
                text=True,
                env=self.env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise InfrastructureError(
                f"uv {args[0]} {args[1]} timed out after {timeout:g} s"
            ) from None

    def _wheels_only(self) -> tuple[str, ...]:
        links = index_wheels()
        return (
            *self.no_build,
            *(("--find-links", str(links)) if self.wheels and links.is_dir() else ()),
        )

    def resolve(
        self, plugin: PluginSource, mlflow: str, python: str, constraints: tuple[str, ...] = ()
    ) -> str:
        """Pin every package the plugin and MLflow need; the lock is the environment's identity."""
        requirements = "\n".join([plugin.install, mlflow, *DRIVERS, *constraints]) + "\n"
        built: set[str] = set()
        for _ in range(BUILD_ROUNDS):  # a built package may need others built
            out = self._uv(
                "pip", "compile", "-q", *self._wheels_only(), "--no-header", "--no-annotate",
                "--python", python, "-", stdin=requirements,
            )  # fmt: skip
            wanted = set(_without_wheels(out.stderr)) - built
            if out.returncode == 0 or not (self.wheels and wanted):
                break
            built |= wanted
            self.wheels(sorted(wanted))
        if out.returncode != 0:
            raise _install_error(plugin, mlflow, out.stderr, built)
        return out.stdout

    def build(self, path: Path, lock: str, python: str, rebuild: str | None = None) -> None:
        """Create a venv at ``path`` holding exactly the locked packages.

        ``rebuild`` names a package built from local files: uv's cache would otherwise reuse
        a wheel built before the files changed.
        """
        venv = self._uv("venv", "-q", "--python", python, str(path))
        if venv.returncode != 0:
            raise InfrastructureError(f"uv venv failed: {venv.stderr.strip()}")
        (path / "harness-lock.txt").write_text(lock)
        refresh: tuple[str, ...] = ("--refresh-package", rebuild) if rebuild else ()
        for attempt in range(SYNC_ATTEMPTS):
            sync = self._uv(
                "pip", "sync", "-q", *self._wheels_only(), *refresh,
                "--python", str(path / "bin" / "python"), str(path / "harness-lock.txt"),
            )  # fmt: skip
            if sync.returncode == 0:
                return
            if "No solution found" not in sync.stderr:
                raise PluginInstallError(f"installing the plugin failed: {uv_reason(sync.stderr)}")
            # The index offered every pinned package when the lock was resolved: one missing
            # now is the index changing under us (a mirror syncing), not the plugin. Ask again.
            refresh = ("--refresh",)
            time.sleep(SYNC_PAUSE * (attempt + 1))
        raise InfrastructureError(
            f"the package index no longer offers what it resolved a moment ago, after "
            f"{SYNC_ATTEMPTS} tries: {uv_reason(sync.stderr)}; run again when the index is whole"
        )


def _install_error(
    plugin: PluginSource, mlflow: str, stderr: str, built: set[str]
) -> PluginInstallError:
    """What uv's failed resolution means for the user, in one line."""
    if built and (names := _without_wheels(stderr)):
        return PluginInstallError(
            f"plugin {plugin.spec} cannot be installed: no wheel of {', '.join(names)} "
            "fits, even built from its sdist in the sandbox"
        )
    if "No solution found" in stderr:
        message = (
            f"plugin {plugin.spec} cannot be installed with {mlflow}: "
            f"{explain_conflict(stderr, mlflow)}"
        )
        pin = conflict_pin(stderr)
        return NotInstallable(message, mlflow, pin) if pin else PluginInstallError(message)
    return PluginInstallError(f"plugin {plugin.spec} cannot be installed: {uv_reason(stderr)}")


def _without_wheels(stderr: str) -> list[str]:
    """The requirements uv could not take as wheels under ``--no-build`` (``psycopg2>=2.8``)."""
    specs = re.findall(r"(?:Because|and) (\S+) has no usable wheels", stderr)
    named = {re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0].lower() for spec in specs}
    for name in re.findall(r"Wheels are required for `([^`]+)`", stderr):
        if name.lower() not in named:
            specs.append(name)
    return sorted(set(specs))


def _locked_version(lock: str, name: str) -> str | None:
    match = re.search(rf"^{re.escape(name)}==(\S+)", lock, re.M | re.I)
    return match.group(1) if match else None


def _resolved_mlflow(plugin: PluginSource, lock: str) -> str:
    mlflow = _locked_version(lock, "mlflow") or _locked_version(lock, "mlflow-skinny")
    if not mlflow:
        raise PluginInstallError(f"plugin {plugin.spec}: MLflow is not in the resolved environment")
    return mlflow


def _plugin_name(plugin: PluginSource, lock: str) -> str:
    if plugin.kind == "requirement":
        return Requirement(plugin.install).name
    url = plugin.path.as_uri() if plugin.path else ""
    for line in lock.splitlines():
        name, sep, where = line.partition(" @ ")
        if sep and where.strip() == url:
            return name.strip()
    raise InfrastructureError(f"could not find {plugin.spec} in the resolved environment")


def _lock(
    installer: Installer,
    plugin: PluginSource,
    mlflow_version: str | None,
    python: str,
    progress: Callable[[str], None],
) -> tuple[str, str, list[tuple[str, str]]]:
    """The lock, the MLflow version in it, and the constraints it was resolved under."""
    newest = os.environ.get(NEWEST_MLFLOW, "").strip()
    mlflow_req = (
        f"mlflow=={mlflow_version}"
        if mlflow_version
        else f"mlflow<={newest}"
        if newest
        else "mlflow"
    )
    constraints = compatibility_constraints(mlflow_version)
    progress(
        f"resolving {plugin.spec} with {mlflow_req}"
        + "".join(f" ({c}: {why})" for c, why in constraints)
    )
    lock = installer.resolve(plugin, mlflow_req, python, tuple(c for c, _ in constraints))
    mlflow = _resolved_mlflow(plugin, lock)
    # However the version was chosen (asked for, or picked by the resolver under the plugin's
    # own pins), the known-broken pairs of the MLflow that resolved apply: resolve again.
    missing = [c for c in compatibility_constraints(mlflow) if c not in constraints]
    if missing:
        constraints += missing
        progress(
            f"MLflow {mlflow} resolved: resolving again with "
            + ", ".join(f"{c} ({why})" for c, why in missing)
        )
        lock = installer.resolve(
            plugin, f"mlflow=={mlflow}", python, tuple(c for c, _ in constraints)
        )
        mlflow = _resolved_mlflow(plugin, lock)
    return lock, mlflow, constraints


def ensure_environment(
    plugin: PluginSource,
    mlflow_version: str | None,
    progress: Callable[[str], None] = lambda _msg: None,
    wheels: WheelBuilder | None = None,
) -> PluginEnv:
    """Return a cached environment for plugin + MLflow + this Python, building it if needed.

    ``wheels``: install wheels only, so that no package's build backend runs here; it builds
    the wheels the index lacks elsewhere (in the sandbox)."""
    started = time.monotonic()
    installer = Installer(wheels)
    python = sys.executable
    lock, mlflow, constraints = _lock(installer, plugin, mlflow_version, python, progress)
    key = hashlib.sha256(
        "\0".join([FORMAT, sys.version, lock, plugin.content_hash()]).encode()
    ).hexdigest()[:20]
    root = cache_root() / "envs"
    root.mkdir(parents=True, exist_ok=True)
    path = root / key
    name = _plugin_name(plugin, lock)
    with open(root / f"{key}.lock", "w") as lockfile:
        fcntl.flock(lockfile, fcntl.LOCK_EX)
        reused = (path / MARKER).exists()
        if not reused:
            shutil.rmtree(path, ignore_errors=True)
            progress(f"building environment (MLflow {mlflow}) in {path}")
            try:
                local = name if plugin.kind != "requirement" else None
                installer.build(path, lock, python, rebuild=local)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            (path / MARKER).write_text(json.dumps({"plugin": name, "mlflow": mlflow}))
        else:
            os.utime(path / MARKER)
    return PluginEnv(
        path,
        name,
        mlflow,
        reused,
        time.monotonic() - started,
        [f"{c} ({why})" for c, why in constraints],
    )


def _staged(script: Path, workdir: Path) -> Path:
    """A copy of ``script`` in ``workdir``, where a sandbox's processes can read it."""
    staged = workdir / "scripts" / script.name
    staged.parent.mkdir(exist_ok=True)
    shutil.copyfile(script, staged)
    return staged
