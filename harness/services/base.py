"""The common base of backing services: a labelled container on the run's network, published on
127.0.0.1 only, ready when a real round-trip succeeds, and one namespace per scenario."""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, ClassVar

from docker.errors import APIError, NotFound
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer

from harness.model.errors import InfrastructureError
from harness.services.engine import RunLabels
from harness.services.images import ImageSpec


class _Unreaped:
    """While a harness container starts, testcontainers starts no reaper (Ryuk) for it: the
    harness labels and sweeps its own containers, and the reaper's image may not be pullable.
    The setting is testcontainers' process-wide one, so it is switched off only while at least
    one harness container is starting and restored after: a plugin author's own testcontainers
    in the same pytest session keep theirs."""

    _lock = threading.Lock()
    _starting = 0
    _saved = False

    def __enter__(self) -> None:
        with self._lock:
            if _Unreaped._starting == 0:
                _Unreaped._saved = testcontainers_config.ryuk_disabled
                testcontainers_config.ryuk_disabled = True
            _Unreaped._starting += 1

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            _Unreaped._starting -= 1
            if _Unreaped._starting == 0:
                testcontainers_config.ryuk_disabled = _Unreaped._saved


Migrate = Callable[[str], None]


class ServiceError(InfrastructureError):
    """A service did not start or did not become ready."""


class ServiceExited(ServiceError):
    """The container's process exited while starting (its log says why)."""


@dataclass
class Binding:
    """What one scenario gets from a service: template values, workload environment, secrets."""

    service: str
    values: dict[str, str]
    env: dict[str, str] = field(default_factory=dict)
    inside: Binding | None = None  # the same, as seen from a container on the run's network

    def namespace(self) -> SimpleNamespace:
        """For ``{postgres.uri}``-style templates."""
        return SimpleNamespace(**self.values)


def random_password(length: int = 24) -> str:
    """Letters and digits only, so it needs no quoting in URLs, SQL or shells."""
    return secrets.token_urlsafe(length * 2).replace("-", "").replace("_", "")[:length]


def wait_until_ready(
    ping: Callable[[], None],
    container: Any,
    timeout: float,
    what: str,
    cancel: threading.Event | None = None,
) -> float:
    """Call ``ping`` until it succeeds; return seconds taken. Fail fast if the container exits."""
    started = time.monotonic()
    last = "no attempt"
    while time.monotonic() - started < timeout:
        if cancel is not None and cancel.is_set():
            raise ServiceError(f"{what}: start cancelled")
        try:
            ping()
            return time.monotonic() - started
        except Exception as exc:  # noqa: BLE001 - not ready yet; remember why
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            last = f"{type(exc).__name__}: {first}"
        container.reload()
        if container.status not in ("created", "running"):
            raise ServiceExited(
                f"{what} exited while starting ({container.status}); log: {_tail(container)}"
            )
        time.sleep(0.1)
    raise ServiceError(
        f"{what} not ready within {timeout:g} s (last attempt: {last}); log: {_tail(container)}"
    )


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(container: Any, lines: int = 5) -> str:
    try:
        text = container.logs(tail=lines).decode(errors="replace").strip()
    except Exception:  # noqa: BLE001
        return "unavailable"
    return " | ".join(text.splitlines()) or "empty"


