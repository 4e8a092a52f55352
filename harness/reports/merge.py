"""``merge``: one report from the reports of sharded runs (``run --shard K/N``).

Reports are grouped by *selection*: the scenario and MLflow version pairs their run split
into shards (a CI matrix of MLflow versions × shards has one selection per version). Every
selection must be complete, each shard exactly once, all split alike; a report without a
shard is shard 1/1 of its own results. The merged report has the results of every selection
(selections in the order first named, each in the order of a run without shards), the
environments, the timings summed and the run ids joined; it is judged as a run is.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.model.errors import UsageError
from harness.model.results import RunReport, Timings, run_order, version_ranks
from harness.planning.shard import Item, selection_id


class MergeError(UsageError):
    """Reports that do not make one run; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Unusable(Exception):
    """A report that cannot be read as one; the message is the line for the user."""


@dataclass
class Part:
    """One report given to ``merge``, with the shard it was (1/1 when it has none)."""

    path: Path
    data: dict[str, Any]
    report: RunReport
    index: int
    total: int
    of: list[Item]  # the whole selection, in the order of a run without shards
    items: list[Item]  # this shard's
    split: str

    @property
    def selection(self) -> str:
        return selection_id(self.of)


def read_part(path: Path) -> Part:
    """``path`` as a report; _Unusable with a one-line reason otherwise."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise _Unusable(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except ValueError as exc:  # not JSON, or not text
        raise _Unusable(f"{path}: not a JSON report ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise _Unusable(f"{path}: not a report of mlflow-plugin-harness (no results)")
    if isinstance(data.get("error"), dict):
        error = data["error"]
        raise _Unusable(
            f"{path}: its run ended before any scenario "
            f"({error.get('kind')} error: {error.get('message')})"
        )
    try:
        report = RunReport.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _Unusable(f"{path}: not a report this harness reads ({exc!r})") from None
    try:
        return _with_shard(path, data, report)
    except (KeyError, TypeError, ValueError) as exc:
        raise _Unusable(f"{path}: its shard record is malformed ({exc!r})") from None


def _with_shard(path: Path, data: dict[str, Any], report: RunReport) -> Part:
    record = data.get("shard")
    if record is None:  # a whole run: shard 1/1 of what it ran
        of = [Item(r.scenario, r.mlflow_version) for r in report.results]
        return Part(path, data, report, 1, 1, of, of, "")
    index, total = record["index"], record["total"]
    if not (isinstance(index, int) and isinstance(total, int) and 1 <= index <= total):
        raise ValueError(f"shard {index!r}/{total!r}")
    of = [Item(str(scenario), str(version)) for scenario, version in record["of"]]
    items = [Item(str(scenario), str(version)) for scenario, version in record["items"]]
    return Part(path, data, report, index, total, of, items, str(record["split"]))


def read_parts(paths: list[Path]) -> list[Part]:
    """Every report, or MergeError naming each that cannot be read."""
    parts, problems = [], []
    for path in paths:
        try:
            parts.append(read_part(path))
        except _Unusable as exc:
            problems.append(str(exc))
    if problems:
        raise MergeError(problems)
    return parts


def describe(of: list[Item]) -> str:
    """``selection 1a2b3c4d (19 scenarios, MLflow 2.22.1)``: how messages name a selection."""
    versions = ", ".join(dict.fromkeys(item.version or "newest" for item in of)) or "none"
    scenarios = len(dict.fromkeys(item.scenario for item in of))
    return f"selection {selection_id(of)[:8]} ({scenarios} scenario(s), MLflow {versions})"


def plugin_problems(parts: list[Part]) -> list[str]:
    """Reports of another plugin (or version of it) than the first that names one."""
    named = [p for p in parts if p.report.plugin.name]  # an empty shard names none
    if not named:
        return []
    first = named[0]
    want = (first.report.plugin.name, first.report.plugin.version)
    return [
        f"{p.path}: plugin {p.report.plugin.name} {p.report.plugin.version}, but {first.path} "
        f"has {want[0]} {want[1]}: reports of different plugins do not merge"
        for p in named[1:]
        if (p.report.plugin.name, p.report.plugin.version) != want
    ]


def completeness_problems(members: list[Part]) -> list[str]:
    """One selection's shards: the same N, each of 1..N exactly once, split alike."""
    label = describe(members[0].of)
    given = ", ".join(f"{m.index}/{m.total} in {m.path}" for m in members)
    totals = {m.total for m in members}
    if len(totals) > 1:
        return [f"{label}: split into different numbers of shards ({given})"]
    total = totals.pop()
    problems = []
    for index in range(1, total + 1):
        same = [str(m.path) for m in members if m.index == index]
        if len(same) > 1:
            problems.append(
                f"{label}: shard {index}/{total} given {len(same)} times: {', '.join(same)}"
            )
    missing = [f"{k}/{total}" for k in range(1, total + 1) if all(m.index != k for m in members)]
    if missing:
        problems.append(f"{label}: shard {', '.join(missing)} missing (given: {given})")
    if len({m.split for m in members}) > 1:
        problems.append(
            f"{label}: its shards were split differently (another --durations file?): {given}"
        )
    elif not problems and sorted(i for m in members for i in m.items) != sorted(members[0].of):
        problems.append(f"{label}: its shards' items do not add up to it ({given})")
    return problems


