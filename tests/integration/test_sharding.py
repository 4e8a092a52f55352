"""``run --shard K/N`` and ``merge`` as CI uses them: a missing shard is an error; an empty
shard runs nothing and passes. That the shards of the default set, merged, are the whole run
is shown from the installed wheel, in test_wheel.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import PLUGINS

PLUGIN = str(PLUGINS / "reference-plugin")


def merged_report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text())
    return data


def test_a_missing_shard_is_an_error_and_workers_take_the_shards_items(harness, tmp_path):
    """entry-points and quickstart in two shards (static weights: quickstart is heavier, so
    it is shard 1's); shard 2 alone does not merge; shard 1 on two workers completes it."""
    args = ["run", PLUGIN, "-s", "entry-points", "-s", "quickstart"]
    second = harness(*args, "--shard", "2/2")
    assert second.code == 0, second.stdout + second.stderr
    assert [r["scenario"] for r in second.report["results"]] == ["entry-points"]
    assert second.report["shard"]["index"] == 2 and len(second.report["shard"]["of"]) == 2
    assert "shard 2/2: 1 of 2 work item(s)" in second.stdout

    alone = harness(
        "merge", str(second.report_dir / "report.json"), "--report-dir", str(tmp_path / "m1")
    )
    assert alone.code == 2, alone.stdout + alone.stderr
    (line,) = alone.stderr.splitlines()
    assert "shard 1/2 missing" in line and "(2 scenario(s), MLflow newest)" in line
    assert "Traceback" not in alone.stderr and not (tmp_path / "m1" / "report.json").exists()

    first = harness(*args, "--shard", "1/2", "--workers", "2")
    assert first.code == 0, first.stdout + first.stderr
    assert [r["scenario"] for r in first.report["results"]] == ["quickstart"]
    both = harness(
        "merge",
        str(second.report_dir / "report.json"),
        str(first.report_dir / "report.json"),
        "--report-dir",
        str(tmp_path / "m2"),
    )
    assert both.code == 0, both.stdout + both.stderr
    report = merged_report(tmp_path / "m2")
    assert [r["scenario"] for r in report["results"]] == ["entry-points", "quickstart"]
    assert report["summary"]["passed"] == 2


def test_an_empty_shard_runs_nothing_and_passes(harness):
    """More shards than work items: the extra shard builds nothing, says so, exits 0, and its
    report records the shard for merge."""
    outcome = harness("run", PLUGIN, "-s", "entry-points", "--shard", "2/2")
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    assert "OK: shard 2/2 has no work: nothing to run" in outcome.stdout
    assert outcome.report["results"] == [] and outcome.report["shard"]["items"] == []
    assert outcome.report["shard"]["of"] == [["entry-points", ""]]
    assert outcome.report["environments"] == []
