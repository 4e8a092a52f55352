"""Server mode: the plugin's stores inside ``mlflow server`` (a container on the run's network),
the scenario's workloads its HTTP clients."""

from __future__ import annotations

from dataclasses import replace

from docker.errors import DockerException

from harness.model.errors import HarnessError
from harness.model.results import CheckResult, ScenarioResult, ServiceInfo, Status
from harness.planning.plan import NeedsTemplate, NotPlaceable, PlacedStores, resolve_stores
from harness.planning.scenario import Scenario
from harness.run.attempts import last_error
from harness.run.sides import Provisioner, Side
from harness.services.base import ServiceExited
from harness.services.pool import Outcome, ServicePool
from harness.services.server import MlflowServer, ServerSpec, ServerUnavailable


def container_logs(
    outcomes: dict[str, Outcome], server: MlflowServer | None, lines: int = 40
) -> dict[str, str]:
    """The last lines of each container's log, attached to failures."""
    logs = {name: o.service.logs(lines) for name, o in outcomes.items() if o.service}
    if server:
        logs["mlflow-server"] = server.logs(lines)
    return {name: text for name, text in logs.items() if text.strip()}


class ServerMode:
    """Starts a scenario's server; the caller stops it (``side.server.stop()``)."""

    def __init__(self, provisioner: Provisioner, pool: ServicePool) -> None:
        self.provisioner, self.pool = provisioner, pool

    def __call__(
        self,
        scenario: Scenario,
        side: Side,
        outcomes: dict[str, Outcome],
        infos: list[ServiceInfo],
        own: bool = False,
    ) -> Side | ScenarioResult:
        """The side with its server started (``own``: on MLflow's own stores), or the
        scenario's result when it cannot be."""
        version = self.provisioner.env.mlflow_version
        try:
            return self._serve(scenario, side, own)
        except NotPlaceable as exc:
            status = Status.INCONCLUSIVE if isinstance(exc, NeedsTemplate) else Status.SKIPPED
            return ScenarioResult(scenario.name, version, status, str(exc), services=infos)
        except ServerUnavailable as exc:
            why = f"mlflow server unavailable: {exc}"
            return ScenarioResult(scenario.name, version, Status.SKIPPED, why, services=infos)
        except (HarnessError, DockerException) as exc:
            logs = container_logs(outcomes, side.server)
            if side.server:
                side.server.stop()
            if not isinstance(exc, ServiceExited):
                why = f"mlflow server did not start: {exc}"
                return ScenarioResult(
                    scenario.name, version, Status.ERROR, why, services=infos, logs=logs
                )
            # the server process died or answers wrongly: the plugin's code was running in it
            what = str(exc).split(";")[0]
            why = last_error(logs["mlflow-server"]) if "mlflow-server" in logs else ""
            found = CheckResult("server", Status.FAILED, f"{what}; its log: {why}" if why else what)
            return ScenarioResult.from_checks(
                scenario.name, version, [found], services=infos, logs=logs
            )

    def _serve(self, scenario: Scenario, side: Side, own: bool) -> Side:
        """Start ``mlflow server`` on the plugin's stores; the workloads become its clients."""
        provisioner = self.provisioner
        probed = provisioner.probe["entry_points"]
        apps = {ep["name"] for ep in probed if ep["group"] == "mlflow.app"}
        if scenario.server_app and scenario.server_app not in apps:
            raise NotPlaceable(
                f"server_app {scenario.server_app!r} is not one of the plugin's "
                f"mlflow.app entry points ({', '.join(sorted(apps)) or 'none'})"
            )
        try:
            client, network = self.pool.network()
        except HarnessError as exc:
            raise ServerUnavailable(str(exc)) from None
        inside = {n: b.inside for n, b in side.bindings.items() if b.inside}
        namespaces = {n: b.namespace() for n, b in inside.items()}
        placed = [] if own else probed
        stores = resolve_stores(scenario, placed, provisioner.settings, side.workdir, namespaces)
        server = MlflowServer(
            client,
            self.pool.labels,
            network,
            provisioner.env,
            side.workdir,
            f"server-{scenario.name}",
        )
        side.server = server  # stopped by the caller, whatever happens next
        stores = replace(
            stores, registry=_registry(scenario, stores.registry or stores.tracking, side)
        )
        spec = ServerSpec(
            stores.tracking,
            stores.registry,
            stores.artifacts,
            scenario.server_app,
            provisioner.environment(scenario, side.workdir, inside),
        )
        with provisioner.timings.measure("services_s"):
            server.start(spec, provisioner.progress)
        if scenario.clients == "direct":  # the walkthrough: clients write, the server shows
            server.warm()  # its stores built before the writes: what is judged is what it sees
            return replace(side, server=server, server_stores=stores)
        return self._clients(scenario, side, server, stores)

    def _clients(
        self, scenario: Scenario, side: Side, server: MlflowServer, stores: PlacedStores
    ) -> Side:
        """The side whose workloads are the server's HTTP clients."""
        request = {
            **side.request,
            "tracking_uri": server.url,
            "registry_uri": server.url,
            "artifact_root": f"mlflow-artifacts:/{scenario.name}",
        }
        # Clients get no service credentials; every artifact byte goes through the server (no
        # presigned URLs naming an endpoint on the run's network, which clients outside it
        # cannot reach); a server error is an outcome, retried twice, not for minutes.
        env = self.provisioner.environment(scenario, side.workdir, side.bindings, credentials=False)
        client_env = {
            "MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD": "false",
            "MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD": "false",
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
            **env,
        }
        return replace(side, request=request, env=client_env, server=server, server_stores=stores)


def _registry(scenario: Scenario, placed: str, side: Side) -> str:
    """The server builds its registry store at start: the placed one where the scenario tests
    the registry, else MLflow's own in a file of its own (the quickstart registers no model,
    and a registry URI the plugin never declared must not stop the server it does not use)."""
    if "model_registry_store" in scenario.exercised():
        return placed
    return f"sqlite:///{side.workdir}/server-registry.db"