def duplicate_problems(parts: list[Part]) -> list[str]:
    """Results for the same scenario and MLflow version in two reports (selections that
    overlap): one line per pair of reports."""
    seen: dict[tuple[str, str], Path] = {}
    clashes: dict[tuple[Path, Path], list[str]] = {}
    for part in parts:
        for r in part.report.results:
            key = (r.scenario, r.mlflow_version)
            if key in seen:
                clashes.setdefault((seen[key], part.path), []).append(
                    f"{r.scenario} (MLflow {r.mlflow_version})"
                )
            seen.setdefault(key, part.path)
    return [
        f"{a} and {b} both have results for {', '.join(what)}" for (a, b), what in clashes.items()
    ]


def merge(parts: list[Part]) -> RunReport:
    """One report from the ``parts``; MergeError with every problem found."""
    groups: dict[str, list[Part]] = {}
    for part in parts:
        groups.setdefault(part.selection, []).append(part)
    problems = plugin_problems(parts)
    for members in groups.values():
        problems += completeness_problems(members)
    if problems:
        raise MergeError(problems)
    problems = duplicate_problems(parts)
    if problems:
        raise MergeError(problems)
    report = merge_reports([p.data for p in parts], [], [])
    report.results = []
    for members in groups.values():
        of = members[0].of
        scenarios = list(dict.fromkeys(i.scenario for i in of))
        versions = list(dict.fromkeys(i.version for i in of if i.version))
        results = [r for m in members for r in m.report.results]
        report.results += run_order(results, scenarios, versions)
    report.run_id = ",".join(p.report.run_id for p in parts if p.report.run_id)
    report.shard = None  # whole: every shard of every selection is in it
    return report


def copy_attachments(parts: list[Part], report_dir: Path) -> None:
    """The screenshots and scripts the results refer to (relative to each report's
    directory), into ``report_dir``, so the merged report.html finds them."""
    for part in parts:
        for result in part.report.results:
            for relative in result.attachments.values():
                source, target = part.path.parent / relative, report_dir / relative
                if Path(relative).is_absolute() or ".." in Path(relative).parts:
                    continue
                if not source.is_file() or target.resolve() == source.resolve():
                    continue
                with contextlib.suppress(OSError):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)


def check_output(paths: list[Path], report_dir: Path) -> None:
    """MergeError when writing into ``report_dir`` would overwrite one of the reports."""
    out = (report_dir / "report.json").resolve()
    for path in paths:
        with contextlib.suppress(OSError):
            if path.resolve() == out:
                raise MergeError(
                    [f"--report-dir {report_dir} would overwrite {path}, one of the reports"]
                )


def merge_reports(
    parts: list[dict[str, Any]], scenarios: list[str], versions: list[str]
) -> RunReport:
    """One report from the workers' (already masked) reports, as a run without workers has it.

    Every worker's results, none dropped and none added (the scenarios no worker reported are
    ``harness.parallel.fill_in_missing``'s), in ``run_order``; each environment once (by its
    path; one not installable, by its MLflow version), in version order; the timings summed;
    the secrets united; the first plugin info with a name; the workers' run ids joined.
    """
    if not parts:
        raise ValueError("no worker reports to merge")
    reports = [RunReport.from_dict(part) for part in parts]
    environments: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for env in (e for r in reports for e in r.environments):
        key = (
            ("path", str(env["path"]))
            if env.get("path")
            else ("not installable", str(env.get("mlflow_version")))
        )
        if key not in seen:
            seen.add(key)
            environments.append(env)
    ranks = version_ranks([str(e.get("mlflow_version")) for e in environments], versions)
    timings = Timings()
    for r in reports:
        timings.add(r.timings)
    return RunReport(
        next((r.plugin for r in reports if r.plugin.name), reports[0].plugin),
        run_order([result for r in reports for result in r.results], scenarios, versions),
        sorted(environments, key=lambda e: ranks[str(e.get("mlflow_version"))]),
        ",".join(r.run_id for r in reports),
        secrets=set().union(*(r.secrets for r in reports)),
        timings=timings,
    )
