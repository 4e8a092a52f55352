"""A plugin author adds the harness to their own pytest suite, as docs/pytest.md says: the plugin
lives outside this repository, its tests use the service fixtures, and `--mlflow-plugin=.`
adds the harness's scenarios as test items."""

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from tests.helpers import PLUGINS

AUTHORS_TEST = """
import boto3
import sqlalchemy as sa
from mlflow.entities import Param
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore


def test_my_store_on_postgres(mlflow_postgres):
    store = SqlAlchemyStore(mlflow_postgres.uri, "/tmp/unused")
    experiment = store.create_experiment("mine")
    run = store.create_run(experiment, "me", 0, [], "r")
    store.log_param(run.info.run_id, Param("p", "v"))
    assert store.get_run(run.info.run_id).data.params == {"p": "v"}


def test_every_test_gets_a_fresh_database(mlflow_postgres):
    engine = sa.create_engine(mlflow_postgres.uri)
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []
    engine.dispose()


def test_my_bucket(mlflow_minio):
    s3 = boto3.client("s3", endpoint_url=mlflow_minio.endpoint, region_name="us-east-1",
                      aws_access_key_id=mlflow_minio.access_key,
                      aws_secret_access_key=mlflow_minio.secret_key)
    s3.put_object(Bucket=mlflow_minio.bucket, Key="k", Body=b"v")
    assert mlflow_minio.env["MLFLOW_S3_ENDPOINT_URL"] == mlflow_minio.endpoint
"""


def test_plugin_authors_run_the_harness_from_their_own_pytest_suite(tmp_path, docker_client):
    project = tmp_path / "my-mlflow-plugin"  # outside this repository's tree
    shutil.copytree(
        PLUGINS / "reference-plugin", project, ignore=shutil.ignore_patterns("build", "*.egg-info")
    )
    (project / "tests").mkdir()
    (project / "tests" / "test_store.py").write_text(AUTHORS_TEST)
    junit = tmp_path / "junit.xml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--mlflow-plugin=.",
            "--mlflow-scenario=quickstart",
            "--mlflow-scenario=postgres-tracking",
            "--mlflow-scenario=mssql-artifacts",
            f"--junitxml={junit}",
            "-p",
            "no:cacheprovider",
            "-rs",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    assert set(cases) == {
        "test_my_store_on_postgres",
        "test_every_test_gets_a_fresh_database",
        "test_my_bucket",
        "quickstart",
        "postgres-tracking",
        "mssql-artifacts",
    }
    skipped = cases["mssql-artifacts"].find("skipped")
    assert skipped is not None and "mssql unavailable" in skipped.get("message")
    assert all(
        case.find("failure") is None and case.find("error") is None for case in cases.values()
    )
    assert (project / "reports" / "mlflow-plugin-harness" / "report.html").is_file()


def test_a_failing_scenario_fails_its_item_with_the_checks_and_container_logs(
    tmp_path, docker_client
):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"--mlflow-plugin={PLUGINS / 'broken' / 'writes-local-disk'}",
            "--mlflow-scenario=postgres-tracking",
            "-p",
            "no:cacheprovider",
            f"--mlflow-report-dir={tmp_path / 'reports'}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 1, proc.stdout[-4000:]
    assert "FAILED mlflow-plugin-harness::postgres-tracking" in proc.stdout
    assert "FAILED  backend-rows [blame: plugin]: run " in proc.stdout
    assert ": no row in any table" in proc.stdout
    assert "Captured log of postgres call" in proc.stdout
