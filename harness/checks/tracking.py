"""Checks on tracking data read back through MLflow: runs, params, metrics, tags, context tags."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from harness.checks.base import Evidence, check, verdict
from harness.checks.facts import needed, no_manifest, untested
from harness.model.results import Status


def _runs(evidence: Evidence) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """(run id, expected, observed-or-None-when-unreadable) for every run of every workload."""
    for manifest, observed in evidence.pairs:
        for run_id, expected in manifest["runs"].items():
            got = observed["runs"].get(run_id)
            yield run_id, expected, got if got and "error" not in got else None


def _readable(
    evidence: Evidence, problems: list[str]
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The runs that read back; each one that did not is recorded as a problem."""
    for run_id, expected, got in _runs(evidence):
        if got is None:
            problems.append(f"run {run_id} unreadable")
        else:
            yield run_id, expected, got


def _no_runs(evidence: Evidence) -> tuple[Status, str] | None:
    if missing := no_manifest(evidence):
        return Status.SKIPPED, missing
    if not any(manifest["runs"] for manifest, _ in evidence.pairs):
        return Status.SKIPPED, "the scenario's workloads logged no runs"
    return None


def _same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@check("runs")
def runs(evidence: Evidence) -> tuple[Status, str]:
    """Each run exists in its experiment, FINISHED, with its name, parent and times."""
    if skipped := _no_runs(evidence):
        return skipped
    problems = []
    for manifest, observed in evidence.pairs:
        for exp in manifest["experiments"]:
            got = observed["experiments"].get(exp["id"], {"error": "not read"})
            if "error" in got:
                problems.append(f"experiment {exp['id']} unreadable: {got['error']}")
                continue
            if got["name"] != exp["name"]:
                problems.append(
                    f"experiment {exp['id']} is named {got['name']!r}, not {exp['name']!r}"
                )
            mine = {rid for rid, r in manifest["runs"].items() if r["experiment_id"] == exp["id"]}
            if missing := mine - set(got["run_ids"]):
                problems.append(
                    f"search_runs in experiment {exp['id']} misses {len(missing)} run(s)"
                )
    for run_id, expected, got in _runs(evidence):
        if got is None:
            error = next(
                (o["runs"].get(run_id) for _, o in evidence.pairs if run_id in o["runs"]), None
            )
            problems.append(f"run {run_id} unreadable: {(error or {}).get('error', 'missing')}")
            continue
        if got["experiment_id"] != expected["experiment_id"]:
            problems.append(
                f"run {run_id} is in experiment {got['experiment_id']}, "
                f"not {expected['experiment_id']}"
            )
        status = "RUNNING" if expected.get("open") else "FINISHED"  # open across an upgrade
        if got["status"] != status:
            problems.append(f"run {run_id} has status {got['status']}, not {status}")
        if got["name"] != expected["name"]:
            problems.append(f"run {run_id} is named {got['name']!r}, not {expected['name']!r}")
        parent = got["tags"].get("mlflow.parentRunId")
        if parent != expected["parent_id"]:
            problems.append(f"run {run_id} has parent {parent}, not {expected['parent_id']}")
        if not expected.get("open") and (
            not got["end_time"] or got["end_time"] < got["start_time"]
        ):
            problems.append(
                f"run {run_id} has end time {got['end_time']} before start time {got['start_time']}"
            )
    total = sum(len(m["runs"]) for m, _ in evidence.pairs)
    return verdict(problems, f"{total} run(s) found with the right experiment, status and lineage")


@check("params")
def params(evidence: Evidence) -> tuple[Status, str]:
    """Every logged param reads back with the same string value, and no others appear."""
    if skipped := _no_runs(evidence):
        return skipped
    problems: list[str] = []
    count = 0
    for run_id, expected, got in _readable(evidence, problems):
        count += len(expected["params"])
        for key, value in expected["params"].items():
            if key not in got["params"]:
                problems.append(f"run {run_id}: param {key!r} missing")
            elif got["params"][key] != value:
                problems.append(
                    f"run {run_id}: param {key!r} is {got['params'][key]!r}, not {value!r}"
                )
        if extra := set(got["params"]) - set(expected["params"]):
            problems.append(f"run {run_id}: unexpected params {sorted(extra)[:5]}")
    return verdict(problems, f"{count} param(s) read back exactly")


def _sort_key(point: dict[str, Any]) -> tuple[Any, ...]:
    return (
        point["step"],
        point["timestamp"] if point["timestamp"] is not None else 0,
        point["order"],
    )


