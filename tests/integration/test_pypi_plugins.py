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
