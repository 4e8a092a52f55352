"""What a scenario's processes tried to reach outside what the run gave them (``workloads/
reach.py`` records it beside each answer), for the scenario's ``sandbox`` section: refused in
the sandbox, reached without it. A connection to a port the run published is what it gave."""

from __future__ import annotations

import json
from pathlib import Path

REFUSED = "refused: outside the sandbox"
REACHED = "reached: not sandboxed"


def collect(
    rundir: Path, scenario: str, sandboxed: bool, published: set[int]
) -> list[dict[str, str]]:
    """Each attempt once, in the order first seen, on the scenario's sides."""
    attempts: dict[str, None] = {}
    served: set[str] = set()
    sides = [rundir / scenario, *sorted(rundir.glob(f"{scenario}-oracle*"))]
    for side in sides:
        for log in sorted(side.rglob("*.reach")) if side.is_dir() else []:
            for line in log.read_text(errors="replace").splitlines():
                try:
                    event = json.loads(line)
                    what, target = str(event["what"]), str(event["target"])
                except (ValueError, KeyError, TypeError):
                    continue
                if what == "served":
                    served.add(f"connect {target}")
                elif what != "connect" or _port(target) not in published:
                    attempts[f"{what} {target}"] = None
    outcome = REFUSED if sandboxed else REACHED
    return [{"attempt": a, "outcome": outcome} for a in attempts if a not in served]


def _port(target: str) -> int | None:
    _, sep, port = target.rpartition(":")
    return int(port) if sep and port.isdigit() else None
