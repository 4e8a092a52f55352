"""A run on pytest-xdist workers ends in one report, as a run without workers would: the
workers' reports merged on the controller, and an error for every scenario whose worker died
before reporting it. Plain data only: no workers, no Docker, no subprocesses."""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace
from typing import Any

import pytest

from harness.model.results import (
    EntryPoint,
    PluginInfo,
    RunReport,
    ScenarioResult,
    Status,
    Timings,
    run_order,
)
from harness.parallel import fill_in_missing
from harness.pytest_plugin import _RUN, _WORKER_OUTPUT, pytest_testnodedown, worker_part
from harness.reports.merge import merge_reports

SCENARIOS = ["entry-points", "quickstart", "logging", "postgres-tracking"]
PLUGIN = PluginInfo("./plugin", "acme-plugin", "1.0", [EntryPoint("g", "n", "v", True)])


def result(
    scenario: str, version: str = "3.17.2", status: Status = Status.PASSED
) -> ScenarioResult:
    return ScenarioResult(scenario, version, status, duration_s=1.5)


def env(version: str, path: str | None = None) -> dict[str, Any]:
    if path is None:
        return {"mlflow_version": version, "installable": False, "reason": "pinned"}
    return {"path": path, "reused": True, "installable": True, "mlflow_version": version}


def part(
    results: list[ScenarioResult],
    environments: list[dict[str, Any]] | None = None,
    run_id: str = "run",
    plugin: PluginInfo = PLUGIN,
    timings: Timings | None = None,
    secrets: set[str] | None = None,
) -> dict[str, Any]:
    """A worker's report as it reaches the controller."""
    report = RunReport(
        plugin,
        results,
        environments or [],
        run_id,
        secrets=secrets or set(),
        timings=timings or Timings(),
    )
    return json.loads(worker_part(report))


def pairs(results: list[ScenarioResult]) -> list[tuple[str, str]]:
    return [(r.scenario, r.mlflow_version) for r in results]


# ------------------------------------------------------------------ merging


def test_the_workers_results_are_combined_in_the_order_of_a_run_without_workers():
    one = part([result("logging"), result("entry-points")], run_id="a")
    two = part([result("postgres-tracking"), result("quickstart")], run_id="b")
    merged = merge_reports([one, two], SCENARIOS, [])
    assert pairs(merged.results) == [(s, "3.17.2") for s in SCENARIOS]
    assert merged.run_id == "a,b"
    assert merged.plugin == PLUGIN
    assert [r.duration_s for r in merged.results] == [1.5] * 4


def test_the_order_is_by_version_as_asked_then_by_scenario_whichever_worker_ran_what():
    versions = ["3.17.2", "2.22.1"]
    everything = [result(s, v) for v in versions for s in SCENARIOS]
    expected = pairs(everything)  # as `run` without workers has them
    shuffled = everything[::-1]
    parts = [part(shuffled[0:3]), part(shuffled[3:4]), part(shuffled[4:])]
    for arrival in itertools.permutations(parts):  # workers end in any order
        assert pairs(merge_reports(list(arrival), SCENARIOS, versions).results) == expected


def test_a_version_asked_for_is_ordered_as_the_version_it_resolved_to():
    # `--mlflow-version 3.1,2.*` installs mlflow==3.1 (3.1.0) and mlflow==2.* (the newest 2)
    results = [result("quickstart", "2.22.1"), result("quickstart", "3.1.0")]
    merged = merge_reports([part(results[:1]), part(results[1:])], SCENARIOS, ["3.1", "2.*"])
    assert pairs(merged.results) == [("quickstart", "3.1.0"), ("quickstart", "2.22.1")]


def test_a_version_not_asked_for_comes_last_in_the_order_it_first_appears():
    results = [
        result("quickstart", "9.9"),
        result("quickstart", "2.22.1"),
        result("logging", "9.9"),
    ]
    merged = merge_reports([part(results)], SCENARIOS, ["2.22.1", "not-a-version!"])
    assert pairs(merged.results) == [
        ("quickstart", "2.22.1"),
        ("quickstart", "9.9"),
        ("logging", "9.9"),
    ]


