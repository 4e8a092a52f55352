"""``run --shard K/N``: the selected work items split over N machines, deterministically.

A work item is one scenario under one MLflow version as asked for (``""``: the newest), after
selection, in the order a run without shards has them: by version, then by scenario. The
split is a greedy LPT: items by weight, heaviest first (ties by scenario, then version), each
into the lightest shard so far (ties: the lowest index). The same selection, N and weights
give the same split on any machine.

The weight of an item is its ``duration_s`` in ``--durations FILE`` (a previous report.json,
a merged one too) when the file has it, else a static estimate in seconds from the scenario's
shape (``static_weight``). A shard with no items (N larger than the selection) runs nothing
and passes: there is nothing to fail. Its report still records the shard, so ``merge`` sees
every shard of the selection.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from harness.model.errors import UsageError
from harness.model.results import PluginInfo, RunReport
from harness.planning.scenario import Scenario

# Static weights, in seconds of a typical run on a 2-CPU machine (a previous report's
# durations are better: ``--durations``). A scenario costs BASE, plus each workload (HEAVY's
# or WORKLOAD), each service it needs and server mode.
BASE = 1.0  # the scenario's set-up; all of it for one with no workload (entry points)
WORKLOAD = 3.0  # a workload kind not in HEAVY
HEAVY = {
    "load": 30.0,
    "conformance": 8.0,
    "domain": 8.0,
    "app": 8.0,
    "projects": 8.0,
    "fault": 8.0,
}
SERVICE = 6.0  # each service: its database or bucket, the waits for it
SERVER = 10.0  # server mode: the mlflow server container
FLOOR = 0.5  # a measured duration counts for at least this: no item is free


class Item(NamedTuple):
    """One scenario under one MLflow version as asked for ("" when the newest)."""

    scenario: str
    version: str


@dataclass(frozen=True)
class ShardSpec:
    """``--shard K/N`` and ``--durations FILE``, as asked for."""

    index: int
    total: int
    durations: Path | None = None

    @classmethod
    def parse(cls, text: str, durations: Path | None = None) -> ShardSpec:
        """``K/N`` with 1 <= K <= N; ValueError otherwise, with a one-line message."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            raise ValueError(f"--shard takes K/N with 1 <= K <= N (e.g. 2/3), not {text!r}")
        return cls(int(match[1]), int(match[2]), durations)

    def plan(self, scenarios: list[Scenario], versions: Sequence[str | None]) -> Plan:
        """This shard's items of the selection: ``scenarios`` under each of ``versions`` (as
        asked for; none, or None: the newest). Raises UsageError for a bad durations file."""
        of = work_items([s.name for s in scenarios], versions)
        measured = load_durations(self.durations) if self.durations else {}
        shapes = {s.name: s for s in scenarios}
        weights = {item: weight(item, shapes[item.scenario], measured) for item in of}
        shards = split(of, weights, self.total)
        mine = set(shards[self.index - 1])
        known = sum(1 for item in of if _measured(item, measured) is not None)
        return Plan(
            self.index,
            self.total,
            tuple(of),
            tuple(item for item in of if item in mine),
            digest([[list(item) for item in shard] for shard in shards]),
            f"durations of {self.durations.name} ({known} of {len(of)} items measured)"
            if self.durations
            else "static weights",
        )


