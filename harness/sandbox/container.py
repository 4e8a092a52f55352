"""The sandbox: one locked-down container per plugin environment, in which every process of that
environment runs (the probe, workloads, read-backs, MLflow's own oracle sides).

The container runs the ``mlflow-server`` image (a Debian base, its Python runtime libraries,
the CA store, unprivileged users) with the environment mounted read-only and the environment's
work directory read-write, both at their host paths, so paths in requests and reports are the
same in both modes. Its interpreter's installation and the host's CA bundle are mounted
read-only beside them. It runs as a non-root user, on a read-only root filesystem with a tmpfs
``/tmp``, with every capability dropped, ``no-new-privileges``, memory and PID limits, no
Docker socket, on the run's network only. Scripts start through a fork server and a process
supervisor inside it (``docker exec``); a relay run as another user makes each service the run
published on the host's 127.0.0.1:PORT answer on the sandbox's own 127.0.0.1:PORT."""

from __future__ import annotations

import compileall
import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
from docker.models.containers import Container

from harness.env import bytecode
from harness.env.environment import PluginEnv, cache_root, script_environment
from harness.env.processes import NATIVE, WORKLOADS, ForkServer, Launcher, end_by_stdin
from harness.model.errors import InfrastructureError
from harness.services import engine, images
from harness.services.server import CA_INSIDE, host_ca_bundle, plugin_mounts

USER = (10001, 10001)  # the image's unprivileged user, when the harness runs as root
RELAY_USER = "65534:65534"  # nobody: the plugin's user cannot stop the relay
MEMORY = "4g"
PIDS = 1024
TMPFS = "rw,nosuid,nodev,size=2g,mode=1777"
LOCKED_DOWN: dict[str, Any] = {  # a plugin's container: what the sandbox and the build share
    "read_only": True,
    "tmpfs": {"/tmp": TMPFS},
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges"],
    "mem_limit": MEMORY,
    "pids_limit": PIDS,
}
FIXES = "start Docker (`scripts/ensure-docker`), or run with --no-sandbox"
Progress = Callable[[str], None]


def host_reach() -> str:
    """What a plugin run without the sandbox can reach, in one line."""
    user = f"uid {os.getuid()}" + (" (root)" if os.getuid() == 0 else "")
    socket_path = Path("/var/run/docker.sock")
    docker_socket = (
        ", the Docker socket (root on the host)"
        if socket_path.exists() and os.access(socket_path, os.W_OK)
        else ""
    )
    return (
        f"everything the invoking user can: the host's files as {user}, its network and "
        f"loopback{docker_socket}"
    )


def owner() -> tuple[int, int] | None:
    """The user the sandbox's processes run as, when it is not the invoking user's."""
    return USER if os.getuid() == 0 else None


def user() -> str:
    """``uid:gid`` for the container's processes."""
    uid, gid = owner() or (os.getuid(), os.getgid())
    return f"{uid}:{gid}"


