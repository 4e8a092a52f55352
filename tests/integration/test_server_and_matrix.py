"""Server mode (the plugin inside `mlflow server`, the UI step automated; `server-local`, MLflow's
plugin walkthrough to its end) and the MLflow version matrix, on the reference plugin, a real
PyPI plugin and a plugin pinned to MLflow 2."""

import base64
import re

import pytest

from tests.helpers import PLUGINS, leftovers, runs_of

MATRIX = "2.22.1,3.17.2"
# the reference plugin's matrix run, which both tests of it read (share=True): on one worker
SCENARIOS = ("--scenario", "quickstart", "--scenario", "server-postgres-minio")
REFERENCE_MATRIX = (
    "run",
    str(PLUGINS / "reference-plugin"),
    "--mlflow-version",
    MATRIX,
    *SCENARIOS,
)
reference_matrix = pytest.mark.xdist_group("runs-reference-matrix")


@reference_matrix
def test_reference_plugin_inside_the_server_passes_and_the_report_shows_the_run_page(
    harness, docker_client
):
    outcome = harness(*REFERENCE_MATRIX, share=True)
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    result = next(
        r
        for r in outcome.report["results"]
        if (r["scenario"], r["mlflow_version"]) == ("server-postgres-minio", "3.17.2")
    )
    checks = {c["name"]: c for c in result["checks"]}
    assert {c["status"] for c in checks.values()} == {"passed"}, checks
    assert "the run page shows param1 and foo" in checks["ui-screenshot"]["detail"]
    assert result["stores"]["tracking"].startswith(
        "harness-ref:postgresql+psycopg2://harness:****@"
    )
    assert result["stores"]["server"].startswith("http://127.0.0.1:")
    screenshot = outcome.report_dir / result["attachments"]["screenshot"]
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    html = (outcome.report_dir / "report.html").read_text()
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert png in [base64.b64decode(data) for data in embedded]
    assert leftovers(docker_client, run=outcome.report["run_id"]) == []


# Plugins whose stores are local, each with the scheme its tracking URI on server-local takes
WALKTHROUGH = {
    "reference-plugin": "harness-ref:",
    "builtin-stores": "builtin-file:",
    "example-shaped": "example-shaped:",
}


@pytest.mark.parametrize("plugin", list(WALKTHROUGH))
def test_the_walkthroughs_last_step_shows_the_run_in_the_ui_for_local_stores(
    harness, docker_client, plugin
):
    outcome = harness("run", str(PLUGINS / plugin), "--scenario", "server-local")
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    (result,) = outcome.report["results"]
    checks = {c["name"]: c for c in result["checks"]}
    context = checks.pop("context-tags")  # passed where the plugin has a context provider
    assert context["status"] in {"passed", "skipped"}, context
    assert {c["status"] for c in checks.values()} == {"passed"}, checks
    assert "the run page shows param1 and foo" in checks["ui-screenshot"]["detail"]
    assert (outcome.report_dir / result["attachments"]["screenshot"]).stat().st_size > 10_000
    stores = result["stores"]  # the client wrote the plugin's store; the server read the same
    assert stores["tracking"].startswith(WALKTHROUGH[plugin]), stores
    assert stores["server"].startswith("http://127.0.0.1:"), stores
    assert leftovers(docker_client, run=outcome.report["run_id"]) == []


@runs_of("broken/stale-reader")
def test_a_store_blind_to_other_processes_writes_fails_only_the_walkthroughs_last_step(harness):
    stale = str(PLUGINS / "broken" / "stale-reader")
    outcome = harness("run", stale, "-s", "quickstart", "-s", "server-local", share=True)
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    assert outcome.report["matrix"]["quickstart"]["3.17.2"]["status"] == "passed"
    checks = outcome.checks("server-local")
    assert (checks["server-api"]["status"], checks["server-api"]["blame"]) == ("failed", "plugin")
    assert "runs/get of the quickstart's run" in checks["server-api"]["detail"]
    assert "answered 404" in checks["server-api"]["detail"]
    assert checks["runs"]["status"] == "passed"  # read back in a fresh process: found


