"""What every check is made of: the evidence it judges, its verdict, the registry it joins
(``@check``), and the helpers checks share to word what they found."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.model.results import Blame, CheckResult, Status


@dataclass
class Evidence:
    """What a scenario produced: the probe of the plugin, (manifest, read-back) pairs, and what
    the backing services hold per role (see ``Service.inspect``)."""

    probe: dict[str, Any]
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    backends: dict[str, dict[str, Any]] = field(default_factory=dict)
    contract: dict[str, Any] = field(default_factory=dict)  # conformance transcripts, both sides
    observed: dict[str, dict[str, Any]] = field(default_factory=dict)  # by workload kind
    groups: set[str] | None = None  # the entry-point groups the scenario exercises (None: all)

    def entry_points(self) -> list[dict[str, Any]]:
        """The probed entry points of the groups this scenario exercises."""
        return [
            ep
            for ep in self.probe["entry_points"]
            if self.groups is None or ep["group"] in self.groups
        ]


class Verdict(tuple[Status, str]):
    """(status, detail), carrying the individual problems behind the detail and, where the
    check knows better than the default, who is at fault."""

    problems: list[str]
    blame: Blame | None
    notes: list[str]  # upstream findings: what MLflow's own stores do the same way

    def __new__(
        cls,
        status: Status,
        detail: str,
        problems: list[str] | None = None,
        blame: Blame | None = None,
        notes: list[str] | None = None,
    ) -> Verdict:
        self = super().__new__(cls, (status, detail))
        self.problems, self.blame, self.notes = list(problems or []), blame, list(notes or [])
        return self


# checks on the plugin's entry points alone: in a scenario with workloads they gate it, but a
# scenario whose every other check was skipped tested nothing and is skipped itself
GATES = ("entry-points", "abstract-methods", "providers")

CheckFn = Callable[[Evidence], CheckResult]
REGISTRY: dict[str, CheckFn] = {}


def check(name: str) -> Callable[[Callable[[Evidence], tuple[Status, str]]], CheckFn]:
    """Register a function returning (status, detail), or a ``Verdict``, as the check ``name``."""

    def register(fn: Callable[[Evidence], tuple[Status, str]]) -> CheckFn:
        def run(evidence: Evidence) -> CheckResult:
            answer = fn(evidence)
            status, detail = answer
            problems = getattr(answer, "problems", None) or (
                [detail] if status is Status.FAILED else []
            )
            return CheckResult(
                name,
                status,
                detail,
                blame=getattr(answer, "blame", None),
                notes=getattr(answer, "notes", []),
                problems=problems,
            )

        run.__doc__ = fn.__doc__
        REGISTRY[name] = run
        return run

    return register


def summarise(problems: list[str], limit: int = 3) -> str:
    """The first few problems, and how many more there are."""
    shown = "; ".join(problems[:limit])
    more = f" (+{len(problems) - limit} more)" if len(problems) > limit else ""
    return shown + more


def upstream_note(store: str, finding: str) -> str:
    """A difference MLflow's own ``store`` shares: noted, never held against the plugin."""
    return f"MLflow's own {store} does the same: {finding}"


def verdict(problems: list[str], ok: str, limit: int = 3) -> Verdict:
    """FAILED listing the first few problems, or PASSED with ``ok``."""
    if not problems:
        return Verdict(Status.PASSED, ok)
    return Verdict(Status.FAILED, summarise(problems, limit), problems)


def apart(mine: Any, theirs: Any, limit: int = 120, context: int = 40) -> tuple[str, str]:
    """Both values as JSON (keys sorted): whole when both are short, else each cut to the
    ``context`` characters either side of the first one where they differ, marked."""
    a, b = (json.dumps(v, ensure_ascii=False, default=str, sort_keys=True) for v in (mine, theirs))
    if max(len(a), len(b)) <= limit:
        return a, b
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )

    def window(text: str) -> str:
        start, end = max(0, at - context), at + context
        return (
            ("..." if start else "")
            + text[start:at]
            + f"[differs at char {at + 1}]"
            + text[at:end]
            + ("..." if len(text) > end else "")
        )

    return window(a), window(b)


def run_check(name: str, evidence: Evidence) -> CheckResult:
    """Run one check; a crash in the check itself is the harness's error, not the plugin's."""
    try:
        return REGISTRY[name](evidence)
    except Exception as exc:  # noqa: BLE001 - reported as an error verdict
        return CheckResult(
            name,
            Status.ERROR,
            f"the harness's check crashed: {type(exc).__name__}: {exc}",
            blame=Blame.HARNESS,
        )
