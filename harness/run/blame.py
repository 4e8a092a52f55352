"""Who is at fault: a plugin's failed check, cross-examined against MLflow's own stores.

Before a difference is blamed on the plugin, the same workload runs on every built-in MLflow
store for the scenario's backends (``plan.builtins``) and the same check judges that evidence.
A problem one of MLflow's own stores shows too is MLflow's behaviour, not the plugin's: the
check keeps it as an upstream note ("MLflow's own FileStore does the same: ...") and passes
unless problems of the plugin's own remain.
"""

from __future__ import annotations

import re

from harness.checks import summarise, upstream_note
from harness.model.contracts import Role
from harness.model.results import Blame, CheckResult, Status

# checks over what the stores hold, whose evidence a built-in store can produce the same way
EXAMINED: dict[str, Role] = {
    "runs": "tracking",
    "params": "tracking",
    "metrics": "tracking",
    "tags": "tracking",
    "artifacts": "artifacts",
    "models": "artifacts",
    "registry": "registry",
}

_RUN_ID = re.compile(r"\b[0-9a-f]{32}\b")
_NUMBERED = re.compile(r"\b(experiment|version|run) \d+\b")


def normal(problem: str) -> str:
    """A problem with the ids that differ between two stores (run and experiment ids) erased."""
    return _NUMBERED.sub(r"\1 <id>", _RUN_ID.sub("<run>", problem))


def reexamined(mine: CheckResult, theirs: list[tuple[str, CheckResult]]) -> CheckResult:
    """``mine`` judged again knowing what each built-in store (name, its result of the same
    check) showed: problems a built-in store shares become notes; the rest stay the plugin's."""
    if mine.status is not Status.FAILED or not mine.problems:
        return mine
    notes, left = list(mine.notes), []
    for problem in mine.problems:
        store = next(
            (
                name
                for name, result in theirs
                if normal(problem) in {normal(p) for p in result.problems}
            ),
            None,
        )
        if store:
            notes.append(upstream_note(store, problem))
        else:
            left.append(problem)
    if not notes:
        return mine
    if left:
        return CheckResult(mine.name, Status.FAILED, summarise(left), Blame.PLUGIN, notes, left)
    stores = sorted(
        {name for name, _ in theirs if any(n.startswith(f"MLflow's own {name} ") for n in notes)}
    )
    return CheckResult(
        mine.name,
        Status.PASSED,
        f"behaves as MLflow's own {', '.join(stores)} does ({len(notes)} upstream note(s))",
        notes=notes,
    )
