"""Entry point inside the plugin environment: ``main.py SCRIPT.py REQUEST.json ANSWER.json``.

SCRIPT is a workload module (here, or a directory beside it); its ``run(request)`` answers."""

import faulthandler
import importlib
import json
import os
import signal
import sys
import time
import traceback

import reach
from protocol import classify


def main(argv: list[str]) -> int:
    # A crash prints every thread's stack; so does SIGTERM, which the harness sends to a
    # process that hung before it kills it: the report then shows where the plugin was stuck.
    faulthandler.enable()
    faulthandler.register(signal.SIGTERM, all_threads=True)
    script, request_file, answer_file = argv
    reach.watch(answer_file + ".reach")
    directory, module = os.path.split(os.path.splitext(os.path.abspath(script))[0])
    if directory not in sys.path:  # a workload kind defined outside the harness
        sys.path.append(directory)
    with open(request_file) as f:
        request = json.load(f)
    started, imported = time.monotonic(), None
    try:  # importing the workload imports MLflow, which loads the plugin's entry points
        if request.get("own_schemes"):  # MLflow's own stores, where the plugin took a scheme
            importlib.import_module("own_stores").restore(request["own_schemes"])
        workload = importlib.import_module(module)
        imported = time.monotonic()
        answer = workload.run(request)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a raised error is an answer, and so is
        # exit() called by code the workload called (none of the harness's own calls it)
        traceback.print_exc()
        answer = classify(exc)
    worked = time.monotonic()
    with open(answer_file + ".tmp", "w") as f:
        json.dump(answer, f)
    os.replace(answer_file + ".tmp", answer_file)
    _phases(answer_file, [started, imported or worked, worked, time.monotonic()])
    return 0


def _phases(answer_file: str, marks: list[float]) -> None:
    """Where the script's seconds went, beside its answer: importing the workload (MLflow and
    the plugin's entry points), its work (store construction and migrations included), and
    writing the answer."""
    names = ("import_s", "work_s", "answer_s")
    with open(answer_file + ".phases", "w") as f:
        json.dump({n: b - a for n, a, b in zip(names, marks[:-1], marks[1:], strict=True)}, f)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