def _history_problems(run_id: str, key: str, expected: list[dict[str, Any]], got: Any) -> list[str]:
    where = f"run {run_id}: metric {key!r}"
    if isinstance(got, dict):
        return [f"{where}: history unreadable: {got['error']}"]
    if len(got) != len(expected):
        return [f"{where} has {len(got)} point(s), expected {len(expected)}"]
    timed = all(p["timestamp"] is not None for p in expected)
    want = sorted(expected, key=_sort_key)
    have = sorted(got, key=lambda p: (p[0], p[1] if timed else 0))
    if not timed:  # the quickstart logs without timestamps: compare steps and values only
        have = sorted(got, key=lambda p: (p[0], p[2]))
        want = sorted(expected, key=lambda p: (p["step"], p["value"]))
    for w, (step, ts, value) in zip(want, have, strict=True):
        if (
            step != w["step"]
            or not _same_float(value, w["value"])
            or (timed and ts != w["timestamp"])
        ):
            return [
                f"{where}: expected (step {w['step']}, value {w['value']!r}"
                + (f", ts {w['timestamp']}" if timed else "")
                + f"), read back (step {step}, value {value!r}"
                + (f", ts {ts}" if timed else "")
                + ")"
            ]
    return []


def _latest(expected: list[dict[str, Any]]) -> float:
    """MLflow's latest value: the point with the highest (step, timestamp, value)."""
    top = max(p["step"] for p in expected)
    latest: float = max(
        (p for p in expected if p["step"] == top), key=lambda p: (p["timestamp"] or 0, p["order"])
    )["value"]
    return latest


@check("metrics")
def metrics(evidence: Evidence) -> tuple[Status, str]:
    """Metric histories read back with every step, timestamp and value; latest values agree."""
    if skipped := _no_runs(evidence):
        return skipped
    problems: list[str] = []
    points = 0
    for run_id, expected, got in _readable(evidence, problems):
        for key, history in expected["metrics"].items():
            points += len(history)
            found = _history_problems(run_id, key, history, got["metrics"].get(key, []))
            problems.extend(found)
            latest = got["latest"].get(key)
            if not found and (latest is None or not _same_float(latest, _latest(history))):
                problems.append(
                    f"run {run_id}: latest {key!r} is {latest!r}, expected {_latest(history)!r}"
                )
        if extra := set(got["metrics"]) - set(expected["metrics"]):
            problems.append(f"run {run_id}: unexpected metrics {sorted(extra)[:5]}")
    return verdict(problems, f"{points} metric point(s) read back exactly")


@check("tags")
def tags(evidence: Evidence) -> tuple[Status, str]:
    """Tags set by the workload read back with their last value."""
    if skipped := _no_runs(evidence):
        return skipped
    problems: list[str] = []
    count = 0
    for run_id, expected, got in _readable(evidence, problems):
        count += len(expected["tags"])
        for key, value in expected["tags"].items():
            if got["tags"].get(key) != value:
                problems.append(
                    f"run {run_id}: tag {key!r} is {got['tags'].get(key)!r}, not {value!r}"
                )
    if not count:
        return Status.SKIPPED, "the scenario's workloads set no tags"
    return verdict(problems, f"{count} tag(s) read back with their last value")


@check("context-tags")
def context_tags(evidence: Evidence) -> tuple[Status, str]:
    """Tags of the plugin's run context providers appear on runs started with start_run."""
    providers = [p for m, _ in evidence.pairs for p in m["context_providers"]]
    if not providers:
        declared = any(
            ep["group"] == "mlflow.run_context_provider" for ep in evidence.probe["entry_points"]
        )
        if declared and (missing := no_manifest(evidence)):
            return Status.SKIPPED, missing
        return Status.SKIPPED, "the plugin has no run context provider"
    lacking = sorted({f"{p['needs']} at {p['name']}" for p in providers if p.get("needs")})
    problems = [
        f"run context provider {p['name']} ({p['value']}) raised {p['error']}"
        for p in providers
        if p["error"] and not p.get("needs")
    ]
    active = [p for p in providers if p["in_context"] and not p["error"]]
    if not active and not problems:
        if lacking:  # each said what this machine lacks before giving a tag
            return needed(lacking)
        return Status.SKIPPED, "no run context provider reported in_context() == True"
    checked = 0
    for manifest, observed in evidence.pairs:
        for provider in (p for p in manifest["context_providers"] if p in active):
            for run_id in manifest["runs"]:
                got = observed["runs"].get(run_id) or {}
                run_tags = got.get("tags", {})
                checked += 1
                for key, value in provider["tags"].items():
                    if key not in run_tags:
                        problems.append(f"run {run_id} lacks tag {key!r} from {provider['name']}")
                    elif key in provider["stable"] and run_tags[key] != value:
                        problems.append(
                            f"run {run_id}: tag {key!r} is {run_tags[key]!r}, "
                            f"{provider['name']} gave {value!r}"
                        )
    return verdict(
        problems,
        f"context tags of {len(active)} provider(s) on {checked} run(s){untested(lacking)}",
    )
