"""Real third-party plugins from the package index, as users would name them."""

from tests.integration.conftest import PLUGINS  # noqa: F401


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
    assert applied["status"] == "failed" and "get_auth() returned None, which adds no header" \
        in applied["detail"]


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
    assert check["detail"].startswith("`import mlflow` breaks once the plugin is installed: "
                                      "SyntaxError: f-string")
    assert "(yprov4ml/prov2card.py:352" in check["detail"]
