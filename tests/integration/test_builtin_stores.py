"""The no-false-alarm tier: MLflow's own built-in stores, wrapped as a plugin, pass everything.

`tests/plugins/builtin-stores` is MLflow's FileStore, LocalArtifactRepository, SqlAlchemyStore
and S3ArtifactRepository behind plugin schemes, changed in nothing else. Whatever the harness
found wrong with it, it would find wrong with MLflow itself: every scenario that applies must
pass, on every backend and both MLflow versions; what MLflow's own stores do differently from
each other is an upstream note, never a failure.
"""

import xml.etree.ElementTree as ET

from tests.helpers import PLUGINS, leftovers

MATRIX = "2.22.1,3.17.2"
# one scenario or more per backend: local files, PostgreSQL, MySQL, S3 (the contract suite runs in
# conformance, postgres-tracking, mysql-tracking and minio-artifacts, and the domain workload in
# the last three; on local files, tests/integration/test_domain.py); the reference plugin's tests
# cover the rest of the default set (load, faults, server mode) with the same stores
SCENARIOS = (
    "quickstart",
    "logging",
    "conformance",
    "postgres-tracking",
    "mysql-tracking",
    "minio-artifacts",
)


def test_mlflows_own_stores_as_a_plugin_pass_on_every_backend_and_both_versions(
    harness, docker_client
):
    outcome = harness(
        "run",
        str(PLUGINS / "builtin-stores"),
        "--mlflow-version",
        MATRIX,
        *(arg for s in SCENARIOS for arg in ("--scenario", s)),
        "--seed",
        "3",  # the domain workload's; other seeds: tests/integration/test_domain.py
        timeout=2400,
    )
    assert outcome.code == 0, outcome.stdout[-6000:] + outcome.stderr[-3000:]
    cells = {(r["scenario"], r["mlflow_version"]): r for r in outcome.report["results"]}
    assert {key: r["status"] for key, r in cells.items()} == {
        (s, v): "passed" for s in SCENARIOS for v in MATRIX.split(",")
    }
    notes = outcome.report["upstream_notes"]
    assert notes["count"] == len(notes["notes"]) > 0
    assert any(
        "3.17.2" in n and "MLflow's own FileStore does the same" in n for n in notes["notes"]
    ), notes
    assert outcome.report["blame"] == {"plugin": 0, "mlflow": 0, "harness": 0, "infrastructure": 0}
    root = ET.parse(outcome.report_dir / "junit.xml").getroot()
    props = {p.get("name"): p.get("value") for p in root.find("properties")}
    assert props["upstream-notes"] == str(notes["count"])
    assert "upstream note(s)" in (outcome.report_dir / "report.html").read_text()
    assert f"{notes['count']} upstream note(s)" in outcome.stdout
    assert leftovers(docker_client, run=outcome.report["run_id"]) == []


def test_a_template_that_does_not_use_the_service_skips_the_scenario(
    harness, tmp_path, docker_client
):
    config = tmp_path / "one-template.yaml"
    config.write_text(
        'schemes:\n  builtin-file:\n    tracking: "builtin-file:{workdir}/mlruns"\n'
        '    registry: "builtin-file:{workdir}/mlruns"\n'
    )
    outcome = harness(
        "run",
        str(PLUGINS / "builtin-stores"),
        "--config",
        str(config),
        "--scenario",
        "postgres-tracking",
        "--scenario",
        "quickstart",
    )
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    cells = {r["scenario"]: r for r in outcome.report["results"]}
    assert cells["quickstart"]["status"] == "passed"
    skipped = cells["postgres-tracking"]
    assert skipped["status"] == "skipped", skipped
    assert skipped["reason"] == (
        "the plugin's URI template for tracking ('builtin-file:{workdir}/mlruns'), registry "
        "('builtin-file:{workdir}/mlruns') does not use postgres: this scenario would not test "
        "the plugin on postgres"
    )


def test_an_app_that_fails_to_import_fails_the_app_scenario_and_nothing_else(harness):
    outcome = harness(
        "run",
        str(PLUGINS / "broken" / "app-import-error"),
        "--scenario",
        "app",
        "--scenario",
        "providers",
        "--scenario",
        "quickstart",
    )
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    cells = {r["scenario"]: r for r in outcome.report["results"]}
    assert cells["app"]["status"] == "failed"
    assert cells["app"]["checks"][0]["blame"] == "plugin"
    assert cells["providers"]["status"] == "passed", cells["providers"]  # its header provider
    # the local quickstart exercises neither an app nor a header provider: nothing to test
    assert cells["quickstart"]["status"] == "skipped", cells["quickstart"]
    assert cells["quickstart"]["reason"].startswith("not applicable")


def test_a_plugin_shaped_like_mlflows_example_passes_and_its_real_gap_is_named(harness, tmp_path):
    """FileStore and LocalArtifactRepository subclasses and a SQL registry under one scheme:
    what MLflow's own FileStore does (an extra step-0 point in 3.17, ±inf kept, other error
    codes, its SQL-only methods) is noted, never failed; a registry given a URI it cannot take
    (no template for it) is the plugin's failure, with the store's own words."""
    plugin = str(PLUGINS / "example-shaped")
    config = tmp_path / "registry.yaml"
    config.write_text('schemes:\n  example-shaped:\n    registry: "example-shaped:{uri}"\n')
    outcome = harness(
        "run",
        plugin,
        "--config",
        str(config),
        "--mlflow-version",
        "3.17.2",
        "--scenario",
        "quickstart",
        "--scenario",
        "logging",
        "--scenario",
        "conformance",
    )
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    notes = outcome.report["upstream_notes"]["notes"]
    assert any("metrics: MLflow's own FileStore does the same" in n for n in notes), notes
    assert any("tracking.methods: MLflow's own FileStore does the same" in n for n in notes)

    bare = harness("run", plugin, "--mlflow-version", "3.17.2", "--scenario", "logging")
    assert bare.code == 1, bare.stdout + bare.stderr
    failed = {n: c for n, c in bare.checks("logging").items() if c["status"] in ("failed", "error")}
    assert list(failed) == ["registry"], failed
    assert failed["registry"]["blame"] == "plugin"
    assert (
        "registering a model through the plugin's registry store at example-shaped:"
        in (failed["registry"]["detail"])
    )
    assert "Invalid database engine" in failed["registry"]["detail"]
