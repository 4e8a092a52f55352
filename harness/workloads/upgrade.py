"""The upgrade step, in the environment being upgraded to: each command in turn (MLflow's own
``mlflow db upgrade`` for each SQL store, the plugin's declared one), its exit code and output;
the steps after a failed one are not run."""

import json
import os
import subprocess
import sys
from typing import Any

# MLflow's CLI with its arguments from the environment: a store URI holds a password, and a
# command line is public on the host (``ps``)
MLFLOW_CLI = (
    "import json, os; from mlflow.cli import cli; "
    "cli.main(args=json.loads(os.environ.pop('HARNESS_MLFLOW_ARGS')), prog_name='mlflow')"
)


def _command(step: dict[str, Any], env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    if "mlflow" in step:
        return [sys.executable, "-c", MLFLOW_CLI], {
            **env,
            "HARNESS_MLFLOW_ARGS": json.dumps(step["mlflow"]),
        }
    return step["argv"], env


def run(request: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    here = os.path.dirname(sys.executable)  # the environment's console scripts come first
    env["PATH"] = os.pathsep.join([here, env.get("PATH", "")])
    steps = []
    for step in request["commands"]:
        command, environment = _command(step, env)
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=environment,
                timeout=request.get("timeout", 600),
                check=False,
            )
            code, output = done.returncode, done.stdout + done.stderr
        except (OSError, subprocess.TimeoutExpired) as exc:
            code, output = -1, f"{type(exc).__name__}: {exc}"
        steps.append({"what": step["what"], "code": code, "output": output[-6000:]})
        if code != 0:
            break
    return {"steps": steps}