def install_scripts(env: PluginEnv) -> Path:
    """The workloads, copied into the environment (read-only in the sandbox) and compiled;
    once per environment and harness version."""
    digest = hashlib.sha256()
    for path in sorted(WORKLOADS.rglob("*.py")):
        digest.update(path.relative_to(WORKLOADS).as_posix().encode() + path.read_bytes())
    target = env.path / f"harness-workloads-{digest.hexdigest()[:12]}"
    if not target.exists():
        partial = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=env.path))
        shutil.copytree(WORKLOADS, partial, dirs_exist_ok=True, ignore=_no_bytecode)
        compileall.compile_dir(partial, quiet=1, ddir=str(target))
        partial.chmod(0o755)
        with contextlib.suppress(OSError):  # another run installed the same copy meanwhile
            partial.rename(target)
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _no_bytecode(_dir: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__"]


def compile_environment(env: PluginEnv, progress: Progress) -> None:
    """Byte-compile the environment once, with the harness's interpreter (which runs none of
    the plugin's code): it is read-only in the sandbox, where nothing could cache bytecode."""
    marker = env.path / "harness-bytecode"
    if marker.exists():
        return
    with open(env.path / "harness-bytecode.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return
        progress("compiling the environment's bytecode (once, for the sandbox)")
        compiled = sum(
            bytecode.compile_site(site, cache_root() / "bytecode" / sys.implementation.cache_tag)
            for site in (env.path / "lib").glob("python*/site-packages")
        )
        progress(f"bytecode: {compiled} file(s) compiled, the rest shared with other environments")
        marker.write_text("")


def make_workdir(path: Path) -> Path:
    """A directory the sandbox's processes write in, handed to their user."""
    path.mkdir(exist_ok=True)
    if (ids := owner()) is not None:
        os.chown(path, *ids)
    return path


@dataclass
class Routes:
    """The relay of one sandbox: host ports it forwards, and the process forwarding them."""

    proc: subprocess.Popen[str] | None = None
    ports: frozenset[int] = frozenset()


class Sandbox:
    """The container one plugin environment's processes run in; ``launcher`` starts them."""

    def __init__(
        self,
        env: PluginEnv,
        workdir: Path,
        client: docker.DockerClient,
        network: str,
        labels: engine.RunLabels,
        progress: Progress,
        shared: Path | None = None,
        suffix: str = "",
    ) -> None:
        """``shared``: a directory of the run every sandbox also writes (upgrade paths);
        ``suffix`` tells apart two sandboxes of one MLflow version (two plugin releases)."""
        self.env, self.workdir, self.client, self.network = env, workdir, client, network
        self.labels, self.progress, self.shared = labels, progress, shared
        self.name = labels.name(f"sandbox-{env.mlflow_version}{suffix}")
        self.scripts = WORKLOADS
        self.image = ""
        self._container: Container | None = None
        self._routes = Routes()
        self._lock = threading.Lock()
        self._docker = shutil.which("docker") or ""

    @staticmethod
    def base_environment() -> dict[str, str]:
        """What a process in the sandbox starts with: nothing of the host's environment."""
        bundle = (
            {"SSL_CERT_FILE": CA_INSIDE, "REQUESTS_CA_BUNDLE": CA_INSIDE}
            if host_ca_bundle()
            else {}
        )
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            **NATIVE,
            **bundle,
        }

    def mounts(self) -> dict[str, dict[str, str]]:
        mounts = plugin_mounts(self.env, self.workdir)
        if self.shared is not None:
            mounts[str(self.shared)] = {"bind": str(self.shared), "mode": "rw"}
        return mounts

    def start(self) -> None:
        """Build or reuse the image, install the workloads, start the container."""
        if not self._docker:
            raise InfrastructureError(f"the sandbox needs the docker command: {FIXES}")
        self.image = images.build_service(self.client, "mlflow-server", self.progress)
        self.scripts = install_scripts(self.env)
        compile_environment(self.env, self.progress)
        self.progress(f"starting the sandbox for MLflow {self.env.mlflow_version}")
        self._container = self.client.containers.run(
            self.image,
            ["/usr/bin/python3", str(self.scripts / "sandboxd.py"), "init"],
            detach=True,
            name=self.name,
            labels=self.labels.as_dict(),
            network=self.network,
            **LOCKED_DOWN,
            user=user(),
            volumes=self.mounts(),
            environment={"HOME": "/tmp"},
            working_dir="/tmp",
        )

    def wrap(
        self, argv: list[str], cwd: Path, env: dict[str, str]
    ) -> tuple[list[str], dict[str, str]]:
        """``argv`` as a ``docker exec`` into the sandbox (``env`` holds no secret: it is the
        base environment; scripts' own variables travel over the fork server's socket)."""
        variables = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        command = [self._docker, "exec", "-i", "-w", str(cwd), *variables, self.name, *argv]
        return command, dict(os.environ)

    def launcher(self, fresh_processes: bool) -> Launcher:
        """A supervisor for fresh processes, and unless ``fresh_processes`` a fork server."""
        base = script_environment({}, self.env.path / "bin", self.base_environment())
        common: dict[str, Any] = {"wrap": self.wrap, "scripts": self.scripts}
        supervisor = ForkServer(
            self.env.python,
            base,
            self.env.plugin_name,
            directory=make_workdir(self.workdir / ".supervisor"),
            preload=False,
            **common,
        )
        supervisor.begin()
        if fresh_processes:
            return Sandboxed(self, supervisor)
        server = ForkServer(
            self.env.python,
            base,
            self.env.plugin_name,
            directory=make_workdir(self.workdir / ".fork"),
            fallback=Sandboxed(self, supervisor),
            **common,
        )
        server.begin()
        return Sandboxed(self, server)

    def sync(self) -> None:
        """Relay every port the run's containers published on the host's loopback."""
        with self._lock:
            wanted: dict[int, tuple[str, int]] = {}
            selector = f"{engine.LABEL_RUN}={self.labels.run_id}"
            for found in self.client.containers.list(filters={"label": selector}, sparse=True):
                name = found.attrs["Names"][0].lstrip("/")
                for port in found.attrs.get("Ports") or []:
                    if port.get("PublicPort") and port.get("IP") == "127.0.0.1":
                        wanted[int(port["PublicPort"])] = (name, int(port["PrivatePort"]))
            new = {p: t for p, t in wanted.items() if p not in self._routes.ports}
            if not new:
                return
            proc = self._relay()
            assert proc.stdin is not None and proc.stdout is not None
            for port, (host, target) in sorted(new.items()):
                proc.stdin.write(f"{port} {host} {target}\n")
                proc.stdin.flush()
                answer = proc.stdout.readline().strip()
                if answer != f"ok {port}":
                    raise InfrastructureError(f"the sandbox's relay for port {port}: {answer}")
            self._routes.ports |= frozenset(new)

    def _relay(self) -> subprocess.Popen[str]:
        if self._routes.proc is None:
            argv = [str(self.scripts / "sandboxd.py"), "forward"]
            command = [self._docker, "exec", "-i", "-u", RELAY_USER, self.name, "/usr/bin/python3"]
            self._routes.proc = subprocess.Popen(
                [*command, *argv],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        return self._routes.proc

    def describe(self) -> dict[str, Any]:
        """The sandbox's mode and what the plugin can reach in it, for the report."""
        return {
            "mode": "sandboxed",
            "image": self.image,
            "user": user(),
            "read_only": sorted(set(self.mounts()) - {str(self.workdir), str(self.shared)}),
            "read_write": [
                str(self.workdir),
                *([str(self.shared)] if self.shared else []),
                "/tmp (tmpfs)",
            ],
            "network": "the run's network only, and the ports the run published",
            "limits": f"read-only root, no capabilities, no Docker socket, {MEMORY}, {PIDS} pids",
        }

    def close(self) -> None:
        if self._routes.proc is not None:
            proc, self._routes.proc = self._routes.proc, None
            end_by_stdin(proc, proc.kill)
        if self._container is not None:
            with contextlib.suppress(docker.errors.DockerException):
                self._container.remove(force=True)  # else the run's sweep removes it by label
            self._container = None


@dataclass
class Sandboxed:
    """A launcher whose processes run in the sandbox: the run's ports relayed first."""

    sandbox: Sandbox
    inner: Launcher

    def run(
        self, command: str, argv: list[str], cwd: Path, env: dict[str, str], timeout: float
    ) -> str:
        self.sandbox.sync()
        return self.inner.run(command, argv, cwd, env, timeout)

    @property
    def fresh(self) -> Launcher:
        inner = self.inner.fresh
        return inner if isinstance(inner, Sandboxed) else Sandboxed(self.sandbox, inner)

    def summary(self) -> str:
        return f"sandboxed; {self.inner.summary()}"

    def close(self) -> None:
        for launcher in (self.inner, self.inner.fresh):
            if isinstance(launcher, ForkServer | Sandboxed):
                launcher.close()
