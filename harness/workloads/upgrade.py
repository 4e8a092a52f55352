"""The upgrade step, in the environment being upgraded to: each command in turn (the plugin's
declared one, or MLflow's own ``mlflow db upgrade`` for each SQL store), its exit code and
output; the steps after a failed one are not run."""

import os
import subprocess
import sys
from typing import Any


def run(request: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    here = os.path.dirname(sys.executable)  # the environment's console scripts come first
    env["PATH"] = os.pathsep.join([here, env.get("PATH", "")])
    steps = []
    for step in request["commands"]:
        argv, what = step["argv"], step["what"]
        command = [sys.executable, *argv[1:]] if argv[0] == "python" else argv
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=env,
                timeout=request.get("timeout", 600),
                check=False,
            )
            code, output = done.returncode, done.stdout + done.stderr
        except (OSError, subprocess.TimeoutExpired) as exc:
            code, output = -1, f"{type(exc).__name__}: {exc}"
        steps.append({"what": what, "code": code, "output": output[-6000:]})
        if code != 0:
            break
    return {"steps": steps}
