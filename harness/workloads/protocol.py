"""What crosses the process boundary between the harness and the scripts it runs inside the
plugin's environment, and who is at fault when a script raises.

Standard library only: the workloads import it as ``protocol``, the harness as
``harness.workloads.protocol``; neither side parses the other's error strings.
"""

from __future__ import annotations

import os
import traceback
from typing import TypedDict

RAISED = "__raised__"  # the key of the answer of a script that raised instead of answering

PLUGIN, MLFLOW, HARNESS, INFRASTRUCTURE = "plugin", "mlflow", "harness", "infrastructure"

HERE = os.path.dirname(os.path.abspath(__file__))

Raised = TypedDict("Raised", {"__raised__": str, "blame": str, "where": str})


class Finding(Exception):
    """Raised by a workload on purpose to report what the plugin did (not a harness bug)."""


def _ours(filename: str) -> bool:
    return os.path.dirname(os.path.abspath(filename)) == HERE


def classify(exc: BaseException) -> Raised:
    """The answer for a script that raised ``exc``: its last line, who is at fault and where.

    The innermost frame decides. The harness's own workload code raising (a KeyError while
    reading an answer, say) is the harness's fault, unless it raised a ``Finding``. Anywhere
    else (the plugin's code, or MLflow or a library reacting to what the plugin gave it), the
    plugin is at fault: the same workload passes on MLflow's own stores.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    line = traceback.format_exception_only(type(exc), exc)[-1].strip()
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}"
    else:
        where = f"{last.filename}:{last.lineno}" if last else ""
    harness_bug = last is not None and _ours(last.filename) and not isinstance(exc, Finding)
    if harness_bug:
        line = f"the harness's own {os.path.basename(last.filename)} raised {line}"
    return {RAISED: line, "blame": HARNESS if harness_bug else PLUGIN, "where": where}