def test_a_scenario_not_selected_is_kept_after_the_selected_ones():
    merged = merge_reports(
        [part([result("my-own.yaml"), result("quickstart")]), part([result("entry-points")])],
        SCENARIOS,
        [],
    )
    assert [r.scenario for r in merged.results] == ["entry-points", "quickstart", "my-own.yaml"]


def test_nothing_is_dropped_or_added_duplicates_included():
    """Merging drops no result and makes up none: a scenario no worker reported is missing
    here (``fill_in_missing`` gives it its error), and one reported twice is kept twice."""
    first = result("quickstart", status=Status.PASSED)
    again = result("quickstart", status=Status.FAILED)
    merged = merge_reports([part([first]), part([again, result("logging")])], SCENARIOS, [])
    assert pairs(merged.results) == [("quickstart", "3.17.2")] * 2 + [("logging", "3.17.2")]
    assert [r.status for r in merged.results[:2]] == [Status.PASSED, Status.FAILED]


def test_the_results_keep_everything_the_workers_reported():
    full = ScenarioResult(
        "postgres-tracking",
        "3.17.2",
        Status.FAILED,
        reason="backend-rows: no row",
        stores={"tracking": "postgresql://harness:****@127.0.0.1:5432/db"},
        logs={"postgres": "ready"},
        attachments={"screenshot": "shot.png"},
    )
    [merged] = merge_reports([part([full])], SCENARIOS, []).results
    assert merged == full


def test_each_environment_once_in_version_order():
    one = part(
        [result("quickstart", "2.22.1")],
        [env("2.22.1", "/cache/envs/a"), env("1.30.0")],
    )
    two = part(
        [result("logging", "3.17.2")],
        [env("3.17.2", "/cache/envs/b"), env("2.22.1", "/cache/envs/a"), env("1.30.0")],
    )
    three = part([result("entry-points", "2.0.0")], [env("2.0.0")])
    versions = ["3.17.2", "2.22.1", "2.0.0", "1.30.0"]
    merged = merge_reports([one, two, three], SCENARIOS, versions)
    assert [(e["mlflow_version"], e.get("path")) for e in merged.environments] == [
        ("3.17.2", "/cache/envs/b"),
        ("2.22.1", "/cache/envs/a"),
        ("2.0.0", None),  # not installable, like 1.30.0, and kept apart from it
        ("1.30.0", None),
    ]


def test_the_timings_are_summed():
    parts = [
        part([result("quickstart")], timings=Timings(1.0, 2.0, 3.0, {"readback": {"count": 1}})),
        part(
            [result("logging")],
            timings=Timings(0.5, 0.25, 4.0, {"readback": {"count": 2, "work_s": 0.5}}),
        ),
        part([result("entry-points")]),
    ]
    timings = merge_reports(parts, SCENARIOS, []).timings
    assert (timings.environments_s, timings.services_s, timings.workloads_s) == (1.5, 2.25, 7.0)
    assert timings.scripts == {"readback": {"count": 3, "work_s": 0.5}}  # each phase summed


def test_the_secrets_never_reach_the_controller():
    secret = "s3cr3t-password"
    leaky = ScenarioResult(
        "postgres-tracking",
        "3.17.2",
        Status.FAILED,
        reason=f"could not connect as harness:{secret}",
        stores={"tracking": f"postgresql://harness:{secret}@127.0.0.1/db"},
    )
    sent = part([leaky], secrets={secret})
    assert secret not in json.dumps(sent)
    merged = merge_reports([sent, part([result("quickstart")], secrets=set())], SCENARIOS, [])
    assert merged.secrets == set()  # nothing left to mask: the workers masked it all
    assert merged.results[1].reason == "could not connect as harness:****"
    assert secret not in json.dumps(merged.to_dict())


