"""A run that cannot start (exit code 2) still writes report.json and junit.xml naming the
error, in --report-dir, so CI has something to publish; stderr keeps its one line (one per
error of a malformed scenario)."""

import xml.etree.ElementTree as ET

from tests.helpers import PLUGINS
from tests.integration.test_cli import error_lines, one_line_error


def error_case(outcome) -> ET.Element:
    root = ET.parse(outcome.report_dir / "junit.xml").getroot()
    assert (root.get("tests"), root.get("errors")) == ("1", "1")
    [case] = root.iter("testcase")
    return case


def test_a_missing_plugin_path_writes_reports_naming_it(harness):
    outcome = harness("run", "./tests/plugins/does-not-exist")
    assert outcome.code == 2
    message = "plugin path not found: ./tests/plugins/does-not-exist"
    assert one_line_error(outcome) == f"mlflow-plugin-harness: error: {message}"
    assert outcome.report["error"] == {"kind": "usage", "message": message, "exit_code": 2}
    assert outcome.report["results"] == [] and outcome.report["summary"]["passed"] == 0
    case = error_case(outcome)
    assert (case.get("classname"), case.get("name")) == ("harness.run", "usage")
    assert case.find("error").get("message") == message


def test_a_malformed_scenario_writes_reports_naming_every_error(harness, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("descripton: x\nchecks: [runs]\nstores:\n  trackng: x\ntimeout_s: 0\n")
    outcome = harness("run", str(PLUGINS / "reference-plugin"), "--scenario", str(bad))
    assert outcome.code == 2
    errors = [
        f"{bad}:1: descripton: unknown key (did you mean 'description'?)",
        f"{bad}:4: stores.trackng: unknown key (did you mean 'tracking'?)",
        f"{bad}:5: timeout_s: Input should be greater than or equal to 1",
    ]
    assert error_lines(outcome) == errors
    message = "\n".join(errors)
    assert outcome.report["error"] == {"kind": "usage", "message": message, "exit_code": 2}
    assert error_case(outcome).find("error").get("message") == message


def test_a_plugin_that_cannot_be_installed_writes_reports_naming_it(harness, tmp_path):
    plugin = tmp_path / "unsatisfiable"
    (plugin / "unsatisfiable").mkdir(parents=True)
    (plugin / "unsatisfiable" / "__init__.py").write_text("")
    (plugin / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "unsatisfiable"\nversion = "0.1.0"\n'
        'dependencies = ["packaging>=999"]\n'
    )
    outcome = harness("run", str(plugin))
    assert outcome.code == 2
    line = one_line_error(outcome)
    assert outcome.report["error"]["kind"] == "install"
    assert line == f"mlflow-plugin-harness: error: {outcome.report['error']['message']}"
    assert "packaging" in outcome.report["error"]["message"]
    case = error_case(outcome)
    assert (case.get("classname"), case.get("name")) == ("harness.run", "plugin-install")
    assert "packaging" in case.find("error").get("message")


def test_a_plugin_pinned_to_another_mlflow_writes_reports_naming_the_pin(harness):
    outcome = harness("run", str(PLUGINS / "pins-old-mlflow"), "--mlflow-version", "3.17.2")
    assert outcome.code == 2
    assert outcome.report["error"]["kind"] == "install"
    assert "requires mlflow" in outcome.report["error"]["message"]
    assert "requires mlflow" in error_case(outcome).find("error").get("message")
    assert (outcome.report_dir / "report.html").is_file()
