"""``mlflow server --app-name NAME`` for each app the plugin declares: it must start and serve."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import IO, Any

from protocol import needs_in_log
from session import _plugin_entry_points

START_TIMEOUT = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return {"status": response.status, "headers": dict(response.headers)}
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, "headers": dict(exc.headers)}


def _tail(log: IO[str]) -> str:
    """The last 8000 characters the server has logged so far (read through a file of its own:
    the server writes at the offset ``log`` shares with it)."""
    with open(log.name, errors="replace") as again:
        return again.read()[-8000:]


def _serve(name: str, request: dict[str, Any], workdir: str) -> dict[str, Any]:
    port = _free_port()
    # the registry store the scenario resolved (a plugin's may need its own URI form); left
    # out, mlflow server would put the registry on the backend store URI
    registry = request.get("registry_uri") or request["tracking_uri"]
    log = open(os.path.join(workdir, f"server-{name}.log"), "w+")  # noqa: SIM115 - closed below
    argv = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--default-artifact-root",
        request["artifact_root"],
        "--app-name",
        name,
    ]
    # the store URIs hold passwords: through MLflow's variables, not the command line
    env = {
        **os.environ,
        "MLFLOW_BACKEND_STORE_URI": request["tracking_uri"],
        "MLFLOW_REGISTRY_STORE_URI": registry,
    }
    proc = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
    )
    result: dict[str, Any] = {"name": name, "health": None, "api": None, "exit_code": None}
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                result["health"] = _get(f"http://127.0.0.1:{port}/health")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if needs_in_log(_tail(log)):  # it said what it lacks: its workers will not
                    break  # come up however long MLflow's supervisor restarts them
                time.sleep(0.3)
        if result["health"] is not None:
            result["api"] = _get(
                f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/search?max_results=1"
            )
        result["exit_code"] = proc.poll()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        result["log_tail"] = _tail(log)
        log.close()
    if result["health"] is None:  # it never served: what its log says it lacks, if anything
        result["needs"] = needs_in_log(result["log_tail"])
    return result


def run(request: dict[str, Any]) -> dict[str, Any]:
    apps = _plugin_entry_points(request["plugin"], "mlflow.app")
    with tempfile.TemporaryDirectory(prefix="app-") as workdir:
        return {
            "apps": [_serve(ep.name, request, workdir) for ep in apps],
            "timeout": START_TIMEOUT,
        }
