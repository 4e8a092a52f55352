"""Builds that run a package's own code: a local plugin (a directory or an sdist) made into a
wheel, and wheels for packages the index has only as sdists.

A build backend is the package's own code, so by default it runs in a locked-down container
(the ``plugin-build`` image: a Debian base with compilers and common headers; a copy of the
source in a scratch directory, the only host path it can write; uv and the interpreter
read-only; a throwaway cache on a tmpfs; the run's network, for the package indexes). The
host then installs wheels only (``uv --no-build``), which runs no code. Wheels are kept in the
harness's cache: a local plugin's by its content hash, so a warm run builds nothing and both
modes install the same wheel; an index package's in a find-links directory uv reads."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import docker

from harness.env.environment import Installer, cache_root, index_wheels
from harness.env.indexes import pip_settings, uv_environment
from harness.model.errors import InfrastructureError, PluginInstallError
from harness.model.plugin import PluginSource, source_files
from harness.sandbox import container as sandbox
from harness.services import engine, images
from harness.services.server import CA_INSIDE, host_ca_bundle

FORMAT = "1"
TIMEOUT = 900.0
IMAGE = "plugin-build"
Progress = Callable[[str], None]
Network = Callable[[], tuple[docker.DockerClient, str]]
_PIP = {"index-url", "extra-index-url", "find-links", "constraint"}  # pip settings passed in


class Builder:
    """Runs builds for one run: in a container on the run's network (``network``), or on the
    host when it is ``None`` (``--no-sandbox``). ``scratch`` is a directory of the run's."""

    def __init__(
        self, scratch: Path, network: Network | None, labels: engine.RunLabels, progress: Progress
    ) -> None:
        self.scratch, self.network, self.labels, self.progress = scratch, network, labels, progress
        self.where = "in the sandbox" if network else "on the host (--no-sandbox)"

    def plugin(self, plugin: PluginSource) -> tuple[PluginSource, str]:
        """The plugin as a wheel to install, and how it was made."""
        if plugin.kind == "requirement" or plugin.path is None or plugin.path.suffix == ".whl":
            return plugin, "no build: from the index" if plugin.path is None else "a wheel"
        key = hashlib.sha256(
            "\0".join([FORMAT, sys.version, plugin.content_hash()]).encode()
        ).hexdigest()[:20]
        target = cache_root() / "wheels" / key
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            how = "built before (kept by content)"
            if _wheel(target) is None:
                self.progress(f"building {plugin.spec} into a wheel {self.where}")
                shutil.rmtree(target, ignore_errors=True)
                target.mkdir()
                source = Path(_source(plugin.path, self.scratch))
                self._run(f"plugin {plugin.spec}", source, target)
                how = f"built {self.where}"
        wheel = _wheel(target)
        assert wheel is not None
        return PluginSource(plugin.spec, "archive", wheel.as_uri(), wheel), how

    def index_wheels(self, specs: list[str]) -> Path:
        """Wheels for ``specs`` (packages the index has as sdists only) built into the
        find-links directory :func:`~harness.env.environment.index_wheels`; returns it."""
        target = index_wheels()
        target.mkdir(parents=True, exist_ok=True)
        with open(target.parent / "index.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for spec in specs:
                self.progress(f"building {spec} from its sdist {self.where}")
                shutil.rmtree(self.scratch, ignore_errors=True)
                self.scratch.mkdir(parents=True)
                self._run(spec, spec, target)
        return target

    def _run(self, what: str, source: Path | str, target: Path) -> None:
        """Build ``source`` (a path in the scratch directory, built by uv; or a requirement,
        fetched from the index and built by pip) into ``target``; the scratch directory is
        removed after."""
        out = self.scratch / "out"
        out.mkdir(parents=True, exist_ok=True)
        python = os.path.realpath(sys.executable)
        if isinstance(source, Path):
            argv = [Installer().uv, "build", "-q", "--wheel", "--python", python]
            argv += ["--out-dir", str(out), str(source)]
        else:
            argv = [python, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir", str(out)]
            argv += [source]
        try:
            if self.network is None:
                code, output = _on_host(argv)
            else:
                code, output = self._in_container(argv)
            wheels = sorted(out.glob("*.whl"))
            if code != 0 or len(wheels) != 1:
                last = output.strip().splitlines()[-1] if output.strip() else f"exit {code}"
                raise PluginInstallError(f"building {what} {self.where} failed: {last}")
            # Whole or not at all: other runs read the directory (find-links) meanwhile.
            part = target.parent / f".{wheels[0].name}.{os.getpid()}.part"
            shutil.copy2(wheels[0], part)
            os.replace(part, target / wheels[0].name)
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _in_container(self, argv: list[str]) -> tuple[int, str]:
        """``argv`` in a locked-down container that can write the scratch directory only."""
        assert self.network is not None
        client, network = self.network()
        image = images.build_service(client, IMAGE, self.progress)
        if (ids := sandbox.owner()) is not None:
            for path in [self.scratch, *self.scratch.rglob("*")]:
                os.lchown(path, *ids)
        try:
            container = client.containers.run(
                image,
                argv,
                detach=True,
                name=self.labels.name("build"),
                labels=self.labels.as_dict(),
                network=network,
                **sandbox.LOCKED_DOWN,
                user=sandbox.user(),
                volumes=build_mounts(argv[0], self.scratch),
                environment=build_environment(),
                working_dir=str(self.scratch),
            )
        except docker.errors.DockerException as exc:
            raise InfrastructureError(f"the build container could not start: {exc}") from None
        try:
            try:
                code = int(container.wait(timeout=TIMEOUT)["StatusCode"])
            except Exception:  # noqa: BLE001 - the engine's timeout is a requests error
                return 124, f"the build timed out after {TIMEOUT:g} s"
            return code, container.logs().decode(errors="replace")
        finally:
            with contextlib.suppress(docker.errors.DockerException):
                container.remove(force=True)


def _source(path: Path, scratch: Path) -> str:
    """A copy of the plugin's source in ``scratch``: the tree (without caches and
    environments), or the sdist."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    if not path.is_dir():
        shutil.copy2(path, scratch / path.name)
        return str(scratch / path.name)
    for file in source_files(path):
        copy = scratch / "src" / file.relative_to(path)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, copy)
    return str(scratch / "src")


def _wheel(directory: Path) -> Path | None:
    found = sorted(directory.glob("*.whl")) if directory.is_dir() else []
    return found[0] if len(found) == 1 else None


def _on_host(argv: list[str]) -> tuple[int, str]:
    env = {**os.environ, **uv_environment(pip_settings())}
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return 124, f"the build timed out after {TIMEOUT:g} s"
    return done.returncode, done.stderr + done.stdout


def build_environment() -> dict[str, str]:
    """uv and pip configured from this machine's pip settings, caches on the container's
    tmpfs, the CA bundle at its place inside."""
    settings = pip_settings()
    env = uv_environment(settings)
    env |= {f"PIP_{k.upper().replace('-', '_')}": v for k, v in settings.items() if k in _PIP}
    if host_ca_bundle() is not None:
        env["SSL_CERT_FILE"] = env["PIP_CERT"] = CA_INSIDE
    else:
        env.pop("SSL_CERT_FILE", None)
    return {
        **env,
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "UV_CACHE_DIR": "/tmp/uv-cache",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
        "PIP_CACHE_DIR": "/tmp/pip-cache",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }


def build_mounts(tool: str, scratch: Path) -> dict[str, dict[str, str]]:
    """The scratch directory read-write; the tool (uv or the interpreter), the interpreter's
    installation, the CA bundle and the local indexes pip's settings name (find-links,
    ``file://`` indexes, constraints) read-only."""
    mounts = {str(scratch): {"bind": str(scratch), "mode": "rw"}}
    home = Path(sys.base_prefix)
    read_only = [Path(os.path.realpath(tool)), *([] if home == Path("/usr") else [home])]
    read_only += local_index_paths(uv_environment(pip_settings()))
    for path in read_only:
        mounts.setdefault(str(path), {"bind": str(path), "mode": "ro"})
    if (ca := host_ca_bundle()) is not None:
        mounts[str(ca.resolve())] = {"bind": CA_INSIDE, "mode": "ro"}
    return mounts


def local_index_paths(env: dict[str, str]) -> list[Path]:
    """The host paths uv's index settings point at: ``file://`` URLs and plain paths. A local
    index is its parent directory, since its pages link files beside it (``../../files/``)."""
    found: list[Path] = []
    for key in ("UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_CONSTRAINT"):
        for value in env.get(key, "").split():
            path = Path(urlparse(value).path) if value.startswith("file:") else Path(value)
            if not (path.is_absolute() and path.exists()):
                continue
            path = path.resolve()
            index = key.endswith("INDEX_URL") and path.parent != Path(path.anchor)
            found.append(path.parent if index else path)
    return found
