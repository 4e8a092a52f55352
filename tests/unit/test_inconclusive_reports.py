"""An inconclusive scenario shows as such in every report, and never as a pass."""

import io
import json
import xml.etree.ElementTree as ET

import pytest

from harness import cli
from harness.model.results import (
    CheckResult,
    EntryPoint,
    PluginInfo,
    RunReport,
    ScenarioResult,
    ServiceInfo,
    Status,
)
from harness.reports.html import render
from harness.reports.report import Masker, print_summary, verdict, write_junit

pytest_plugins = ["pytester"]

NO_URI = "no URI known for scheme 'acme' (give uri_templates.acme in --config)"


def report(*extra: ScenarioResult) -> RunReport:
    plugin = PluginInfo("p", "p", "1", [EntryPoint("mlflow.tracking_store", "acme", "p:S", True)])
    checks = [
        CheckResult("entry-points", Status.PASSED, "1 loads"),
        CheckResult("tracking.runs", Status.INCONCLUSIVE, NO_URI),
    ]
    return RunReport(
        plugin,
        [
            ScenarioResult(
                "quickstart",
                "3.17.2",
                Status.PASSED,
                duration_s=2.0,
                checks=[CheckResult("runs", Status.PASSED, "1 run")],
            ),
            ScenarioResult.from_checks("conformance", "3.17.2", checks),
            ScenarioResult("postgres-tracking", "3.17.2", Status.INCONCLUSIVE, NO_URI),
            *extra,
        ],
    )


def test_the_console_marks_it_and_counts_it():
    out = io.StringIO()
    print_summary(report(), out, Masker())
    text = out.getvalue()
    assert "  INCONCLUSIVE conformance " in text and "  PASS         quickstart " in text
    assert f"        INCONCLUSIVE tracking.runs: {NO_URI}" in text
    assert f"        inconclusive: {NO_URI}" in text  # no inconclusive check names it
    assert "\n1 passed, 0 failed, 2 inconclusive, 0 skipped, 0 error;" in text


def test_the_console_says_a_reason_several_scenarios_share_once_naming_them():
    r = report(
        ScenarioResult("mysql-tracking", "3.17.2", Status.INCONCLUSIVE, NO_URI),
        ScenarioResult("postgres-tracking", "2.22.1", Status.INCONCLUSIVE, NO_URI),
        ScenarioResult("app", "3.17.2", Status.SKIPPED, "not applicable: no app"),
    )
    out = io.StringIO()
    print_summary(r, out, Masker())
    text = out.getvalue()
    assert text.count(NO_URI) == 2  # the conformance check's line, and one for both scenarios
    assert f"inconclusive (2 scenarios: postgres-tracking, mysql-tracking): {NO_URI}" in text
    assert "        skipped: not applicable: no app" in text


def test_the_console_matrix_fits_the_mark():
    r = report(ScenarioResult("quickstart", "2.22.1", Status.INCONCLUSIVE, NO_URI))
    out = io.StringIO()
    print_summary(r, out, Masker())
    rows = out.getvalue().split("compatibility matrix\n")[1].splitlines()
    assert rows[1].split() == ["quickstart", "PASS", "INCONCLUSIVE"]


def test_json_counts_it_and_survives_the_round_trip():
    r = report()
    data = json.loads(json.dumps(r.to_dict(), default=str))
    assert data["summary"]["inconclusive"] == 2 and data["blame"]["plugin"] == 0
    assert data["matrix"]["postgres-tracking"]["3.17.2"]["status"] == "inconclusive"
    again = RunReport.from_dict(data)
    assert again == r and again.results[1].checks[1].status is Status.INCONCLUSIVE


def test_junit_reports_it_as_an_unblamed_failure_so_ci_is_not_green(tmp_path):
    write_junit(report(), tmp_path / "j.xml", Masker())
    root = ET.parse(tmp_path / "j.xml").getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    failure = cases[("p.conformance", "tracking.runs")].find("failure")
    assert (failure.get("type"), failure.get("message")) == (
        "inconclusive",
        f"[inconclusive] {NO_URI}",
    )
    assert cases[("p.conformance", "entry-points")].find("failure") is None
    scenario = cases[("p.postgres-tracking", "scenario")].find("failure")
    assert scenario.get("type") == "inconclusive"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "0")
    props = {p.get("name"): p.get("value") for p in root.find("properties")}
    assert props["inconclusive"] == "2" and props["blame:plugin"] == "0"


def test_junit_shows_a_scenario_status_no_check_carries(tmp_path):
    odd = ScenarioResult(
        "app",
        "3.17.2",
        Status.INCONCLUSIVE,
        NO_URI,
        checks=[CheckResult("entry-points", Status.PASSED, "1 loads")],
    )
    r = RunReport(PluginInfo("p", "p", "1", []), [odd])
    write_junit(r, tmp_path / "j.xml", Masker())
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    assert [c.get("name") for c in suite.iter("testcase")] == ["scenario", "entry-points"]
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")