class Service(ABC):
    """One backing service of one harness run."""

    kind: ClassVar[str]
    image_spec: ClassVar[ImageSpec]
    port: ClassVar[int]
    attributes: ClassVar[tuple[str, ...]]  # what templates may use: {kind.attribute}
    ready_timeout: ClassVar[float] = 60.0
    data_dir: ClassVar[str] = ""  # where the service keeps its data
    data_cap: ClassVar[str] = ""  # when set, data_dir is a tmpfs of this size (it can be filled)

    def __init__(self, labels: RunLabels, network: str) -> None:
        self.labels, self.network = labels, network
        self.user = self.default_user()
        self.password = random_password()
        self.host_port = 0
        self.image = ""
        self.ready_seconds = 0.0
        self._container: DockerContainer | None = None

    def default_user(self) -> str:
        return "harness"

    @property
    def container_name(self) -> str:
        return self.labels.name(self.kind)

    def address(self, inside: bool = False) -> tuple[str, int]:
        """(host, port) from this machine, or from a container on the run's network."""
        return (self.container_name, self.port) if inside else ("127.0.0.1", self.host_port)

    @abstractmethod
    def container_env(self) -> dict[str, str]:
        """Environment for the container (credentials included)."""

    def command(self) -> list[str] | None:
        return None

    @abstractmethod
    def ping(self) -> None:
        """One real round-trip (log in and query, or put and get); raise if not ready."""

    @abstractmethod
    def provision(self, name: str, migrate: Migrate, schema: str = "") -> Binding:
        """A fresh namespace (database, bucket) for one scenario."""

    @abstractmethod
    def inspect(self, binding: Binding) -> dict[str, Any]:
        """What the service holds in a scenario's namespace, for the backend checks."""

    @property
    def secrets(self) -> set[str]:
        return {self.password}

    def start(self, image: str, cancel: threading.Event | None = None) -> None:
        """Run the container and wait until the service answers.

        The host port is chosen up front, not by Docker, so that it stays the same when the
        container restarts (the scenario's URIs name it)."""
        self.image = image
        container = DockerContainer(image).with_name(self.container_name)
        container.with_envs(**self.container_env())
        if self.command():
            container.with_command(self.command())
        if self.data_cap:
            container.with_tmpfs_mount(self.data_dir, f"size={self.data_cap}")
        container.with_kwargs(labels=self.labels.as_dict(), network=self.network)
        self._container = container
        for attempt in range(3):
            container.ports[f"{self.port}/tcp"] = ("127.0.0.1", free_port())
            try:
                with _Unreaped():
                    container.start()
                break
            except APIError as exc:  # another process took the port in between: try another
                if attempt == 2 or ("already" not in str(exc) and "in use" not in str(exc)):
                    raise
                self._remove_created(container)
        wrapped = container.get_wrapped_container()
        wrapped.reload()
        binding = wrapped.attrs["NetworkSettings"]["Ports"][f"{self.port}/tcp"][0]
        if binding["HostIp"] != "127.0.0.1":
            raise ServiceError(f"{self.kind}: port published on {binding['HostIp']}, not 127.0.0.1")
        self.host_port = int(binding["HostPort"])
        self.ready_seconds = wait_until_ready(
            self.ping, wrapped, self.ready_timeout, f"{self.kind} ({image})", cancel
        )

    def _remove_created(self, container: DockerContainer) -> None:
        with contextlib.suppress(NotFound):
            container.get_docker_client().client.containers.get(self.container_name).remove(
                force=True
            )

    # ------------------------------------------------------------------ faults

    def _wrapped(self) -> Any:
        assert self._container is not None, f"{self.kind} is not started"
        return self._container.get_wrapped_container()

    def restart(self) -> float:
        """Stop the container cleanly, start it again, wait until it answers; seconds taken."""
        started = time.monotonic()
        wrapped = self._wrapped()
        wrapped.restart(timeout=20)
        wait_until_ready(self.ping, wrapped, self.ready_timeout, f"{self.kind} (restarted)")
        return time.monotonic() - started

    def pause(self) -> None:
        self._wrapped().pause()

    def unpause(self) -> None:
        wrapped = self._wrapped()
        wrapped.reload()
        if wrapped.status == "paused":
            wrapped.unpause()

    def fill_disk(self) -> None:
        """Fill the data filesystem (only a capped tmpfs: never the machine's own disk)."""
        if not self.data_cap:
            raise ServiceError(
                f"{self.kind}: its data directory is not a capped filesystem; "
                "filling it would fill the machine's disk"
            )
        self._wrapped().exec_run(
            [
                "sh",
                "-c",
                f"dd if=/dev/zero of={self.data_dir}/.harness-fill bs=1M 2>/dev/null; "
                f"df -P {self.data_dir}",
            ]
        )

    def free_disk(self) -> None:
        self._wrapped().exec_run(["rm", "-f", f"{self.data_dir}/.harness-fill"])

    def trouble(self) -> str | None:
        """Why the service is not serving right now (paused, stopped, disk full), or None."""
        if self._container is None or self._container._container is None:
            return None
        try:
            wrapped = self._wrapped()
            wrapped.reload()
            if wrapped.status != "running":
                return f"{self.kind} was {wrapped.status}"
            if self.data_dir:
                result = wrapped.exec_run(["df", "-Pk", self.data_dir])
                fields = result.output.decode(errors="replace").splitlines()[-1].split()
                if result.exit_code == 0 and len(fields) >= 5 and int(fields[3]) < 1024:
                    return f"{self.kind}'s disk was full ({self.data_dir}: {fields[4]} used)"
        except Exception:  # noqa: BLE001 - a diagnosis, never a new failure
            return None
        return None

    def exec(self, command: list[str], env: dict[str, str] | None = None) -> str:
        """Run a command inside the container; raise ServiceError on a non-zero exit."""
        assert self._container is not None
        result = self._container.get_wrapped_container().exec_run(command, environment=env)
        output: str = result.output.decode(errors="replace")
        if result.exit_code != 0:
            raise ServiceError(
                f"{self.kind}: {command[0]} exited {result.exit_code}: {output[-300:]}"
            )
        return output

    def logs(self, lines: int = 200) -> str:
        if self._container is None or self._container._container is None:
            return ""
        logs: str = (
            self._container.get_wrapped_container().logs(tail=lines).decode(errors="replace")
        )
        return logs

    def stop(self) -> None:
        if self._container is not None and self._container._container is not None:
            self._container.stop()