def test_the_plugin_is_the_first_worker_report_that_names_it():
    unnamed = PluginInfo("./plugin", "", "", [])
    merged = merge_reports(
        [part([result("quickstart")], plugin=unnamed), part([result("logging")])],
        SCENARIOS,
        [],
    )
    assert merged.plugin == PLUGIN
    alone = merge_reports([part([result("quickstart")], plugin=unnamed)], SCENARIOS, [])
    assert alone.plugin == unnamed


def test_no_worker_report_is_not_a_report():
    with pytest.raises(ValueError, match="no worker reports"):
        merge_reports([], SCENARIOS, [])


def test_the_controller_keeps_each_finished_workers_report_and_none_of_a_dead_one():
    run = SimpleNamespace(workers=[])
    config = SimpleNamespace(stash={_RUN: run})
    sent = part([result("quickstart")])
    pytest_testnodedown(
        SimpleNamespace(config=config, workeroutput={_WORKER_OUTPUT: json.dumps(sent)}), None
    )
    pytest_testnodedown(SimpleNamespace(config=config), "worker 'gw1' crashed")  # no output
    pytest_testnodedown(SimpleNamespace(config=config, workeroutput={}), None)  # ran nothing
    assert run.workers == [sent]


def test_without_the_harness_the_controller_keeps_nothing():
    config = SimpleNamespace(stash={})
    node = SimpleNamespace(config=config, workeroutput={_WORKER_OUTPUT: "{}"})
    pytest_testnodedown(node, None)  # no --mlflow-plugin: not ours, nothing to keep
    assert config.stash == {}


# ------------------------------------------------------------------ a dead worker's scenarios


def test_nothing_missing_nothing_filled_in():
    results = [result(s) for s in SCENARIOS]
    assert fill_in_missing(results, SCENARIOS, ["3.17.2"], 0) == results


def test_each_scenario_no_worker_reported_is_an_error_in_its_place():
    versions = ["3.17.2", "2.22.1"]
    reported = [result("quickstart", "2.22.1"), result("entry-points", "3.17.2")]
    filled = fill_in_missing(reported, SCENARIOS[:2], versions, 1)
    assert pairs(filled) == [
        ("entry-points", "3.17.2"),
        ("quickstart", "3.17.2"),
        ("entry-points", "2.22.1"),
        ("quickstart", "2.22.1"),
    ]
    assert [r.status for r in filled] == [Status.PASSED, Status.ERROR, Status.ERROR, Status.PASSED]
    assert filled[1].reason == (
        "its pytest-xdist worker died before reporting it (pytest exit code 1)"
    )
    assert filled[1].checks == [] and filled[1].duration_s == 0.0


def test_every_scenario_is_an_error_when_no_worker_reported_any():
    filled = fill_in_missing([], SCENARIOS, ["3.17.2"], 3)
    assert pairs(filled) == [(s, "3.17.2") for s in SCENARIOS]
    assert {r.status for r in filled} == {Status.ERROR}
    assert all("pytest exit code 3" in r.reason for r in filled)


def test_reported_results_are_kept_as_they_are_duplicates_and_strangers_included():
    reported = [
        result("quickstart", status=Status.FAILED),
        result("quickstart", status=Status.PASSED),  # reported twice: both kept, not refilled
        result("entry-points", "3.18.0"),  # a version the controller did not resolve
    ]
    before = list(reported)
    filled = fill_in_missing(reported, SCENARIOS[:2], ["3.17.2"], 1)
    assert pairs(filled) == [
        ("entry-points", "3.17.2"),
        ("quickstart", "3.17.2"),
        ("quickstart", "3.17.2"),
        ("entry-points", "3.18.0"),
    ]
    assert [r.status for r in filled[:3]] == [Status.ERROR, Status.FAILED, Status.PASSED]
    assert reported == before  # the workers' list is not changed in place


def test_the_run_order_is_stable():
    same = [result("quickstart", status=s) for s in (Status.FAILED, Status.PASSED, Status.SKIPPED)]
    ordered = run_order([result("logging"), *same], SCENARIOS, [])
    assert [r.status for r in ordered[:3]] == [Status.FAILED, Status.PASSED, Status.SKIPPED]
    assert ordered[3].scenario == "logging"
