"""The Docker engine: connecting, labelling what a run creates, and sweeping what dead runs left."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import DockerException, NotFound

from harness.model.errors import InfrastructureError
from harness.model.resources import script

LABEL = "mlflow-plugin-harness"
LABEL_RUN = f"{LABEL}.run"
LABEL_PID = f"{LABEL}.pid"
LABEL_HOST = f"{LABEL}.host"
LABEL_GROUP = f"{LABEL}.group"  # the runs of one `run --workers N`, one per worker
GROUP_VARIABLE = "MLFLOW_PLUGIN_HARNESS_GROUP"
FIX = f"run `sudo {script('ensure-docker')}` (or start Docker and check DOCKER_HOST)"


def connect(timeout: int = 120) -> docker.DockerClient:
    """A client for the engine named by DOCKER_HOST (or the default socket), or a clear error."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
        return client
    except DockerException as exc:
        raise InfrastructureError(
            f"Docker is not reachable at {_where()} ({_why(exc)}): {FIX}"
        ) from None


def _where() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def _why(exc: Exception) -> str:
    text = str(exc)
    for needle, why in (
        ("No such file", "no such socket"),
        ("Connection refused", "connection refused"),
        ("Permission denied", "permission denied"),
        ("timed out", "timed out"),
    ):
        if needle in text:
            return why
    return text.splitlines()[0][-120:] if text else type(exc).__name__


def unreachable_reason() -> str | None:
    """None when the engine answers, else why not and how to fix it."""
    try:
        connect(timeout=10).close()
        return None
    except InfrastructureError as exc:
        return str(exc)


@dataclass
class RunLabels:
    """Labels on everything one harness run creates, so it can be found and swept."""

    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)
    group: str = field(default_factory=lambda: os.environ.get(GROUP_VARIABLE, ""))

    def as_dict(self) -> dict[str, str]:
        labels = {
            LABEL: "1",
            LABEL_RUN: self.run_id,
            LABEL_PID: str(self.pid),
            LABEL_HOST: self.host,
        }
        return {**labels, LABEL_GROUP: self.group} if self.group else labels

    def name(self, what: str) -> str:
        return f"{LABEL}-{self.run_id}-{what}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_gone(labels: dict[str, str]) -> bool:
    if labels.get(LABEL_HOST) != socket.gethostname():
        return False  # another machine's run on a shared engine: not ours to judge
    try:
        return not _alive(int(labels.get(LABEL_PID, "")))
    except ValueError:
        return True


def remove_group(client: docker.DockerClient, group: str) -> list[str]:
    """Remove what every run of one group (the workers of one parallel run) created."""
    return remove_run(client, selector=[f"{LABEL_GROUP}={group}"])


def remove_run(
    client: docker.DockerClient,
    run_id: str | None = None,
    only_dead: bool = False,
    selector: list[str] | None = None,
) -> list[str]:
    """Remove the harness's containers, then networks and volumes, of one run or of dead runs
    (or those ``selector`` picks).

    Returns a description of each object removed.
    """
    selector = selector or ([f"{LABEL_RUN}={run_id}"] if run_id else [LABEL_RUN])
    removed: list[str] = []

    def wanted(labels: dict[str, Any]) -> bool:
        return not only_dead or _owner_gone(labels)

    for container in client.containers.list(all=True, filters={"label": selector}):
        if wanted(container.labels):
            _quietly(lambda c=container: c.remove(force=True, v=True))
            removed.append(f"container {container.name}")
    for network in client.networks.list(filters={"label": selector}):
        if wanted(network.attrs.get("Labels") or {}):
            _quietly(network.remove)
            removed.append(f"network {network.name}")
    for volume in client.volumes.list(filters={"label": selector}):
        if wanted(volume.attrs.get("Labels") or {}):
            _quietly(lambda v=volume: v.remove(force=True))
            removed.append(f"volume {volume.name}")
    return removed


def _quietly(action: Any) -> None:
    try:
        action()
    except NotFound:
        pass
    except DockerException as exc:
        if "already in progress" not in str(exc):
            raise
