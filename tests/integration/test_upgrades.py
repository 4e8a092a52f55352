"""Upgrade paths (docs/upgrades.md), on real containers and both MLflow versions: the reference
plugin and MLflow's own stores wrapped as a plugin survive 2.22.1 → 3.17.2 on local files,
PostgreSQL, MySQL and S3, and both version-skew cells pass or carry MLflow's own behaviour as a
note; a release that moves its data without migrating fails the upgrade only; a plugin whose
upgrade needs its declared command passes with it and fails without it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tests.helpers import PLUGINS

OLD, NEW = "2.22.1", "3.17.2"
ARROW = f"{OLD} → {NEW}"
PATH = ("--upgrade", f"{OLD}:{NEW}")


def _cells(outcome: Any, scenario: str) -> dict[str, dict[str, str]]:
    cells: dict[str, dict[str, str]] = outcome.report["matrix"][scenario]
    return cells


def _result(outcome: Any, scenario: str, column: str) -> dict[str, Any]:
    return next(
        r
        for r in outcome.report["results"]
        if (r["scenario"], r["mlflow_version"]) == (scenario, column)
    )


def _verdicts(outcome: Any) -> dict[tuple[str, str], list[tuple[str, str, str | None]]]:
    return {
        (r["scenario"], r["mlflow_version"]): sorted(
            (c["name"], c["status"], c.get("blame")) for c in r["checks"]
        )
        for r in outcome.report["results"]
    }


def test_the_reference_plugin_survives_an_upgrade_on_every_backend(harness: Any) -> None:
    scenarios = ["quickstart", "postgres-minio", "mysql-tracking"]  # files; PostgreSQL, S3; MySQL
    args = [a for s in scenarios for a in ("-s", s)]
    outcome = harness("run", str(PLUGINS / "reference-plugin"), *args, *PATH, timeout=1800)
    assert outcome.code == 0, outcome.stdout[-3000:]
    for scenario in scenarios:
        cell = _cells(outcome, scenario)[ARROW]
        assert cell["status"] == "passed" and "read back as written" in cell["reason"], cell
        checks = {c["name"]: c for c in _result(outcome, scenario, ARROW)["checks"]}
        assert checks["upgrade"]["detail"].startswith("`mlflow db upgrade` of the tracking")
        assert checks["survived"]["status"] == "passed"


def test_the_reference_plugins_version_skew_cells_pass_or_name_mlflows_behaviour(
    harness: Any,
) -> None:
    plugin = str(PLUGINS / "reference-plugin")
    outcome = harness("run", plugin, "-s", "server-postgres-minio", *PATH, timeout=1800)
    assert outcome.code == 0, outcome.stdout[-3000:]
    skew = _cells(outcome, "server-postgres-minio")
    columns = [f"client {NEW} / server {OLD}", f"client {OLD} / server {NEW}"]
    assert sorted(skew) == sorted(columns) and {c["status"] for c in skew.values()} == {"passed"}
    # a 3.x client logs models through an endpoint a 2.x server lacks: MLflow's own does too
    notes = [n for n in outcome.report["upstream_notes"]["notes"] if columns[0] in n]
    assert any("MLflow's own SqlAlchemyStore" in n and "logged-models" in n for n in notes), notes


def test_mlflows_own_stores_as_a_plugin_survive_an_upgrade(harness: Any) -> None:
    args = ["-s", "quickstart", "-s", "postgres-minio", *PATH]
    outcome = harness("run", str(PLUGINS / "builtin-stores"), *args, timeout=1200)
    assert outcome.code == 0, outcome.stdout[-3000:]
    assert {c[ARROW]["status"] for c in outcome.report["matrix"].values()} == {"passed"}


def test_a_release_that_moves_its_data_without_migrating_fails_the_upgrade_only(
    harness: Any,
) -> None:
    older = str(PLUGINS / "relayout-1")
    args = ["-s", "quickstart", "--mlflow-version", NEW, *PATH, "--upgrade-plugin", older]
    outcome = harness("run", str(PLUGINS / "broken" / "relayout"), *args, timeout=1200)
    assert outcome.code == 1, outcome.stdout[-3000:]
    cells = _cells(outcome, "quickstart")
    assert cells[NEW]["status"] == "passed" and cells[ARROW]["status"] == "failed", cells
    checks = {c["name"]: c for c in _result(outcome, "quickstart", ARROW)["checks"]}
    assert checks["upgrade"]["status"] == "passed"  # nothing to run: the defect is the layout
    survived = checks["survived"]
    assert survived["status"] == "failed" and survived["blame"] == "plugin", survived
    assert survived["detail"].startswith("lost or unreadable after the upgrade: experiment ")
    assert any(p.startswith("run ") and "unreadable" in p for p in survived["problems"])
    assert outcome.report["plugin"]["version"] == "2.0.0"  # the plugin is the newer release
    plugin = str(PLUGINS / "broken" / "relayout")  # the same verdicts on the host, unforked
    fresh = harness("run", plugin, *args, "--fresh-processes", "--no-sandbox", timeout=1200)
    assert _verdicts(fresh) == _verdicts(outcome), fresh.stdout[-3000:]


def test_an_upgrade_that_needs_its_declared_command_passes_with_it_and_fails_without(
    harness: Any, tmp_path: Path
) -> None:
    plugin = PLUGINS / "needs-upgrade-command"
    with_it = harness("run", str(plugin), "-s", "quickstart", *PATH, timeout=1200)
    assert with_it.code == 0, with_it.stdout[-3000:]
    checks = {c["name"]: c for c in _result(with_it, "quickstart", ARROW)["checks"]}
    assert checks["upgrade"]["detail"] == (
        "`mlflow db upgrade` of the registry store; the plugin's `harness-layout-upgrade` exited 0"
    )
    without = tmp_path / "without"
    shutil.copytree(plugin, without, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    settings = without / "pyproject.toml"
    settings.write_text(settings.read_text().replace('upgrade = "harness-layout-upgrade', "# "))
    outcome = harness("run", str(without), "-s", "quickstart", *PATH, timeout=1200)
    assert outcome.code == 1, outcome.stdout[-3000:]
    survived = {c["name"]: c for c in _result(outcome, "quickstart", ARROW)["checks"]}["survived"]
    assert (
        survived["status"] == "failed"
        and "lost or unreadable after the upgrade" in survived["detail"]
    )
    assert any("unreadable" in p for p in survived["problems"]), survived


def test_an_upgrade_command_that_fails_fails_the_upgrade_check_with_its_output(
    harness: Any, tmp_path: Path
) -> None:
    config = tmp_path / "crashing-upgrade.yaml"
    config.write_text('upgrade: "harness-layout-upgrade"\n')  # no URI: the command crashes
    plugin = str(PLUGINS / "needs-upgrade-command")
    outcome = harness("run", plugin, "-s", "quickstart", "--config", str(config), *PATH)
    assert outcome.code == 1, outcome.stdout[-3000:]
    result = _result(outcome, "quickstart", ARROW)
    upgrade = {c["name"]: c for c in result["checks"]}["upgrade"]
    assert upgrade["status"] == "failed" and upgrade["blame"] == "plugin", upgrade
    assert upgrade["detail"] == (
        "the plugin's `harness-layout-upgrade` exited 1: IndexError: list index out of range"
    )
    assert "--- upgrade: the plugin's `harness-layout-upgrade`" in result["output"]


def test_an_upgrade_path_is_a_test_item_from_pytest(tmp_path: Path) -> None:
    junit, reports = tmp_path / "junit.xml", tmp_path / "reports"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"--mlflow-plugin={PLUGINS / 'reference-plugin'}",
            "--mlflow-scenario=quickstart",
            f"--mlflow-upgrade={OLD}:{NEW}",
            f"--mlflow-report-dir={reports}",
            f"--junitxml={junit}",
            "-p",
            "no:cacheprovider",
            f"--rootdir={tmp_path}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    cases = [case.get("name") for case in ET.parse(junit).getroot().iter("testcase")]
    assert cases == [f"quickstart[upgrade-{OLD}-{NEW}]"]
    report = json.loads((reports / "report.json").read_text())
    assert report["matrix"]["quickstart"][ARROW]["status"] == "passed"
