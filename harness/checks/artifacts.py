"""Checks on artifacts and models read back through the artifact repository."""

from __future__ import annotations

from typing import Any

from harness.checks.base import Evidence, check, verdict
from harness.checks.facts import no_manifest
from harness.checks.tracking import _runs
from harness.model.results import Status


def _listing_problems(
    run_id: str, expected: dict[str, Any], listing: list[dict[str, Any]] | dict[str, Any]
) -> list[str]:
    if isinstance(listing, dict):
        return [f"run {run_id}: list_artifacts failed: {listing['error']}"]
    files = {e["path"]: e for e in listing if not e["is_dir"]}
    dirs = {e["path"] for e in listing if e["is_dir"]}
    problems = []
    for path, want in expected.items():
        got = files.get(path)
        if got is None:
            problems.append(f"run {run_id}: {path} missing from list_artifacts")
        elif got["size"] is not None and got["size"] != want["size"]:
            problems.append(
                f"run {run_id}: list_artifacts gives {path} {got['size']} bytes, "
                f"expected {want['size']}"
            )
    needed = {p.rsplit("/", i)[0] for p in expected for i in range(1, p.count("/") + 1)}
    if missing := needed - dirs:
        problems.append(f"run {run_id}: directories {sorted(missing)} missing from list_artifacts")
    return problems


@check("artifacts")
def artifacts(evidence: Evidence) -> tuple[Status, str]:
    """Every logged file is listed with its size and downloads byte-exact (sha256)."""
    problems, count, total = [], 0, 0
    for run_id, expected, got in _runs(evidence):
        if not expected["artifacts"]:
            continue
        if got is None:
            problems.append(f"run {run_id} unreadable")
            continue
        problems.extend(_listing_problems(run_id, expected["artifacts"], got["listing"]))
        for path, want in expected["artifacts"].items():
            count, total = count + 1, total + want["size"]
            have = got["downloads"].get(path, {"error": "not downloaded"})
            if "error" in have:
                problems.append(f"run {run_id}: downloading {path} failed: {have['error']}")
            elif have["sha256"] != want["sha256"]:
                problems.append(
                    f"run {run_id}: {path} downloads as {have['size']} bytes with "
                    f"sha256 {have['sha256'][:12]}, logged {want['size']} bytes "
                    f"with sha256 {want['sha256'][:12]}"
                )
    if not count:
        return Status.SKIPPED, (
            no_manifest(evidence) or "the scenario's workloads logged no artifacts"
        )
    return verdict(problems, f"{count} file(s), {total} bytes, listed and downloaded byte-exact")


@check("models")
def models(evidence: Evidence) -> tuple[Status, str]:
    """A logged pyfunc model loads back through the plugin's stores and predicts correctly."""
    problems, count = [], 0
    for manifest, observed in evidence.pairs:
        for want, got in zip(manifest["models"], observed["models"], strict=False):
            count += 1
            if "error" in got:
                problems.append(f"{want['uri']}: loading failed: {got['error']}")
            elif got["output"] != want["output"]:
                problems.append(
                    f"{want['uri']} predicts {got['output']}, expected {want['output']}"
                )
    if not count:
        return Status.SKIPPED, (
            no_manifest(evidence, "logging") or "the scenario's workloads logged no model"
        )
    return verdict(problems, f"{count} model(s) load and predict correctly")
