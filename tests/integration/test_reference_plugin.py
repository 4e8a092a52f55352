"""The reference plugin passes every service-free scenario (the service scenarios are in
test_services.py); its environment is reused on the next run."""

import xml.etree.ElementTree as ET

from tests.helpers import PLUGINS, runs_of

# every service-free scenario; test_process_modes shares this run
LOCAL = (
    "entry-points",
    "quickstart",
    "logging",
    "providers",
    "conformance",
    "deployments",
    "app",
    "projects",
    "evaluators",
    "datasets",
)


@runs_of("reference-plugin")
def test_reference_plugin_passes_every_local_scenario(harness):
    args = (a for s in LOCAL for a in ("-s", s))
    outcome = harness("run", str(PLUGINS / "reference-plugin"), *args, share=True)
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    report = outcome.report
    assert report["summary"] == {
        "passed": 10,
        "failed": 0,
        "inconclusive": 0,
        "skipped": 0,
        "error": 0,
    }
    plugin = report["plugin"]
    assert plugin["name"] == "harness-reference-plugin"
    groups = {(e["group"], e["name"]) for e in plugin["entry_points"] if e["loaded"]}
    assert ("mlflow.tracking_store", "harness-ref") in groups
    assert ("mlflow.model_registry_store", "harness-ref") in groups
    checks = outcome.checks("logging")
    assert {name for name, c in checks.items() if c["status"] == "passed"} == {
        "runs",
        "params",
        "metrics",
        "tags",
        "artifacts",
        "models",
        "registry",
        "context-tags",
    }
    for result in report["results"]:
        assert {
            "scenario",
            "mlflow_version",
            "status",
            "reason",
            "duration_s",
            "services",
            "checks",
        } <= set(result)
    suites = ET.parse(outcome.report_dir / "junit.xml").getroot()
    assert len(list(suites.iter("testcase"))) == sum(len(r["checks"]) for r in report["results"])


def test_second_run_reuses_the_environment(harness, tmp_path):
    env = {"MLFLOW_PLUGIN_HARNESS_CACHE": str(tmp_path / "cache")}
    args = ("run", str(PLUGINS / "reference-plugin"), "--scenario", "entry-points")
    first = harness(*args, env=env)
    second = harness(*args, env=env)
    assert first.code == second.code == 0
    assert first.report["environments"][0]["reused"] is False
    assert second.report["environments"][0]["reused"] is True
    assert "environment: reused" in second.stdout
    assert second.report["environments"][0]["seconds"] < first.report["environments"][0]["seconds"]


def test_edited_plugin_gets_a_new_environment(harness, tmp_path):
    import shutil

    copy = tmp_path / "plugin"
    shutil.copytree(PLUGINS / "reference-plugin", copy)
    env = {"MLFLOW_PLUGIN_HARNESS_CACHE": str(tmp_path / "cache")}
    first = harness("run", str(copy), "--scenario", "entry-points", env=env)
    headers = copy / "harness_reference_plugin" / "headers.py"
    headers.write_text(headers.read_text().replace('"1"}', "2}"))
    second = harness("run", str(copy), "--scenario", "entry-points", env=env)
    assert first.code == 0 and second.code == 1
    assert second.report["environments"][0]["reused"] is False
    assert "non-str values" in second.checks("entry-points")["providers"]["detail"]
