"""Providers in action: request headers and auth observed on a local HTTP server the workload
runs on 127.0.0.1 (in server mode, a recording proxy in front of the tracking server); run
context tags and the default experiment observed on real runs."""

import http.server
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, ClassVar

import mlflow
from mlflow.tracking import MlflowClient
from protocol import needs
from recorder import Recorder, describe_error
from session import _plugin_entry_points, configure, new_experiment

REQUESTS = 2  # every request must carry the headers, not only the first


class _Handler(http.server.BaseHTTPRequestHandler):
    """Records each request's headers; answers "not found", or, in server mode, relays the
    request to the tracking server unchanged (a recording proxy: what it saw, the server got)."""

    seen: ClassVar[list[dict[str, str]]] = []
    upstream: ClassVar[str | None] = None

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else None
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        status, body = (
            404,
            json.dumps({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "recorded"}).encode(),
        )
        if self.upstream:
            status, body = _relay(
                self.upstream + self.path,
                self.command,
                payload,
                {k: v for k, v in self.headers.items() if k.lower() != "host"},
            )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


def _relay(
    url: str, method: str, payload: bytes | None, headers: dict[str, str]
) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(
            urllib.request.Request(url, payload, headers, method=method), timeout=60
        ) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _plain(value: Any) -> Any:
    """The answer as JSON: scalars as they are, mappings with their values made printable."""
    if isinstance(value, (str, bool, int, float, type(None))):
        return value
    return {
        str(k): v if isinstance(v, (str, int, float, bool, type(None))) else repr(v)
        for k, v in dict(value).items()
    }


def _call(fn: Callable[[], Any]) -> dict[str, Any]:
    """The plugin's method called; an exception from it is the plugin's (``error``). Reading
    its answer is the harness's work: an answer it cannot read is ``unreadable``, not an error
    the method raised."""
    try:
        value = fn()
    except Exception as exc:  # noqa: BLE001 - the plugin's fault, judged by the check
        return {"error": describe_error(exc), "needs": needs(exc)}
    try:
        return {"value": _plain(value)}
    except Exception as exc:  # noqa: BLE001 - the answer is not what MLflow documents
        return {"unreadable": describe_error(exc), "returned": type(value).__name__}


def _raised_in(exc: BaseException, package: str) -> str:
    """Who raised ``exc``, caught in the harness's own frame: "plugin" when the plugin's code
    (``package``) was running, else the top-level package the harness had called
    (``requests``, ``mlflow``, ...)."""
    modules: list[str] = []
    first = exc.__traceback__  # the harness's own frame
    tb = first.tb_next if first else None
    while tb is not None:
        modules.append((tb.tb_frame.f_globals.get("__name__") or "?").split(".")[0])
        tb = tb.tb_next
    if package in modules:
        return "plugin"
    return modules[0] if modules else "the harness"


def _requests(url: str) -> dict[str, Any]:
    """REST calls through MLflow's own client; returns the headers the server received."""
    _Handler.seen.clear()
    client = MlflowClient(url)
    errors = []
    for _ in range(REQUESTS):
        try:
            client.get_experiment_by_name("harness-provider-probe")
        except Exception as exc:  # noqa: BLE001
            errors.append(describe_error(exc))
    return {"received": list(_Handler.seen), "errors": errors}


def _auth(provider: Any, package: str) -> dict[str, Any]:
    """get_auth() called (the plugin's method), then its answer applied by ``requests`` as
    MLflow does (``requests.request(..., auth=answer)``): the headers it adds, or who raised."""
    import requests

    try:
        auth = provider.get_auth()
    except Exception as exc:  # noqa: BLE001 - raised inside the plugin's method
        return {"error": describe_error(exc), "needs": needs(exc)}
    request = requests.Request("GET", "http://127.0.0.1/")
    before = dict(request.prepare().headers)
    request.auth = auth
    try:
        after = request.prepare()
    except Exception as exc:  # noqa: BLE001 - raised while requests applied the answer
        return {
            "returned": type(auth).__name__,
            "applying": describe_error(exc),
            "raised_by": _raised_in(exc, package),
        }
    return {
        "value": {k: v for k, v in after.headers.items() if before.get(k) != v},
        "returned": type(auth).__name__,
    }


def run(request: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"headers": [], "auth": [], "context": [], "default_experiment": []}
    _on_the_wire(request, out)
    configure(request)
    _on_runs(request, out)
    return out


def _on_the_wire(request: dict[str, Any], out: dict[str, Any]) -> None:
    """Header and auth providers: what they say, and what a local HTTP server receives."""
    plugin = request["plugin"]
    if request["tracking_uri"].startswith("http"):  # server mode: observe what the server gets
        _Handler.upstream = request["tracking_uri"].rstrip("/")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        for ep in _plugin_entry_points(plugin, "mlflow.request_header_provider"):
            provider = ep.load()()
            out["headers"].append(
                {
                    "name": ep.name,
                    "in_context": _call(provider.in_context),
                    "headers": _call(provider.request_headers),
                }
            )
        out["plain"] = _requests(url)
        for ep in _plugin_entry_points(plugin, "mlflow.request_auth_provider"):
            provider = ep.load()()
            entry: dict[str, Any] = {
                "name": ep.name,
                "auth_name": _call(provider.get_name),
                "headers": _auth(provider, ep.value.split(":")[0].split(".")[0]),
            }
            if "value" in entry["auth_name"]:
                os.environ["MLFLOW_TRACKING_AUTH"] = str(entry["auth_name"]["value"])
                entry["observed"] = _requests(url)
                del os.environ["MLFLOW_TRACKING_AUTH"]
            out["auth"].append(entry)
    finally:
        server.shutdown()


def _on_runs(request: dict[str, Any], out: dict[str, Any]) -> None:
    """Context and default-experiment providers: what they say, and the runs they shape."""
    plugin = request["plugin"]
    recorder = Recorder("providers", request["tracking_uri"], request["registry_uri"])
    for ep in _plugin_entry_points(plugin, "mlflow.run_context_provider"):
        provider = ep.load()()
        out["context"].append(
            {
                "name": ep.name,
                "in_context": _call(provider.in_context),
                "tags": _call(provider.tags),
            }
        )
    experiment = new_experiment(request, recorder, "providers")
    with mlflow.start_run(experiment_id=experiment) as run_:
        pass
    out["run_tags"] = dict(MlflowClient().get_run(run_.info.run_id).data.tags)
    for ep in _plugin_entry_points(plugin, "mlflow.default_experiment_provider"):
        provider = ep.load()()
        out["default_experiment"].append(
            {
                "name": ep.name,
                "in_context": _call(provider.in_context),
                "experiment_id": _call(provider.get_experiment_id),
            }
        )
    if out["default_experiment"]:
        try:
            with mlflow.start_run() as run_:
                out["default_run"] = {"experiment_id": run_.info.experiment_id}
        except Exception as exc:  # noqa: BLE001
            out["default_run"] = {"error": describe_error(exc)}
