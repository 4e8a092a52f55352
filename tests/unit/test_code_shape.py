"""The code stays readable in one sitting: short functions, a runner that is only the pipeline."""

from __future__ import annotations

import ast
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "harness"


def test_no_function_in_the_harness_is_longer_than_60_lines() -> None:
    long = [
        f"{path.relative_to(HARNESS.parent)}:{node.lineno} {node.name} "
        f"({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted(HARNESS.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 60
    ]
    assert long == []


def test_the_runner_is_the_pipeline_only() -> None:
    assert len((HARNESS / "run" / "runner.py").read_text().splitlines()) <= 300
