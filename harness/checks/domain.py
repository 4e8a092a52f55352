"""The domain check: the plugin's stores answered every generated operation as one of MLflow's
own stores did; where MLflow's own stores disagree among themselves, that is noted."""

from __future__ import annotations

from typing import Any

from harness.checks.base import Evidence, Verdict, apart, check
from harness.checks.facts import no_evidence
from harness.model.results import Status

# the head of a note about MLflow's own stores alone (the console shows such notes apart)
AMONG_THEMSELVES = "MLflow's own stores disagree"


@check("domain")
def domain(evidence: Evidence) -> tuple[Status, str]:
    """Generated operations over MLflow's whole domain answer as on MLflow's own stores."""
    data = evidence.observed.get("domain")
    if not data:
        return Status.SKIPPED, no_evidence("domain")
    own = data["sides"][1:]
    notes = [_disagreement(op, found, own) for op, found in data.get("disagreements", {}).items()]
    if found := data.get("difference"):
        problem = _difference(found, data["seed"])
        return Verdict(Status.FAILED, problem, [problem], notes=notes)
    counts = data.get("counts", {})
    operations = sum(n for op, n in counts.items() if op != "examples")
    budget = "; the time budget ended the search" if data.get("out_of_time") else ""
    return Verdict(
        Status.PASSED,
        f"{operations} generated operations in {counts.get('examples', 0)} examples (seed "
        f"{data['seed']}) answered as MLflow's own stores did ({'; '.join(own)}){budget}",
        notes=notes,
    )


def _difference(found: dict[str, Any], seed: int) -> str:
    """What the plugin answered, against MLflow's own, for the last step of the example."""
    answers = dict(found["answers"])
    plugin = answers.pop("plugin")
    store, theirs = next(iter(answers.items()))
    mine, expected = apart(plugin, theirs)
    steps = [s for s in found["steps"] if not s.startswith("#")]
    shrunk = "minimal example" if found.get("shrunk") else "smallest example found in time"
    return (
        f"{found['operation']} ({found['what']}) after {len(steps)} step(s): the plugin's store "
        f"gave {mine}, MLflow's own {store} gave {expected}; last step: {steps[-1][:300]} "
        f"(seed {seed}; the {shrunk} replays with {found.get('script', 'its script')})"
    )


def _disagreement(operation: str, found: dict[str, Any], own: list[str]) -> str:
    """MLflow's own stores answering one step differently: noted, never the plugin's fault."""
    answers = {k: v for k, v in found["answers"].items() if k in own}
    shown = "; ".join(f"{k}: {str(v)[:120]}" for k, v in answers.items())
    return f"{AMONG_THEMSELVES}: {operation} ({found['what']}): {shown}"
