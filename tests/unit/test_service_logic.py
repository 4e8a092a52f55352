"""Pure logic of the services: names, URLs, credentials, readiness, provisioning order.

SQL Server cannot run on these machines (only Microsoft's image exists), so everything about
it short of a live server is tested here.
"""

from pathlib import Path

import pytest

from harness.model.catalog import CATALOG
from harness.services import engine, service_class
from harness.services.base import ServiceError, random_password, wait_until_ready
from harness.services.images import apt_mirror
from harness.services.minio import bucket_name
from harness.services.sql import cell, database_name

LABELS = engine.RunLabels(run_id="abc", pid=1, host="h")


class FakeContainer:
    def __init__(self, status="running"):
        self.status = status

    def reload(self):
        pass

    def logs(self, tail=5):
        return b"starting\nstill starting"


def make(name):
    service = service_class(name)(LABELS, "net")
    service.host_port = 14330
    return service


def test_every_catalog_entry_has_a_service_with_a_pinned_default_image():
    for name in CATALOG:
        cls = service_class(name)
        assert cls.kind == name
        assert ":" in cls.image_spec.official and not cls.image_spec.official.endswith(":latest")


def test_mssql_url_driver_credentials_and_no_local_build():
    mssql = make("mssql")
    assert mssql.url("db1") == f"mssql+pymssql://sa:{mssql.password}@127.0.0.1:14330/db1"
    pw = mssql.password
    assert (
        any(c.isupper() for c in pw)
        and any(c.islower() for c in pw)
        and any(c.isdigit() for c in pw)
    )
    assert len(pw) >= 8 and pw != make("mssql").password  # random per run
    env = mssql.container_env()
    assert env["ACCEPT_EULA"] == "Y" and env["MSSQL_SA_PASSWORD"] == pw
    assert mssql.image_spec.build is None and "Microsoft" in mssql.image_spec.why_no_build
    assert mssql.ready_timeout >= 120  # recovery refuses logins for a while


def test_mssql_creates_and_migrates_each_database_outside_a_transaction(monkeypatch):
    mssql = make("mssql")
    calls = []
    monkeypatch.setattr(mssql, "execute", lambda sql, database=None: calls.append(("sql", sql)))
    first = mssql.provision("My-Scenario", lambda url: calls.append(("migrate", url)))
    mssql.provision("other", lambda url: calls.append(("migrate", url)))
    assert calls == [
        ("sql", "CREATE DATABASE my_scenario"),
        ("migrate", mssql.url("my_scenario")),
        ("sql", "CREATE DATABASE other"),
        ("migrate", mssql.url("other")),
    ]
    assert first.values["database"] == "my_scenario" and first.values["user"] == "sa"


def test_mssql_engine_for_database_creation_autocommits():
    engine_ = make("mssql").engine("master", autocommit=True)
    assert engine_.url.drivername == "mssql+pymssql"
    assert engine_.dialect._on_connect_isolation_level == "AUTOCOMMIT"


def test_postgres_migrates_once_then_clones_the_template(monkeypatch):
    pg = make("postgres")
    calls = []
    monkeypatch.setattr(pg, "execute", lambda sql, database=None: calls.append(sql))
    migrations = []
    pg.provision("a", migrations.append)
    pg.provision("b", migrations.append)
    assert migrations == [pg.url("harness_mlflow_template")]
    assert calls == [
        "CREATE DATABASE harness_mlflow_template",
        "CREATE DATABASE a TEMPLATE harness_mlflow_template",
        "CREATE DATABASE b TEMPLATE harness_mlflow_template",
    ]


def test_readiness_retries_until_the_round_trip_succeeds():
    attempts = []

    def ping():
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionRefusedError("Login failed for user 'sa'")

    assert wait_until_ready(ping, FakeContainer(), timeout=10, what="mssql") >= 0
    assert len(attempts) == 3


def test_readiness_fails_with_the_last_error_and_the_log():
    def ping():
        raise ConnectionRefusedError("Login failed")

    with pytest.raises(
        ServiceError, match=r"not ready within 0.3 s .*Login failed.*still starting"
    ):
        wait_until_ready(ping, FakeContainer(), timeout=0.3, what="mssql")
    with pytest.raises(ServiceError, match="exited while starting"):
        wait_until_ready(ping, FakeContainer("exited"), timeout=5, what="mssql")


def test_names_and_cells():
    assert database_name("postgres-minio") == "postgres_minio"
    assert bucket_name("Postgres_Minio") == "postgres-minio"
    assert bucket_name("a") == "a00"
    assert cell(b"abc") == {
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "size": 3,
    }
    password = random_password()
    assert len(password) == 24 and password.isalnum()


def test_labels_and_owner_liveness():
    labels = engine.RunLabels().as_dict()
    assert labels[engine.LABEL] == "1" and labels[engine.LABEL_HOST]
    assert not engine._owner_gone(labels)  # this very process
    assert engine._owner_gone({**labels, engine.LABEL_PID: "999999999"})
    assert not engine._owner_gone(
        {**labels, engine.LABEL_PID: "999999999", engine.LABEL_HOST: "another-machine"}
    )


def test_apt_mirror_from_deb822_and_one_line_sources(tmp_path: Path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n"
        "Components: main\n\nTypes: deb\nURIs: http://mirror.example/security\n"
        "Suites: bookworm-security\n"
    )
    assert apt_mirror("bookworm", tmp_path) == "http://mirror.example/debian"
    (tmp_path / "sources.list.d" / "debian.sources").unlink()
    (tmp_path / "sources.list").write_text(
        "# c\ndeb [arch=amd64] http://old.example/debian trixie main\n"
    )
    assert apt_mirror("trixie", tmp_path) == "http://old.example/debian"


def test_image_override_scenario_then_environment_then_default(monkeypatch):
    from harness.services.images import pull_policy
    from harness.services.pool import image_override

    monkeypatch.delenv("MLFLOW_PLUGIN_HARNESS_POSTGRES_IMAGE", raising=False)
    assert image_override("postgres", None) is None
    monkeypatch.setenv("MLFLOW_PLUGIN_HARNESS_POSTGRES_IMAGE", "postgres:16")
    assert image_override("postgres", None) == "postgres:16"
    assert image_override("postgres", "postgres:17") == "postgres:17"
    monkeypatch.setenv("MLFLOW_PLUGIN_HARNESS_PULL", "sometimes")
    with pytest.raises(Exception, match="expected one of auto, never, always"):
        pull_policy()
