"""Entry point inside the plugin environment: ``main.py COMMAND REQUEST.json ANSWER.json``."""

import importlib
import json
import os
import sys

COMMANDS = {
    "probe": "probe",
    "quickstart": "quickstart",
    "logging": "logging_workload",
    "readback": "readback",
    "migrate": "migrate",
    "conformance": "conformance",
    "providers": "providers_workload",
    "deployments": "deployments_workload",
    "app": "app_workload",
    "projects": "projects_workload",
    "evaluators": "evaluators_workload",
    "datasets": "datasets_workload",
}


def main(argv: list) -> int:
    command, request_file, answer_file = argv
    with open(request_file) as f:
        request = json.load(f)
    module = importlib.import_module(COMMANDS[command])
    answer = module.run(request)
    with open(answer_file + ".tmp", "w") as f:
        json.dump(answer, f)
    os.replace(answer_file + ".tmp", answer_file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
