"""The round trip of each project backend the plugin declares: run a tiny MLflow project
through it, wait, and read the run it reports back from the tracking store."""

import os
import sys
import tempfile
from typing import Any

import mlflow
from mlflow.entities import RunStatus
from mlflow.tracking import MlflowClient
from protocol import needs
from recorder import Recorder, describe_error
from session import _plugin_entry_points, configure, new_experiment

MLPROJECT = """name: harness-probe
entry_points:
  main:
    parameters:
      alpha: {{type: float, default: 0.1}}
    command: "{python} train.py {{alpha}}"
"""
TRAIN = """import sys
import mlflow
alpha = float(sys.argv[1])
with mlflow.start_run():
    mlflow.log_param("alpha", alpha)
    mlflow.log_metric("twice_alpha", 2 * alpha)
"""


def _status_name(status: Any) -> str:
    """A RunStatus int (``RunStatus.FINISHED`` is 3) as its name; a name stays as it is."""
    if isinstance(status, int) and not isinstance(status, bool):
        try:
            name: str = RunStatus.to_string(status)
            return name
        except Exception:  # noqa: BLE001 - not a RunStatus value: shown as it is
            return f"{status} (not a RunStatus)"
    return str(status)


def _project(directory: str) -> str:
    with open(os.path.join(directory, "MLproject"), "w") as f:
        f.write(MLPROJECT.format(python=sys.executable))
    with open(os.path.join(directory, "train.py"), "w") as f:
        f.write(TRAIN)
    return directory


def run(request: dict[str, Any]) -> dict[str, Any]:
    configure(request)
    os.environ["MLFLOW_TRACKING_URI"] = request["tracking_uri"]  # the project's own process
    recorder = Recorder("projects", request["tracking_uri"], request["registry_uri"])
    backends = []
    for ep in _plugin_entry_points(request["plugin"], "mlflow.project_backend"):
        entry: dict[str, Any] = {
            "name": ep.name,
            "error": None,
            "submitted": None,
            "waited": None,
            "status": None,
            "run": None,
        }
        experiment = new_experiment(request, recorder, f"project-{ep.name}")
        with tempfile.TemporaryDirectory(prefix="project-") as directory:
            stage = "mlflow.projects.run(..., backend=...)"
            try:
                submitted = mlflow.projects.run(
                    _project(directory),
                    parameters={"alpha": 0.25},
                    backend=ep.name,
                    backend_config=request["targets"].get(ep.name, {}),
                    env_manager="local",
                    experiment_id=experiment,
                    synchronous=False,
                )
                entry["submitted"] = type(submitted).__name__
                stage = f"{entry['submitted']}.wait()"
                entry["waited"] = bool(submitted.wait())
                stage = f"{entry['submitted']}.get_status()"
                entry["status"] = _status_name(submitted.get_status())
                stage = "reading back the run it reports (MlflowClient().get_run)"
                run_ = MlflowClient().get_run(submitted.run_id)
                entry["run"] = {
                    "status": _status_name(run_.info.status),
                    "params": dict(run_.data.params),
                    "metrics": dict(run_.data.metrics),
                    "experiment_id": run_.info.experiment_id == experiment,
                }
            except Exception as exc:  # noqa: BLE001 - judged by the check, with the stage
                entry["error"] = f"{stage} raised {describe_error(exc)}"
                if entry["submitted"] is None and (need := needs(exc)):  # before any work
                    entry["needs"] = f"{need} at {stage}"
        backends.append(entry)
    return {
        "backends": backends,
        "expected": {"params": {"alpha": "0.25"}, "metrics": {"twice_alpha": 0.5}},
    }
