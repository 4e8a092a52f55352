"""Every check fails on a plugin built to break its contract, and names the defect."""

from pathlib import Path

import pytest

from tests.helpers import PLUGINS, leftovers, sharing

CASES = [
    ("import-error", "entry-points", "entry-points", "No module named 'mlflow.utils.time_utils'"),
    (
        "old-constructor",
        "entry-points",
        "entry-points",
        "unexpected keyword argument 'tracking_uri'",
    ),
    ("abstract-gaps", "entry-points", "abstract-methods", "_download_file, list_artifacts"),
    ("bad-headers", "entry-points", "providers", "non-str values for ['X-Retry-Count']"),
    ("context-raises", "quickstart", "context-tags", "raised KeyError: 'CLUSTER_ID'"),
    ("forgets-status", "quickstart", "runs", "has status RUNNING, not FINISHED"),
    ("truncates-params", "logging", "params", "is 'value', not 'value-0'"),
    ("drops-metric-step", "logging", "metrics", "has 19 point(s), expected 20"),
    ("keeps-first-tag", "logging", "tags", "is 'tag value 0', not 'overwritten'"),
    ("truncates-artifacts", "logging", "artifacts", "1000 bytes, expected 2097152"),
    ("truncates-artifacts", "logging", "models", "loading failed"),
    ("loses-version", "logging", "registry", "search_model_versions misses version(s) ['2']"),
    ("writes-local-disk", "postgres-tracking", "backend-rows", "no row in any table"),
    ("writes-local-disk", "minio-artifacts", "backend-objects", "no object for"),
    ("auth-once", "providers", "providers-applied", "request 2 carried Authorization=None"),
    (
        "default-experiment-missing",
        "providers",
        "providers-applied",
        "a run without an experiment failed: MlflowException: No Experiment with id=424242",
    ),
    ("bad-headers", "providers", "providers-applied", "no request reached the server"),
    (
        "deployment-forgets-delete",
        "deployments",
        "deployments",
        "'harness-deployment' still listed after delete_deployment",
    ),
    (
        "deployment-exits",
        "deployments",
        "workload:deployments",
        "SystemExit(None): exit() called, ending the process instead of raising",
    ),
    (
        "deployment-key-late",  # a need named after the target did work: a defect
        "deployments",
        "deployments",
        "predict() on [1.0, 2.5, -3.0] raised ValueError: Demo API key is required",
    ),
    (
        "deployment-get-no-name-constant-predict",
        "deployments",
        "deployments",
        "'state': 'ready'}, without the 'name' key MLflow documents",
    ),
    (
        "deployment-get-no-name-constant-predict",
        "deployments",
        "deployments",
        "predict() answers [2.0, 5.0, -6.0] whatever the input",
    ),
    (
        "deployment-get-no-name-constant-predict",
        "deployments",
        "deployments",
        "predict returned [2.0, 5.0, -6.0] for input [0.5, 7.0, -11.25, 40.0], the model gives "
        "[1.0, 14.0, -22.5, 80.0]",
    ),
    (
        "auth-returns-dict",
        "providers",
        "providers-applied",
        "get_auth() returned dict, which requests cannot use as an auth (it raised TypeError: ",
    ),
    ("app-flask-only", "app", "app", "app flask-only: /health answered 500"),
    (
        "project-never-runs",
        "projects",
        "projects",
        "wait() gave True, status FINISHED, run RUNNING",
    ),
    (
        "project-stays-scheduled",
        "projects",
        "projects",
        "wait() gave False, status SCHEDULED, run RUNNING",
    ),
    (
        "evaluator-returns-dict",
        "evaluators",
        "evaluators",
        "AttributeError: 'dict' object has no attribute 'metrics'",
    ),
    (
        "dataset-source-lossy",
        "datasets",
        "datasets",
        "its lossy source comes back from JSON as {'uri': 'lossy://'}",
    ),
    ("slow-batches", "tests/scenarios/load-small.yaml", "performance", "points/s ratio 0.0"),
    (
        "drops-metric-step",
        "tests/scenarios/load-small.yaml",
        "performance",
        "lost under load: run ",
    ),
    (
        "app-import-error",
        "app",
        "entry-points",
        "mlflow.app:broken-app (broken_app_import_error.app:create_app) fails to load: "
        "ModuleNotFoundError",
    ),
    (
        "dataset-unannotated",
        "entry-points",
        "entry-points",
        "MLflow did not register it at `import mlflow`: Failure attempting to register dataset",
    ),
]
SERVICES = {"postgres-tracking", "minio-artifacts"}
# What a broken plugin must NOT be failed for (false alarms once): plugin, scenario, check,
# text its detail must not contain (None: the check must pass)
NOT_FAILED_FOR = [
    ("deployment-update-returns-none", "deployments", "deployments", None),
    ("app-registry-uri", "app", "app", None),
]
# Contract checks (scenario `conformance`): plugin -> {check: what the failure must say}
CONTRACT_CASES = {
    "sloppy-tracking": {
        "tracking.experiments": "'pages of 2'",
        "tracking.runs": "'restored': plugin \"deleted\"",
        "tracking.params": "'changed value'",
        "tracking.metrics": "'special values'",
        "tracking.tags": "'after delete'",
        "tracking.log-batch": "'counts': plugin [50, 100, 800]",
        "tracking.search-runs": "'all, by name'",
        "tracking.inputs": "'read': plugin []",
        "tracking.logged-models": '\'create\': plugin {"error": "NotImplementedError"}',
        "tracking.methods": "Store: create_logged_model, log_inputs, restore_run",
    },
    "sloppy-artifacts": {
        "artifacts.files": "files/donn[differs at char",
        "artifacts.trees": "'listing'",
        "artifacts.delete": "del/gone.txt",
        "artifacts.methods": "SloppyRepository: delete_artifacts",
    },
    "sloppy-registry": {
        "registry.models": "'new name'",
        "registry.versions": "'update'",
        "registry.aliases": "'after delete'",
        "registry.tags": "'after delete'",
        "registry.stages": "'stages now'",
        "registry.methods": "delete_model_version_tag, delete_registered_model_alias",
    },
}

