"""The HTML report: self-contained, the matrix in it, secrets masked, screenshots embedded."""

from harness.model.results import CheckResult, PluginInfo, RunReport, ScenarioResult, Status
from harness.reports.html import render
from harness.reports.report import Masker


def report(tmp_path):
    (tmp_path / "screenshots").mkdir()
    (tmp_path / "screenshots" / "shot.png").write_bytes(b"\x89PNG fake")
    ok = ScenarioResult(
        "quickstart",
        "3.17.2",
        Status.PASSED,
        attachments={"screenshot": "screenshots/shot.png"},
        checks=[
            CheckResult("runs", Status.PASSED, "1 run"),
            CheckResult(
                "metrics",
                Status.PASSED,
                "as FileStore does",
                notes=["MLflow's own FileStore does the same: 21 points"],
            ),
        ],
    )
    bad = ScenarioResult(
        "quickstart",
        "2.22.1",
        Status.FAILED,
        "runs: lost hunter2secret",
        checks=[CheckResult("runs", Status.FAILED, "lost hunter2secret")],
        logs={"postgres": "FATAL password hunter2secret"},
    )
    skipped = ScenarioResult(
        "server",
        "2.22.1",
        Status.SKIPPED,
        "not installable with MLflow 2.22.1 (pin: x requires mlflow>=3)",
    )
    return RunReport(
        PluginInfo("p", "p", "1.0", []),
        [bad, skipped, ok],
        [{"installable": False, "mlflow_version": "2.22.1", "reason": "pin"}],
        "run1",
        secrets={"hunter2secret"},
    )


def test_the_report_is_one_file_with_the_matrix_masked_and_images_inline(tmp_path):
    text = render(report(tmp_path), Masker({"hunter2secret"}), tmp_path)
    assert "hunter2secret" not in text and "****" in text
    assert "<script" not in text and "http://" not in text and "https://" not in text
    assert 'src="data:image/png;base64,' in text and "@@IMAGE" not in text
    assert "MLflow 2.22.1</th><th>MLflow 3.17.2</th>" in text
    assert "not installable with MLflow 2.22.1 (pin: x requires mlflow&gt;=3)" in text
    assert "log of postgres" in text and "<details open>" in text


def test_the_matrix_is_scenario_by_version(tmp_path):
    matrix = report(tmp_path).matrix()
    assert list(matrix) == ["quickstart", "server"]
    assert matrix["quickstart"]["2.22.1"]["status"] == "failed"
    assert matrix["quickstart"]["3.17.2"] == {"status": "passed", "reason": ""}
    assert "pin: x requires" in matrix["server"]["2.22.1"]["reason"]


def test_blame_for_every_failed_check_and_the_upstream_notes_are_shown(tmp_path):
    text = render(report(tmp_path), Masker({"hunter2secret"}), tmp_path)
    assert "<th>blame</th>" in text and "<td>plugin</td>" in text
    assert "checks blamed on: plugin 1; 1 upstream note(s)" in text
    assert "upstream: MLflow&#x27;s own FileStore does the same: 21 points" in text