@dataclass(frozen=True)
class Plan:
    """The split of one selection, from the point of view of one shard."""

    index: int
    total: int
    of: tuple[Item, ...]  # every item of the selection, in the unsharded order
    mine: tuple[Item, ...]  # this shard's, in the same order
    split: str  # a digest of the whole split: shards split alike have the same
    balanced_by: str = ""
    _taken: frozenset[Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_taken", frozenset(self.mine))

    def takes(self, scenario: str, version: str | None) -> bool:
        return Item(scenario, version or "") in self._taken

    def scenarios(self, scenarios: list[Scenario], version: str | None) -> list[Scenario]:
        """Those of ``scenarios`` this shard runs under ``version``."""
        return [s for s in scenarios if self.takes(s.name, version)]

    def record(self) -> dict[str, Any]:
        """The shard as report.json has it: what ``merge`` checks completeness with."""
        return {
            "index": self.index,
            "total": self.total,
            "selection": selection_id(self.of),
            "of": [list(item) for item in self.of],
            "items": [list(item) for item in self.mine],
            "split": self.split,
            "balanced_by": self.balanced_by,
        }

    def empty_report(self, plugin: str) -> RunReport:
        """The report of a shard with nothing to run: no environment, no service."""
        return RunReport(PluginInfo(plugin, "", "", []), [], shard=self.record())


def work_items(scenarios: list[str], versions: Sequence[str | None]) -> list[Item]:
    """Every scenario under every version, by version then scenario, as a run has them."""
    return [Item(s, v or "") for v in versions or [""] for s in scenarios]


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, separators=(",", ":")).encode()).hexdigest()[:16]


def selection_id(items: tuple[Item, ...] | list[Item]) -> str:
    """What names a selection: a digest of its items in order."""
    return digest([list(item) for item in items])


def static_weight(scenario: Scenario) -> float:
    """The estimate for a scenario no durations file measured (see the constants above)."""
    work = sum(HEAVY.get(w.kind, WORKLOAD) for w in scenario.workloads)
    return BASE + work + SERVICE * len(scenario.services) + (SERVER if scenario.server else 0.0)


def weight(item: Item, scenario: Scenario, measured: dict[tuple[str, str], float]) -> float:
    seconds = _measured(item, measured)
    return static_weight(scenario) if seconds is None else max(seconds, FLOOR)


def _measured(item: Item, measured: dict[tuple[str, str], float]) -> float | None:
    """The item's duration in the durations file: under the version asked for (``2.22`` is
    the ``2.22.0`` it resolves to), or, for the newest, under the highest version there."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    found: list[tuple[Version, float]] = []
    for (scenario, version), seconds in measured.items():
        if scenario != item.scenario:
            continue
        try:
            parsed = Version(version)
            if item.version and not (
                version == item.version
                or SpecifierSet(f"=={item.version}").contains(parsed, prereleases=True)
            ):
                continue
        except (InvalidVersion, InvalidSpecifier):
            if version != item.version:
                continue
            parsed = Version("0")
        found.append((parsed, seconds))
    return max(found)[1] if found else None


def load_durations(path: Path) -> dict[tuple[str, str], float]:
    """(scenario, resolved MLflow version) -> seconds, from a report.json (merged or not)."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise UsageError(f"--durations {path}: cannot read it: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--durations {path}: not a JSON report ({exc})") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise UsageError(f"--durations {path}: not a harness report (it has no results)")
    durations: dict[tuple[str, str], float] = {}
    for result in results:
        try:
            key = (str(result["scenario"]), str(result["mlflow_version"]))
            seconds = float(result["duration_s"])
        except (TypeError, KeyError, ValueError):
            raise UsageError(
                f"--durations {path}: a result without scenario, mlflow_version and duration_s"
            ) from None
        durations[key] = max(durations.get(key, 0.0), seconds)
    return durations


def split(items: list[Item], weights: dict[Item, float], total: int) -> list[list[Item]]:
    """Greedy LPT: heaviest first (ties by scenario, then version), each into the lightest
    shard (ties: the lowest index). Each shard's items in the order of ``items``."""
    loads = [0.0] * total
    chosen: dict[Item, int] = {}
    for item in sorted(items, key=lambda i: (-weights[i], i.scenario, i.version)):
        shard = min(range(total), key=lambda k: (loads[k], k))
        loads[shard] += weights[item]
        chosen[item] = shard
    return [[item for item in items if chosen[item] == k] for k in range(total)]