# Server-mode checks (scenario `server-postgres-minio`): plugin -> {check: failure text}
SERVER_CASES = {
    "hides-params": {
        "server-api": "param param1 is None through the server",
        "ui-screenshot": "rendered without param1",
    },
}


def test_every_check_has_a_broken_plugin():
    from harness.checks import REGISTRY as CHECKS
    from tests.integration.test_domain import BROKEN as DOMAIN_CASES

    covered = {
        check
        for cases in (CONTRACT_CASES, SERVER_CASES)
        for checks in cases.values()
        for check in checks
    }
    covered |= {"domain"} if DOMAIN_CASES else set()
    covered |= {"upgrade", "survived"}  # shown to fail in test_upgrades.py
    workloads = {check for _, _, check, _ in CASES if check.startswith("workload:")}
    assert {check for _, _, check, _ in CASES} - workloads | covered == set(CHECKS)


@pytest.mark.parametrize("plugin", [sharing(p) for p in sorted(SERVER_CASES)])
def test_broken_plugins_fail_the_server_checks_they_break(harness, docker_client, plugin):
    outcome = harness(
        "run", str(PLUGINS / "broken" / plugin), "--scenario", "server-postgres-minio", share=True
    )
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    checks = outcome.checks("server-postgres-minio")
    for check, detail in SERVER_CASES[plugin].items():
        assert checks[check]["status"] == "failed", (check, checks[check])
        assert detail in checks[check]["detail"], (check, checks[check]["detail"])
    assert "log of mlflow-server" in (outcome.report_dir / "report.html").read_text()
    assert leftovers(docker_client, run=outcome.report["run_id"]) == []


@pytest.mark.parametrize("plugin", [sharing(p) for p in sorted(CONTRACT_CASES)])
def test_broken_stores_fail_the_contract_features_they_break(harness, plugin):
    outcome = harness(
        "run", str(PLUGINS / "broken" / plugin), "--scenario", "conformance", share=True
    )
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    checks = outcome.checks("conformance")
    for check, detail in CONTRACT_CASES[plugin].items():
        assert (checks[check]["status"], checks[check]["blame"]) == ("failed", "plugin"), (
            check,
            checks[check],
        )
        assert detail in checks[check]["detail"], (check, checks[check]["detail"])
    others = {name: c["status"] for name, c in checks.items() if name not in CONTRACT_CASES[plugin]}
    assert set(others.values()) == {"skipped"}, others  # roles the plugin does not fill


