import xml.etree.ElementTree as ET

from harness.model.results import (
    CheckResult,
    EntryPoint,
    PluginInfo,
    RunReport,
    ScenarioResult,
    Status,
)
from harness.reports.report import Masker, write_junit

EPS = [EntryPoint("mlflow.tracking_store", "p", "p:Store", True)]


def report(*statuses: Status) -> RunReport:
    results = [ScenarioResult(f"s{i}", "3.0", s, reason="why") for i, s in enumerate(statuses)]
    return RunReport(PluginInfo("p", "p", "1", EPS), results)


def test_exit_codes():
    assert report(Status.PASSED, Status.SKIPPED).exit_code()[0] == 0
    assert report(Status.PASSED, Status.FAILED).exit_code()[0] == 1
    assert report(Status.SKIPPED).exit_code() == (1, "nothing passed: every scenario was skipped")
    assert report(Status.PASSED, Status.ERROR).exit_code()[0] == 3
    assert report(Status.FAILED, Status.ERROR).exit_code()[0] == 1
    inconclusive = report(Status.PASSED, Status.INCONCLUSIVE).exit_code()
    assert inconclusive[0] == 1 and "inconclusive, not a pass" in inconclusive[1]
    assert report(Status.INCONCLUSIVE, Status.ERROR).exit_code()[0] == 3
    assert report(Status.INCONCLUSIVE, Status.FAILED).exit_code()[0] == 1
    bare = RunReport(PluginInfo("p", "p", "1", []), [ScenarioResult("s", "3", Status.SKIPPED)])
    assert bare.exit_code()[1].startswith("not an MLflow plugin")


def test_inconclusive_rolls_up_below_failed_and_above_passed():
    checks = [CheckResult("a", Status.PASSED), CheckResult("b", Status.INCONCLUSIVE, "no URI")]
    result = ScenarioResult.from_checks("s", "3", checks)
    assert result.status is Status.INCONCLUSIVE and checks[1].blame is None
    checks.append(CheckResult("c", Status.FAILED, "bad"))
    assert ScenarioResult.from_checks("s", "3", checks).status is Status.FAILED


def test_rollup_error_beats_failed_beats_passed():
    checks = [CheckResult("a", Status.PASSED), CheckResult("b", Status.FAILED, "bad")]
    assert ScenarioResult.from_checks("s", "3", checks).status is Status.FAILED
    checks.append(CheckResult("c", Status.ERROR, "boom"))
    assert ScenarioResult.from_checks("s", "3", checks).status is Status.ERROR
    skipped = [CheckResult("a", Status.SKIPPED, "no registry")]
    result = ScenarioResult.from_checks("s", "3", skipped)
    assert (result.status, result.reason) == (Status.SKIPPED, "no registry")


def test_junit_has_a_testcase_per_scenario_and_check(tmp_path):
    r = report(Status.SKIPPED)
    r.results.append(
        ScenarioResult.from_checks(
            "q",
            "3.0",
            [CheckResult("runs", Status.PASSED), CheckResult("metrics", Status.FAILED, "x")],
        )
    )
    write_junit(r, tmp_path / "j.xml", Masker())
    root = ET.parse(tmp_path / "j.xml").getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert set(cases) == {("p.s0", "scenario"), ("p.q", "runs"), ("p.q", "metrics")}
    assert cases[("p.s0", "scenario")].find("skipped") is not None
    failure = cases[("p.q", "metrics")].find("failure")
    assert (failure.get("message"), failure.get("type")) == ("[blame:plugin] x", "blame:plugin")


def test_masker_hides_secrets():
    assert Masker({"s3cr3t-pw"})("url postgresql://u:s3cr3t-pw@h") == "url postgresql://u:****@h"


def test_a_report_survives_its_json_form():
    """Worker processes hand their reports to the controller as JSON."""
    import json

    from harness.model.results import EntryPoint, ServiceInfo

    original = RunReport(
        PluginInfo("p", "p", "1", [EntryPoint("mlflow.tracking_store", "x", "m:f", True)]),
        [
            ScenarioResult(
                "s",
                "3.0",
                Status.FAILED,
                "why",
                1.5,
                [ServiceInfo("postgres", "postgres", "img", None)],
                {"tracking": "u"},
                [CheckResult("runs", Status.FAILED, "bad")],
                "out",
                {},
                {"pg": "log"},
            )
        ],
        [{"path": "/env", "installable": True}],
        "abc",
    )
    again = RunReport.from_dict(json.loads(json.dumps(original.to_dict())))
    assert again == original


def test_timings_count_a_block_however_it_ends():
    import time

    import pytest

    from harness.model.results import Timings

    timings = Timings()
    with timings.measure("services_s"):
        pass
    with pytest.raises(ValueError), timings.measure("workloads_s"):
        time.sleep(0.01)
        raise ValueError
    assert timings.services_s >= 0 and timings.workloads_s >= 0.01 and timings.environments_s == 0


def test_a_scenario_whose_substantive_checks_all_skipped_is_skipped_not_passed():
    checks = [
        CheckResult("entry-points", Status.PASSED, "1 loads"),
        CheckResult("datasets", Status.SKIPPED, "no example declared"),
    ]
    result = ScenarioResult.from_checks("datasets", "3", checks, gates=("entry-points",))
    assert (result.status, result.reason) == (Status.SKIPPED, "datasets: no example declared")
    assert ScenarioResult.from_checks("entry-points", "3", checks[:1]).status is Status.PASSED


def test_blame_defaults_to_the_plugin_for_failures_and_infrastructure_for_errors():
    assert CheckResult("a", Status.FAILED, "x").blame == "plugin"
    assert CheckResult("a", Status.ERROR, "x").blame == "infrastructure"
    assert CheckResult("a", Status.PASSED, "x", blame="plugin").blame is None


def test_each_outcome_has_one_status_and_an_error_is_not_labelled_a_failure():
    from harness.reports.report import LABELS, verdict

    cases = {
        (Status.PASSED, Status.SKIPPED): (0, Status.PASSED),
        (Status.PASSED, Status.FAILED): (1, Status.FAILED),
        (Status.PASSED, Status.ERROR): (3, Status.ERROR),
        (Status.PASSED, Status.INCONCLUSIVE): (1, Status.INCONCLUSIVE),
        (Status.SKIPPED,): (1, Status.FAILED),
    }
    for statuses, (code, status) in cases.items():
        assert verdict(report(*statuses))[:2] == (code, status), statuses
    assert LABELS[verdict(report(Status.PASSED, Status.ERROR))[1]] == "ERROR"