def test_html_has_its_colour_legend_and_verdict(tmp_path):
    text = render(report(), Masker(), tmp_path)
    assert ".inconclusive{" in text
    assert '<span class="badge inconclusive">inconclusive</span>' in text
    assert '<p class="verdict inconclusive">INCONCLUSIVE: 2 scenario(s) inconclusive' in text
    assert "could not be put to the test" in text  # the legend
    assert '<td class="inconclusive"' in text and "<details open>" in text
    assert "1 passed, 0 failed, 2 inconclusive, 0 skipped, 0 error" in text


def test_the_cli_last_line_says_inconclusive_not_failed(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("harness.run.session.execute", lambda options: report())
    code = cli.main(["run", "p", "-j", "1", "--report-dir", str(tmp_path)])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 1
    assert last.startswith("INCONCLUSIVE: 2 scenario(s) inconclusive, not a pass: ")
    failed = report(ScenarioResult("logging", "3.17.2", Status.FAILED, "runs: lost"))
    monkeypatch.setattr("harness.run.session.execute", lambda options: failed)
    assert cli.main(["run", "p", "-j", "1", "--report-dir", str(tmp_path)]) == 1
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("FAILED: 1 scenario(s) failed; tested: 2 scenario(s) on local files")


def test_the_last_line_says_what_was_tested_and_what_was_not_and_why():
    def ran(name, status, reason="", services=(), checks=1):
        return ScenarioResult(
            name,
            "3.17.2",
            status,
            reason,
            services=[ServiceInfo(s, s, f"{s}:1") for s in services],
            checks=[CheckResult(f"{name}-check", status, reason)] * checks,
        )

    results = [
        ran("entry-points", Status.PASSED),
        ran("quickstart", Status.PASSED),
        ran("postgres-tracking", Status.PASSED, services=["postgres"]),
        ran("mysql-tracking", Status.INCONCLUSIVE, f"{NO_URI}", checks=0),
        ran("minio-artifacts", Status.INCONCLUSIVE, f"{NO_URI}", checks=0),
        ran("deployments", Status.SKIPPED, "deployments-check: needs env:KEY (ValueError: no KEY)"),
        ran("app", Status.SKIPPED, "not applicable: the scenario exercises mlflow.app", checks=0),
        ran("mssql-artifacts", Status.SKIPPED, "mssql unavailable: no image", checks=0),
    ]
    *_, why = verdict(RunReport(PluginInfo("p", "p", "1", []), results))
    assert why.endswith(
        "; tested: 3 scenario(s) on local files, postgres; not tested: mysql-tracking, "
        "minio-artifacts (no URI known for scheme 'acme'); deployments (needs env:KEY); "
        "mssql-artifacts (mssql unavailable)"
    )


def test_a_cli_run_that_cannot_start_still_writes_reports(monkeypatch, tmp_path, capsys):
    from harness.model.errors import NotInstallable, UsageError

    def refuse(options):
        raise NotInstallable(
            "plugin p cannot be installed with MLflow 3.17.2: needs mlflow<3", "3.17.2", "mlflow<3"
        )

    monkeypatch.setattr("harness.run.session.execute", refuse)
    assert cli.main(["run", "p", "-j", "1", "--report-dir", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        "mlflow-plugin-harness: error: plugin p cannot be "
        "installed with MLflow 3.17.2: needs mlflow<3\n"
    )
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["error"] == {
        "kind": "install",
        "exit_code": 2,
        "message": "plugin p cannot be installed with MLflow 3.17.2: needs mlflow<3",
    }
    assert data["results"] == [] and RunReport.from_dict(data).results == []
    case = ET.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite/testcase")
    assert (case.get("classname"), case.get("name")) == ("harness.run", "plugin-install")
    assert "needs mlflow&lt;3" in (tmp_path / "out" / "report.html").read_text()

    def bad(options):
        raise UsageError("unknown scenario 'nope'")

    monkeypatch.setattr("harness.run.session.execute", bad)
    assert cli.main(["run", "p", "-j", "1", "--report-dir", str(tmp_path / "out")]) == 2
    assert json.loads((tmp_path / "out" / "report.json").read_text())["error"]["kind"] == "usage"
    error = ET.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite/testcase/error")
    assert (error.get("type"), error.get("message")) == ("usage", "unknown scenario 'nope'")


ITEM_TEST = """
import pytest

from harness.model.results import CheckResult, ScenarioResult, Status

def fake(self, scenario, version, *_upgrade):
    return ScenarioResult(scenario.name, "3.17.2", Status.INCONCLUSIVE, "tracking.runs: no URI",
                          checks=[CheckResult("tracking.runs", Status.INCONCLUSIVE, "no URI")])

def pytest_configure(config):
    from harness import pytest_plugin
    pytest_plugin.HarnessRun.result = fake
"""


def test_a_pytest_item_fails_with_the_reason(pytester: pytest.Pytester):
    pytester.makeconftest(ITEM_TEST)
    result = pytester.runpytest_subprocess(
        "--mlflow-plugin=.", "--mlflow-scenario=quickstart", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["quickstart (MLflow 3.17.2): inconclusive", "  inconclusive: tracking.runs: no URI"]
    )
