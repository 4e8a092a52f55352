"""Scripts that failed, turned into check results: who is to blame, and what the report says."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.env.environment import ScriptFailed
from harness.model.results import Blame, CheckResult, Status


def last_error(output: str) -> str:
    """The last line of ``output`` that names an exception, else its last line."""
    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line):
            return line[:500]
    return lines[-1][:500] if lines else "no output"


_STACKS = re.compile(r"^(Fatal Python error|Current thread 0x|Thread 0x)", re.MULTILINE)
_FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<fn>\S+)', re.MULTILINE)


def explain(exc: ScriptFailed) -> str:
    """A raised error names itself; a dead process is explained by its last output before the
    stacks faulthandler printed, and by the innermost frame of those stacks."""
    if not exc.died:
        return str(exc)
    found = _STACKS.search(exc.output)
    before = exc.output[: found.start()] if found else exc.output
    detail = f"{exc}; its last output: {last_error(before)}"
    current = exc.output.find("Current thread 0x")
    frame = _FRAME.search(exc.output, current if current >= 0 else found.start()) if found else None
    if frame:
        where = "/".join(Path(frame["file"]).parts[-2:])
        detail += f"; innermost frame: {frame['fn']} ({where}:{frame['line']})"
    return detail


class Attempts:
    """Scripts that failed, as check results, with their output kept for the report."""

    def __init__(self, diagnose: Callable[[], str] = lambda: "") -> None:
        self.checks: list[CheckResult] = []
        self.outputs: list[str] = []
        self.diagnose = diagnose  # what is wrong with the services right now, if anything

    def attempt(
        self,
        name: str,
        fn: Callable[..., dict[str, Any]],
        *args: Any,
        status: Status = Status.FAILED,
    ) -> dict[str, Any] | None:
        """``fn(*args)``'s answer, or None once its failure is recorded as check ``name``:
        ``status`` (FAILED on the plugin's side, ERROR on MLflow's own) unless the run broke."""
        try:
            return fn(*args)
        except ScriptFailed as exc:
            self.outputs.append(f"--- {name}: {exc}\n{exc.output}")
            self.checks.append(self._judged(name, exc, status))
            return None

    def _judged(self, name: str, exc: ScriptFailed, status: Status) -> CheckResult:
        if exc.blame == Blame.HARNESS:  # the harness's own workload code raised
            return CheckResult(name, Status.ERROR, str(exc), Blame.HARNESS)
        if exc.breaks_mlflow and exc.blame == Blame.PLUGIN:  # the plugin broke MLflow itself:
            return CheckResult(name, Status.FAILED, str(exc), Blame.PLUGIN)  # whatever else
        trouble = self.diagnose()
        blame = Blame.PLUGIN if status is Status.FAILED else Blame.INFRASTRUCTURE
        if exc.died or trouble or exc.blame == Blame.INFRASTRUCTURE:
            # a hang, a crash, a sick service, MLflow not importing: the run broke
            status, detail, blame = Status.ERROR, explain(exc), Blame.INFRASTRUCTURE
        else:
            detail = str(exc)
        if trouble:
            detail += f" (while {trouble})"
        return CheckResult(name, status, detail, blame=blame)
