"""Checks inside the backing service itself: the rows and objects the workloads must have left.

They read what the service holds, not what MLflow reports, so a plugin that answers correctly
from a local cache while the service stays empty fails here. SQL evidence is every row of every
table (any schema: a row must hold the run id, the key and the value in its columns); object
evidence is every object with its sha256 (an object's key must hold the run id and end with the
artifact's path) or, for SQL-backed artifact stores, binary columns with their sha256.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from harness.checks.base import Evidence, check, verdict
from harness.checks.facts import no_manifest
from harness.model.results import Status

Row = list[Any]


def _numbers_equal(cell: Any, expected: float) -> bool:
    if isinstance(cell, bool) or not isinstance(cell, (int, float)):
        return False
    if math.isnan(expected):
        return math.isnan(cell)
    return math.isclose(cell, expected, rel_tol=1e-9, abs_tol=1e-12)


def _holds(row: Row, *texts: str) -> bool:
    cells = {c for c in row if isinstance(c, str)}
    return all(t in cells for t in texts)


def _rows_by_run(tables: dict[str, Any], run_ids: Iterable[str]) -> dict[str, list[Row]]:
    wanted = set(run_ids)
    found: dict[str, list[Row]] = {r: [] for r in wanted}
    for table in tables.values():
        for row in table["rows"]:
            for value in row:
                if isinstance(value, str) and value in wanted:
                    found[value].append(row)
                    break
    return found


def _sql_problems(manifest: dict[str, Any], tables: dict[str, Any]) -> list[str]:
    runs = manifest["runs"]
    rows = _rows_by_run(tables, runs)
    problems = []
    for run_id, entry in runs.items():
        mine = rows[run_id]
        if not mine:
            problems.append(f"run {run_id}: no row in any table")
            continue
        for kind in ("params", "tags"):
            for key, value in entry[kind].items():
                if not any(_holds(r, key, str(value)) for r in mine):
                    problems.append(f"run {run_id}: no row for {kind[:-1]} {key}={value!r}")
        for key, points in entry["metrics"].items():
            for point in points:
                if not any(
                    _holds(r, key)
                    and _numbers_equal_in(r, point["value"])
                    and point["step"] in [c for c in r if isinstance(c, int)]
                    for r in mine
                ):
                    problems.append(
                        f"run {run_id}: no row for metric {key} step {point['step']} "
                        f"= {point['value']!r}"
                    )
                    break
    return problems


def _numbers_equal_in(row: Row, expected: float) -> bool:
    return any(_numbers_equal(c, float(expected)) for c in row)


def _artifacts(manifest: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for run_id, entry in manifest["runs"].items():
        for path, meta in entry["artifacts"].items():
            yield run_id, path, meta


def _object_problems(manifest: dict[str, Any], backend: dict[str, Any]) -> list[str]:
    problems = []
    if backend["kind"] == "s3":
        objects = backend["objects"]
        for run_id, path, meta in _artifacts(manifest):
            keys = [k for k in objects if run_id in k and (k == path or k.endswith("/" + path))]
            if not keys:
                problems.append(f"run {run_id}: no object for {path}")
            elif not any(objects[k]["sha256"] == meta["sha256"] for k in keys):
                problems.append(f"run {run_id}: object for {path} has other content than logged")
        return problems
    blobs = [row for table in backend["tables"].values() for row in table["rows"]]
    for run_id, path, meta in _artifacts(manifest):
        hit = [
            r
            for r in blobs
            if any(isinstance(c, dict) and c.get("sha256") == meta["sha256"] for c in r)
            and any(isinstance(c, str) and c.endswith(path) for c in r)
        ]
        if not hit:
            problems.append(f"run {run_id}: no row holds {path} with the logged content")
    return problems


@check("backend-rows")
def backend_rows(evidence: Evidence) -> tuple[Status, str]:
    """The tracking service's tables hold every run, param, tag and metric point logged."""
    backend = evidence.backends.get("tracking")
    if backend is None or backend["kind"] != "sql":
        return Status.SKIPPED, "the tracking store is not on a SQL service in this scenario"
    if missing := no_manifest(evidence):
        return Status.SKIPPED, missing
    problems = [
        p for manifest, _ in evidence.pairs for p in _sql_problems(manifest, backend["tables"])
    ]
    runs = sum(len(m["runs"]) for m, _ in evidence.pairs)
    return verdict(
        problems,
        f"{runs} runs found in {backend['service']}'s tables with their "
        "params, tags and metric points",
    )


@check("backend-objects")
def backend_objects(evidence: Evidence) -> tuple[Status, str]:
    """The artifact service holds every logged file, byte for byte (by sha256)."""
    backend = evidence.backends.get("artifacts")
    if backend is None:
        return Status.SKIPPED, "the artifact store is not on a service in this scenario"
    if missing := no_manifest(evidence):
        return Status.SKIPPED, missing
    problems = [p for manifest, _ in evidence.pairs for p in _object_problems(manifest, backend)]
    files = sum(1 for m, _ in evidence.pairs for _ in _artifacts(m))
    return verdict(
        problems, f"{files} logged files found in {backend['service']} with matching sha256"
    )
