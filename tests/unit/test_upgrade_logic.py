"""Upgrade paths' pure parts: the upgrade step's commands, its check, what survived it, and
the paths a scenario runs as."""

import json
from pathlib import Path

import pytest

from harness.checks import Evidence, run_check
from harness.model.results import EntryPoint, PluginInfo, RunReport, ScenarioResult, Status
from harness.planning.plan import PlacedStores
from harness.planning.scenario import load_scenario
from harness.reports import html
from harness.reports.merge import merge, read_parts
from harness.reports.report import Masker
from harness.run.session import Options
from harness.run.upgrade import upgrade_steps
from tests.unit.test_checks import evidence, expected_run, observed_run

PG = "postgresql://u:secret@127.0.0.1:5432/db"


def stores(tracking: str, registry: str, plugin: tuple[str, ...]) -> PlacedStores:
    own = {"tracking": tracking, "registry": registry, "artifacts": "/w/artifacts"}
    uris = {r: f"ref:{own[r]}" if r in plugin else own[r] for r in own}
    return PlacedStores(uris["tracking"], uris["artifacts"], uris["registry"], plugin, own=own)


def test_mlflows_db_upgrade_runs_once_per_sql_store_and_never_on_files() -> None:
    steps = upgrade_steps(stores(PG, PG, ("tracking",)), None)
    assert [s["mlflow"] for s in steps] == [["db", "upgrade", PG]]
    assert steps[0]["what"] == "`mlflow db upgrade` of the tracking and registry store"
    assert "secret" not in steps[0]["what"]  # what is shown holds no URI
    assert upgrade_steps(stores("file:/w/mlruns", "file:/w/mlruns", ("tracking",)), None) == []


def test_a_declared_command_replaces_mlflows_on_the_plugins_stores_only() -> None:
    found = upgrade_steps(stores("/w/s", "sqlite:////w/m.db", ("tracking",)), "up {tracking_uri}")
    assert [s.get("mlflow") or s["argv"] for s in found] == [
        ["db", "upgrade", "sqlite:////w/m.db"],  # MLflow's registry store
        ["up", "ref:/w/s"],
    ]
    assert found[-1]["what"] == "the plugin's `up`"


def _upgrade(steps: list[dict] | None, survival: list | None = None) -> Evidence:
    found = Evidence({"entry_points": []})
    found.observed["upgrade"] = {"steps": steps, "survival": survival or []}
    return found


def test_the_upgrade_check_fails_on_a_step_that_exits_nonzero_naming_it() -> None:
    ok = {"what": "the plugin's `up`", "code": 0, "output": ""}
    bad = {"what": "the plugin's `up`", "code": 2, "output": "moving\nKeyError: 'runs'\n"}
    assert run_check("upgrade", _upgrade([ok])).status is Status.PASSED
    failed = run_check("upgrade", _upgrade([ok, bad]))
    assert failed.status is Status.FAILED
    assert failed.detail == "the plugin's `up` exited 2: KeyError: 'runs'"
    assert run_check("upgrade", _upgrade([])).status is Status.PASSED  # nothing to upgrade
    assert run_check("upgrade", Evidence({"entry_points": []})).status is Status.SKIPPED


def test_survived_names_what_the_upgrade_lost_and_passes_what_it_kept() -> None:
    written = expected_run(params={"alpha": "1"})
    kept = evidence(written, observed_run(params={"alpha": "1"})).pairs
    lost = evidence(written, observed_run(params={})).pairs
    assert run_check("survived", _upgrade([], kept)).status is Status.PASSED
    result = run_check("survived", _upgrade([], lost))
    assert result.status is Status.FAILED
    assert (
        result.detail.startswith("lost or unreadable after the upgrade: ")
        and "alpha" in result.detail
    )
    assert run_check("survived", _upgrade([], [])).status is Status.SKIPPED


def test_a_run_left_open_before_the_upgrade_is_expected_running() -> None:
    open_run = {**expected_run(), "open": True}
    running = {**observed_run(), "status": "RUNNING", "end_time": None}
    assert run_check("runs", evidence(open_run, running)).status is Status.PASSED
    assert run_check("runs", evidence(expected_run(), running)).status is Status.FAILED


def test_the_paths_a_scenario_runs_as(tmp_path: Path) -> None:
    plain = load_scenario(Path("scenarios/logging.yaml"))
    declared = tmp_path / "upgrade-logging.yaml"
    declared.write_text(
        "description: d\nupgrade: {from: 2.22.1}\nworkloads: [{kind: logging}]\nchecks: [runs]\n"
    )
    upgrading = load_scenario(declared)
    assert Options("p").paths(plain) == [(None, None)]
    both = Options("p", mlflow_versions=["2.22.1"], upgrade=("2.22.1", "3.17.2"))
    assert both.paths(plain) == [("2.22.1", None), (None, ("2.22.1", "3.17.2"))]
    assert Options("p", upgrade=("2.22.1", None)).paths(plain) == [(None, ("2.22.1", None))]
    assert Options("p", mlflow_versions=["3.17.2"]).paths(upgrading) == [(None, ("2.22.1", None))]


def test_an_upgrade_path_needs_data_that_is_read_back(tmp_path: Path) -> None:
    bad = tmp_path / "upgrade-probe.yaml"
    bad.write_text("description: d\nupgrade: {from: 2.22.1}\nchecks: [entry-points]\n")
    with pytest.raises(Exception, match="upgrade: needs a workload whose data is read back"):
        load_scenario(bad)


def _upgrade_report() -> RunReport:
    plugin = PluginInfo("./p", "acme", "1.0", [EntryPoint("mlflow.tracking_store", "a", "v", True)])
    cell = ScenarioResult("logging", "2.22.1 → 3.17.2", Status.PASSED, "9 run(s) read back")
    plain = ScenarioResult("logging", "3.17.2", Status.PASSED)
    return RunReport(plugin, [plain, cell], [], "run")


def test_the_html_report_shows_an_upgrade_cell_and_what_it_read_back(tmp_path: Path) -> None:
    page = html.render(_upgrade_report(), Masker(), tmp_path)
    assert "<th>MLflow 3.17.2</th><th>MLflow 2.22.1 → 3.17.2</th>" in page
    assert "9 run(s) read back" in page


def test_merge_keeps_the_upgrade_cell(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(_upgrade_report().to_dict()))
    merged = merge(read_parts([path]))
    assert merged.matrix()["logging"]["2.22.1 → 3.17.2"]["status"] == "passed"
