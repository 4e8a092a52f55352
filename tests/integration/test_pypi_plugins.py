"""Real third-party plugins from the package index, as users would name them."""


def test_mlflow_sysmetrics_run_context_provider(harness):
    outcome = harness("run", "mlflow-sysmetrics==0.1.3", "--scenario", "quickstart")
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    assert outcome.report["plugin"]["name"] == "mlflow-sysmetrics"
    assert outcome.checks("quickstart")["context-tags"]["status"] == "passed"


def test_mlflow_dbstore_fails_on_current_mlflow(harness):
    outcome = harness("run", "mlflow-dbstore==1.0.1", "--scenario", "entry-points")
    assert outcome.code == 1
    assert outcome.checks("entry-points")["entry-points"]["status"] == "failed"


def test_mlflow_plugin_proxy_auth_authenticates_every_request(harness):
    outcome = harness("run", "mlflow-plugin-proxy-auth==0.1.1", "--scenario", "providers")
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    assert outcome.checks("providers")["providers-applied"]["status"] == "passed"


def test_mlflow_secrets_auth_gives_no_auth_without_a_secret_manager(harness):
    outcome = harness("run", "mlflow-secrets-auth==0.2.0", "--scenario", "providers")
    assert outcome.code == 1
    applied = outcome.checks("providers")["providers-applied"]
    # get_auth() returns None there (the harness once called it and blamed get_auth() for the
    # TypeError it raised itself)
    assert (
        applied["status"] == "failed"
        and "get_auth() returned None, which adds no header" in applied["detail"]
    )


def test_mlflow_greenplum_plugin_imports_an_mlflow_internal_that_moved(harness):
    outcome = harness("run", "mlflow-greenplum-plugin==0.1.0", "--scenario", "entry-points")
    assert outcome.code == 1
    detail = outcome.checks("entry-points")["entry-points"]["detail"]
    assert "SqlTraceRequestMetadata" in detail


def test_yprov_breaks_import_mlflow_which_is_its_defect_not_bad_input(harness):
    outcome = harness("run", "yprov-mlflow-plugin==0.2.0", "--scenario", "entry-points")
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    check = outcome.checks("entry-points")["entry-points"]
    assert (check["status"], check["blame"]) == ("failed", "plugin")
    assert check["detail"].startswith(
        "`import mlflow` breaks once the plugin is installed: SyntaxError: f-string"
    )
    assert "(yprov4ml/prov2card.py:352" in check["detail"]


def test_mlflow_maip_with_a_guessed_uri_is_inconclusive_not_failed(harness):
    outcome = harness("run", "mlflow-maip==1.1.0", "--scenario", "quickstart")
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    result = outcome.report["results"][0]
    assert result["status"] == "inconclusive", result
    # its guess opens MLflow's own file store, which MLflow 3 refuses without its switch
    assert result["reason"].startswith(
        "needs MLflow's switch MLFLOW_ALLOW_FILE_STORE=true or a URI template: the plugin's "
        "tracking store refuses the guessed URI maip:{workdir}/tracking without the switch"
    ), result["reason"]


def test_mlflow_dynamodbstore_workspace_provider_cannot_be_called_as_mlflow_calls_it(harness):
    outcome = harness(
        "run",
        "mlflow-dynamodbstore==0.1.0",
        "--scenario",
        "entry-points",
        "--scenario",
        "quickstart",
    )
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    detail = outcome.checks("entry-points")["entry-points"]["detail"]
    assert (
        "mlflow.workspace_provider:dynamodb: cannot be called as MLflow calls it, "
        "(workspace_uri=...)" in detail
    )
    assert "flask-wtf only in its 'dev' extra" in detail
    quickstart = next(r for r in outcome.report["results"] if r["scenario"] == "quickstart")
    assert quickstart["status"] == "inconclusive", quickstart  # its URI form is dynamodb://


def test_mlflow_go_backend_replaces_mlflows_registry_stores_and_is_tested_as_them(harness):
    outcome = harness("run", "mlflow-go-backend==0.2.2", "--scenario", "conformance")
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    conformance = outcome.report["results"][0]
    assert conformance["stores"]["overrides"] == "registry: sqlite"
    assert conformance["checks"] and {
        c["status"] for c in conformance["checks"] if c["name"].startswith("registry.")
    } == {"passed"}
    overrides = {e["name"] for e in outcome.report["plugin"]["entry_points"] if e["overrides"]}
    assert overrides == {"mssql", "mysql", "postgresql", "sqlite"}  # its registry stores
    broken = [e for e in outcome.report["plugin"]["entry_points"] if not e["loaded"]]
    assert broken and all("(mlflow_go_backend/store/tracking.py:" in e["error"] for e in broken)


def test_mlflow_tclake_needs_its_cloud_secret_and_installs_a_top_level_tests(harness):
    outcome = harness(
        "run", "mlflow-tclake-plugin==3.0.17", "--scenario", "logging", "--scenario", "entry-points"
    )
    logging = next(r for r in outcome.report["results"] if r["scenario"] == "logging")
    assert logging["status"] == "skipped", logging
    assert logging["reason"].startswith("needs env:KERNEL_WEDATA_CLOUD_SDK_SECRET_ID")
    detail = outcome.checks("entry-points")["entry-points"]["detail"]
    assert "installs a top-level package 'tests'" in detail