@reference_matrix
def test_matrix_on_the_reference_plugin(harness, docker_client):
    outcome = harness(*REFERENCE_MATRIX, share=True)
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    matrix = outcome.report["matrix"]
    assert {
        scenario: {v: cell["status"] for v, cell in cells.items()}
        for scenario, cells in matrix.items()
    } == {
        "quickstart": {"2.22.1": "passed", "3.17.2": "passed"},
        "server-postgres-minio": {"2.22.1": "passed", "3.17.2": "passed"},
    }
    old = outcome.report["environments"][0]
    assert old["mlflow_version"] == "2.22.1" and old["constraints"][0].startswith("sqlalchemy<2.1")
    assert "compatibility matrix" in outcome.stdout
    html = (outcome.report_dir / "report.html").read_text()
    assert "<th>MLflow 2.22.1</th><th>MLflow 3.17.2</th>" in html
    assert len(re.findall(r"data:image/png;base64,", html)) == 2  # a run page per version


def test_matrix_on_a_pypi_plugin(harness):
    outcome = harness(
        "run", "mlflow-sysmetrics==0.1.3", "--mlflow-version", MATRIX, "--scenario", "quickstart"
    )
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    cells = outcome.report["matrix"]["quickstart"]
    assert {v: c["status"] for v, c in cells.items()} == {"2.22.1": "passed", "3.17.2": "passed"}


def test_a_pin_that_excludes_a_version_is_the_reason_in_the_matrix(harness):
    outcome = harness(
        "run",
        str(PLUGINS / "pins-old-mlflow"),
        "--mlflow-version",
        MATRIX,
        "--scenario",
        "entry-points",
    )
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    cells = outcome.report["matrix"]["entry-points"]
    assert cells["2.22.1"]["status"] == "passed"
    assert cells["3.17.2"] == {
        "status": "skipped",
        "reason": (
            "not installable with MLflow 3.17.2 "
            "(pin: pins-old-mlflow==0.1.0 requires mlflow>=2.22,<3)"
        ),
    }
    html = (outcome.report_dir / "report.html").read_text()
    assert "pin: pins-old-mlflow==0.1.0 requires mlflow&gt;=2.22,&lt;3" in html


SERVER_APP = """\
description: The plugin's server app in front of its stores, on local files.
requires: [app]
server: true
server_app: {app}
workloads: [{{kind: quickstart}}, {{kind: ui}}]
checks: [runs, params, metrics, server-api, ui-screenshot]
"""


def test_the_server_runs_with_the_plugins_app(harness, docker_client, tmp_path):
    scenario = tmp_path / "server-app.yaml"
    scenario.write_text(SERVER_APP.format(app="harness-ref-app"))
    outcome = harness("run", str(PLUGINS / "reference-plugin"), "--scenario", str(scenario))
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    assert {c["status"] for c in outcome.checks("server-app").values()} == {"passed"}


def test_a_server_app_that_cannot_serve_fails_with_the_servers_log(
    harness, docker_client, tmp_path
):
    scenario = tmp_path / "server-app.yaml"
    scenario.write_text(SERVER_APP.format(app="flask-only"))
    outcome = harness(
        "run", str(PLUGINS / "broken" / "app-flask-only"), "--scenario", str(scenario)
    )
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    server = outcome.checks("server-app")["server"]
    assert server["status"] == "failed", server
    assert server["detail"].startswith("mlflow server answers /health with 500; its log: ")
    assert "start_response" in server["detail"]
    assert outcome.report["results"][0]["logs"]["mlflow-server"]
    assert leftovers(docker_client, run=outcome.report["run_id"]) == []


def test_mlflow_2_chosen_by_the_plugins_pin_gets_the_sqlalchemy_constraint(harness):
    # No --mlflow-version: the resolver picks MLflow 2.x for the plugin's `mlflow<3`, and MLflow
    # 2.x does not import beside SQLAlchemy 2.1; the harness resolves again with the constraint.
    outcome = harness(
        "run",
        str(PLUGINS / "pins-old-mlflow"),
        "--scenario",
        "entry-points",
        "--scenario",
        "providers",
    )  # its header provider, on MLflow 2
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    [env] = outcome.report["environments"]
    assert env["mlflow_version"].startswith("2."), env
    assert env["constraints"][0].startswith(
        "sqlalchemy<2.1 (MLflow before 3.9 imports FallbackAsyncAdaptedQueuePool"
    ), env
    assert (
        f"MLflow {env['mlflow_version']} resolved: resolving again with sqlalchemy<2.1"
        in outcome.stderr
    )
    assert {r["scenario"]: r["status"] for r in outcome.report["results"]} == {
        "entry-points": "passed",
        "providers": "passed",
    }
    html = (outcome.report_dir / "report.html").read_text()
    assert "sqlalchemy&lt;2.1" in html or "sqlalchemy<2.1" in html
