"""The services of one harness run: resolved and started concurrently on one labelled network,
shared by the run's scenarios (a database or bucket each), and all removed at the end."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import docker

from harness.model.errors import HarnessError
from harness.services import engine, images, service_class
from harness.services.base import Service

Progress = Callable[[str], None]
Key = tuple[str, "str | None"]  # (service name, image override)


@dataclass
class Outcome:
    """A started service, or why it is not there: skipped (unavailable) or error (broke)."""

    service: Service | None = None
    substitute_for: str | None = None
    skipped: str = ""
    error: str = ""


def image_override(name: str, scenario_image: str | None) -> str | None:
    """The scenario's image, else MLFLOW_PLUGIN_HARNESS_<NAME>_IMAGE, else None (the default)."""
    return scenario_image or os.environ.get(f"MLFLOW_PLUGIN_HARNESS_{name.upper()}_IMAGE") or None


class ServicePool:
    """Starts what the run needs and guarantees its removal (use as a context manager)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.labels = engine.RunLabels()
        self.outcomes: dict[Key, Outcome] = {}
        self._client: docker.DockerClient | None = None
        self._network: str | None = None
        self._cancel = threading.Event()

    def __enter__(self) -> ServicePool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def secrets(self) -> set[str]:
        return {s for o in self.outcomes.values() if o.service for s in o.service.secrets}

    def start(self, wanted: dict[Key, None]) -> dict[Key, Outcome]:
        """Start every wanted service at once; never raises for a service that fails."""
        if not wanted:
            return self.outcomes
        try:
            _client, network = self.network()
        except HarnessError as exc:  # no engine: the infrastructure is broken, not absent
            for key in wanted:
                self.outcomes[key] = Outcome(error=str(exc))
            return self.outcomes
        self.progress(f"starting {', '.join(name for name, _ in wanted)}")
        with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            futures = {key: pool.submit(self._start_one, key, network) for key in wanted}
            try:
                for key, future in futures.items():
                    self.outcomes[key] = future.result()
            except BaseException:
                self._cancel.set()
                raise
        return self.outcomes

    def network(self) -> tuple[docker.DockerClient, str]:
        """The engine and this run's labelled network, created on first use (after sweeping
        what dead runs left); raises HarnessError when Docker is not reachable."""
        if self._client is None:
            self._client = engine.connect()
            swept = engine.remove_run(self._client, only_dead=True)
            if swept:
                self.progress(f"removed {len(swept)} objects left by dead runs")
        if self._network is None:
            self._network = self._client.networks.create(
                self.labels.name("net"), labels=self.labels.as_dict()
            ).name
        return self._client, self._network

    def _start_one(self, key: Key, network: str) -> Outcome:
        name, image = key
        assert self._client is not None
        service = service_class(name)(self.labels, network)
        try:
            resolved = images.resolve(
                self._client, service.image_spec, image_override(name, image), self.progress
            )
        except images.ImageUnavailable as exc:
            return Outcome(skipped=str(exc))
        except HarnessError as exc:
            return Outcome(error=f"{name}: {exc}")
        try:
            service.start(resolved.image, self._cancel)
        except Exception as exc:  # noqa: BLE001 - reported as the scenario's error
            service.stop()
            return Outcome(error=f"{name} did not start: {exc}")
        self.progress(
            f"{name} ready in {service.ready_seconds:.1f} s ({resolved.image}, "
            f"127.0.0.1:{service.host_port})"
        )
        return Outcome(service, resolved.substitute_for)

    def close(self) -> None:
        """Remove every container, network and volume this run created."""
        self._cancel.set()
        if self._client is None:
            return
        for outcome in self.outcomes.values():
            if outcome.service:
                with contextlib.suppress(Exception):  # the sweep below removes it anyway
                    outcome.service.stop()
        engine.remove_run(self._client, self.labels.run_id)
        self._client.close()
        self._client, self._network = None, None