def test_declared_unsupported_features_are_skipped_and_stale_declarations_fail(harness, tmp_path):
    config = tmp_path / "harness.yaml"
    config.write_text(
        "unsupported:\n  tracking.inputs: datasets are not stored yet\n"
        "  tracking.tags: declared, but the store does support tags\n"
        "missing_methods:\n  tracking.*logged_model*: written for MLflow 2\n"
        "  tracking.log_inputs: no datasets\n  tracking.restore_run: no undo\n"
    )
    outcome = harness(
        "run",
        str(PLUGINS / "broken" / "sloppy-tracking"),
        "--scenario",
        "conformance",
        "--config",
        str(config),
    )
    checks = outcome.checks("conformance")
    assert checks["tracking.inputs"]["status"] == "skipped"
    assert (
        checks["tracking.inputs"]["detail"] == "declared unsupported: datasets are not stored yet"
    )
    assert checks["tracking.methods"]["status"] == "passed", checks["tracking.methods"]
    assert checks["tracking.methods"]["detail"].endswith("; 3 declared missing")
    reference = harness(
        "run",
        str(PLUGINS / "reference-plugin"),
        "--scenario",
        "conformance",
        "--config",
        str(config),
    )
    assert reference.code == 1
    stale = reference.checks("conformance")["tracking.tags"]
    assert (
        stale["status"] == "failed" and "behaves exactly like MLflow's own store" in stale["detail"]
    )
    methods = reference.checks("conformance")["tracking.methods"]
    assert methods["status"] == "failed" and "declared missing but implemented" in methods["detail"]


@pytest.mark.parametrize(
    "plugin, scenario, check, detail", [sharing(c[0], *c, id=f"{c[0]}-{c[2]}") for c in CASES]
)
def test_broken_plugin_fails_the_check_it_breaks(harness, request, plugin, scenario, check, detail):
    if scenario in SERVICES:
        client = request.getfixturevalue("docker_client")
    outcome = harness("run", str(PLUGINS / "broken" / plugin), "--scenario", scenario, share=True)
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    result = outcome.checks(Path(scenario).stem)[check]
    assert (result["status"], result["blame"]) == ("failed", "plugin")
    assert detail in result["detail"]
    assert f"FAIL {check} [blame: plugin]: " in outcome.stdout
    if scenario in SERVICES:  # a failing run leaves nothing behind either
        assert leftovers(client, run=outcome.report["run_id"]) == []


@pytest.mark.parametrize(
    "plugin, scenario, check, wrong",
    [sharing(c[0], *c, id=f"{c[0]}-{c[2]}") for c in NOT_FAILED_FOR],
)
def test_plugins_are_not_failed_for_what_mlflow_allows(harness, plugin, scenario, check, wrong):
    outcome = harness("run", str(PLUGINS / "broken" / plugin), "--scenario", scenario, share=True)
    result = outcome.checks(scenario)[check]
    if wrong is None:
        assert result["status"] == "passed", (outcome.stdout + outcome.stderr, result)
    else:
        assert result["status"] == "failed" and wrong not in result["detail"], result


def test_a_plugin_whose_installation_breaks_import_mlflow_fails_and_names_the_file(harness):
    # Its artifact repository imports a dependency with Python 3.12-only syntax; MLflow loads it
    # at `import mlflow` and catches only ImportError there: `import mlflow` itself raises.
    outcome = harness(
        "run",
        str(PLUGINS / "broken" / "breaks-import-mlflow"),
        "--scenario",
        "entry-points",
        "--scenario",
        "quickstart",
        "--scenario",
        "postgres-tracking",
    )
    assert outcome.code == 1, outcome.stdout + outcome.stderr  # a defect, not bad input (2)
    broken = (
        "`import mlflow` breaks once the plugin is installed: SyntaxError: f-string: "
        "unmatched '[' (newsyntax_dep/provenance.py:8"
    )
    for scenario in ("entry-points", "quickstart", "postgres-tracking"):  # none an error
        check = outcome.checks(scenario)["entry-points"]
        assert (check["status"], check["blame"]) == ("failed", "plugin"), check
        assert broken in check["detail"], check["detail"]
        assert (
            "loading entry point mlflow.artifact_repository:breaks-import = "
            "breaks_import_mlflow.artifacts:ProvArtifactRepository"
        ) in check["detail"]
    assert {r["status"] for r in outcome.report["results"]} == {"failed"}
    assert outcome.checks("quickstart")["runs"]["detail"] == "not run: `import mlflow` breaks"
    [entry_point] = outcome.report["plugin"]["entry_points"]
    assert not entry_point["loaded"] and broken in entry_point["error"]
