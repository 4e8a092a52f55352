"""Server mode: the plugin inside ``mlflow server``, in a container on the run's network.

The container runs images/mlflow-server (operating system, unprivileged user) with the plugin's
cached environment and its interpreter mounted read-only at their host paths, so the server
imports exactly the environment the other scenarios test. The server reaches the backing
services by their container names; its own port is published on 127.0.0.1 only. The host's CA
bundle is mounted for plugins that call HTTPS services through an intercepting proxy.
"""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docker
from docker.models.containers import Container

from harness.env.environment import PluginEnv, interpreter_home
from harness.env.indexes import ca_bundle
from harness.services import images
from harness.services.base import ServiceError, ServiceExited, wait_until_ready
from harness.services.engine import RunLabels

PORT = 5000
USER = "10001:10001"
CA_INSIDE = "/etc/ssl/certs/harness-host-ca.pem"
Progress = Callable[[str], None]
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: never a proxy


def host_ca_bundle() -> Path | None:
    """The CA bundle this machine verifies TLS with (see ``doctor``), if it exists."""
    bundle = Path(ca_bundle())
    return bundle if bundle.is_file() else None


def plugin_mounts(env: PluginEnv, workdir: Path) -> dict[str, dict[str, str]]:
    """What a container running the plugin's environment mounts: the environment and its
    interpreter read-only, ``workdir`` read-write, and this machine's CA bundle."""
    mounts = {
        str(env.path): {"bind": str(env.path), "mode": "ro"},
        str(workdir): {"bind": str(workdir), "mode": "rw"},
    }
    home = interpreter_home(env)
    if home != Path("/usr"):  # a system Python is the image's own (same Debian release)
        mounts[str(home)] = {"bind": str(home), "mode": "ro"}
    if (ca := host_ca_bundle()) is not None:
        mounts[str(ca.resolve())] = {"bind": CA_INSIDE, "mode": "ro"}
    return mounts


class ServerUnavailable(Exception):
    """No Docker engine to run the server in: the scenario is skipped with this reason."""


@dataclass
class ServerSpec:
    """What the server stores where, as URIs the container can reach."""

    backend_store_uri: str
    registry_store_uri: str
    artifacts_destination: str
    app_name: str | None = None
    env: dict[str, str] = field(default_factory=dict)


def stores(spec: ServerSpec) -> dict[str, str]:
    """``mlflow server``'s store options as the variables it reads them from."""
    return {
        "MLFLOW_BACKEND_STORE_URI": spec.backend_store_uri,
        "MLFLOW_REGISTRY_STORE_URI": spec.registry_store_uri,
        "MLFLOW_ARTIFACTS_DESTINATION": spec.artifacts_destination,
    }


class MlflowServer:
    """One ``mlflow server`` container for one scenario."""

    ready_timeout = 180.0

    def __init__(
        self,
        client: docker.DockerClient,
        labels: RunLabels,
        network: str,
        env: PluginEnv,
        workdir: Path,
        name: str,
    ) -> None:
        self.client, self.labels, self.network = client, labels, network
        self.env, self.workdir, self.name = env, workdir, name
        self.image = ""
        self.url = ""
        self.ready_seconds = 0.0
        self._container: Container | None = None
        self._health = 0

    def command(self, spec: ServerSpec) -> list[str]:
        """The server's command line; the store URIs, which hold passwords, go through the
        environment (``stores``), never where ``ps`` shows them."""
        argv = [
            str(self.env.python),
            "-m",
            "mlflow",
            "server",
            "--host",
            "0.0.0.0",
            "--port",
            str(PORT),
            "--workers",
            "1",
            "--serve-artifacts",
            "--default-artifact-root",
            "mlflow-artifacts:/",
        ]
        return argv + (["--app-name", spec.app_name] if spec.app_name else [])

    def volumes(self) -> dict[str, dict[str, str]]:
        return plugin_mounts(self.env, self.workdir)

    def start(self, spec: ServerSpec, progress: Progress) -> str:
        """Run the server and wait until it answers /health; return its URL on 127.0.0.1."""
        self.image = images.build_service(self.client, "mlflow-server", progress)
        self.workdir.chmod(0o777)  # the server's unprivileged user writes local stores here
        environment = {**spec.env, **stores(spec), "TMPDIR": "/tmp"}
        if host_ca_bundle():
            environment.update(SSL_CERT_FILE=CA_INSIDE, REQUESTS_CA_BUNDLE=CA_INSIDE)
        progress(f"starting mlflow server (MLflow {self.env.mlflow_version}) with the plugin")
        self._container = self.client.containers.run(
            self.image,
            self.command(spec),
            detach=True,
            name=self.labels.name(self.name),
            labels=self.labels.as_dict(),
            network=self.network,
            user=USER,
            ports={f"{PORT}/tcp": ("127.0.0.1", None)},
            environment=environment,
            volumes=self.volumes(),
            working_dir="/tmp",
        )
        self._container.reload()
        binding = self._container.attrs["NetworkSettings"]["Ports"][f"{PORT}/tcp"][0]
        if binding["HostIp"] != "127.0.0.1":
            raise ServiceError(f"mlflow server: port published on {binding['HostIp']}")
        self.url = f"http://127.0.0.1:{binding['HostPort']}"
        self.ready_seconds = wait_until_ready(
            self._ping, self._container, self.ready_timeout, "mlflow server"
        )
        if self._health != 200:  # it answers, wrongly: the plugin's code is serving
            raise ServiceExited(f"mlflow server answers /health with {self._health}")
        progress(f"mlflow server ready in {self.ready_seconds:.1f} s at {self.url}")
        return self.url

    def warm(self) -> int:
        """Ask for the experiments once, so the server builds its stores now, as a server
        running before its clients log has; the HTTP status (0: no answer)."""
        url = f"{self.url}/api/2.0/mlflow/experiments/search?max_results=1"
        try:
            with LOCAL.open(url, timeout=30) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def _ping(self) -> None:
        """Ready once it answers at all; what it answered is judged after."""
        try:
            with LOCAL.open(f"{self.url}/health", timeout=5) as answer:
                self._health = answer.status
        except urllib.error.HTTPError as exc:
            self._health = exc.code

    def logs(self, lines: int = 200) -> str:
        if self._container is None:
            return ""
        try:
            logs: str = self._container.logs(tail=lines).decode(errors="replace")
        except docker.errors.DockerException:
            return ""
        return logs

    def stop(self) -> None:
        if self._container is not None:
            with contextlib.suppress(docker.errors.DockerException):
                self._container.remove(force=True)  # else the run's sweep removes it by label
            self._container = None
