"""Real containers: the service scenarios, cleanup after every kind of ending, credentials."""

from __future__ import annotations

import os
import time

import pytest

from harness.services.pool import ServicePool
from tests.helpers import (
    PLUGINS,
    kill_hard,
    leftovers,
    start_harness,
    temp_dirs,
    wait_for,
)

REFERENCE = str(PLUGINS / "reference-plugin")


def _started(pool: ServicePool) -> dict:
    """PostgreSQL, MinIO and MySQL started in ``pool``, each asserted to be running."""
    outcomes = pool.start({("postgres", None): None, ("minio", None): None, ("mysql", None): None})
    for key, outcome in outcomes.items():
        assert outcome.service is not None, (key, outcome.skipped, outcome.error)
    return outcomes


def test_services_publish_on_loopback_only_and_answer_real_round_trips(docker_client):
    with ServicePool(progress=lambda _m: None) as pool:
        outcomes = _started(pool)
        run_id = pool.labels.run_id
        containers = docker_client.containers.list(
            filters={"label": f"mlflow-plugin-harness.run={run_id}"}
        )
        assert len(containers) == 3
        for container in containers:
            for bindings in container.attrs["HostConfig"]["PortBindings"].values():
                assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}
            assert container.attrs["HostConfig"]["NetworkMode"] == pool.labels.name("net")
            labels = container.labels
            assert labels["mlflow-plugin-harness.pid"] == str(os.getpid())
        postgres = outcomes[("postgres", None)].service
        binding = postgres.provision(
            "round-trip",
            lambda url: postgres.execute("CREATE TABLE t (a VARCHAR(10))", url.rsplit("/", 1)[1]),
        )
        assert "t" in postgres.inspect(binding)["tables"]
        mysql = outcomes[("mysql", None)].service  # a double comes back as stored, all digits
        binding = mysql.provision("doubles", lambda url: None)
        mysql.execute("CREATE TABLE t (v DOUBLE)", binding.values["database"])
        mysql.execute("INSERT INTO t VALUES (0.025438488341390397)", binding.values["database"])
        assert mysql.inspect(binding)["tables"]["t"]["rows"] == [[0.025438488341390397]]
        minio = outcomes[("minio", None)].service
        bucket = minio.provision("round-trip", lambda url: None)
        minio.client().put_object(Bucket=bucket.values["bucket"], Key="k", Body=b"v")
        assert list(minio.inspect(bucket)["objects"]) == ["k"]
    assert leftovers(docker_client, run=run_id) == []


def test_cleanup_sweeps_a_killed_run_but_never_a_live_one(docker_client, harness, tmp_path):
    log = tmp_path / "stderr.log"
    proc = start_harness(
        ["run", REFERENCE, "-s", "postgres-tracking", "--report-dir", str(tmp_path)], log
    )
    wait_for(log, "workload", proc)
    assert harness("cleanup").code == 0
    assert leftovers(docker_client, pid=str(proc.pid)), "cleanup removed a live run's services"
    kill_hard(proc)
    assert leftovers(docker_client, pid=str(proc.pid)) and temp_dirs(proc.pid)
    outcome = harness("cleanup")
    assert outcome.code == 0 and "container mlflow-plugin-harness-" in outcome.stdout
    assert leftovers(docker_client, pid=str(proc.pid)) == []
    assert temp_dirs(proc.pid) == []


def test_the_next_run_sweeps_what_a_killed_run_left(docker_client, harness, tmp_path):
    log = tmp_path / "stderr.log"
    proc = start_harness(
        ["run", REFERENCE, "-s", "minio-artifacts", "--report-dir", str(tmp_path)], log
    )
    wait_for(log, "workload", proc)
    kill_hard(proc)
    assert leftovers(docker_client, pid=str(proc.pid))
    outcome = harness("run", REFERENCE, "-s", "minio-artifacts")
    assert outcome.code == 0, outcome.stderr
    assert "left by dead runs" in outcome.stderr
    assert leftovers(docker_client, pid=str(proc.pid)) == []
    assert leftovers(docker_client, run=outcome.report["run_id"]) == []


def test_without_docker_service_scenarios_end_in_an_error_with_the_fix(harness):
    nowhere = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    sandboxed = harness("run", REFERENCE, "-s", "quickstart", env=nowhere)
    assert sandboxed.code == 3, sandboxed.stderr  # the sandbox itself needs Docker
    error = sandboxed.stderr.strip().splitlines()[-1]  # one line, after the progress
    assert "error: the sandbox cannot start" in error, sandboxed.stderr
    assert "scripts/ensure-docker" in error and "--no-sandbox" in error, error
    outcome = harness(
        "run",
        REFERENCE,
        "--no-sandbox",
        "-s",
        "quickstart",
        "-s",
        "postgres-tracking",
        env=nowhere,
    )
    assert outcome.code == 3, outcome.stderr
    results = {r["scenario"]: r for r in outcome.report["results"]}
    assert results["quickstart"]["status"] == "passed"
    assert results["postgres-tracking"]["status"] == "error"
    assert "Docker is not reachable" in results["postgres-tracking"]["reason"]
    assert "scripts/ensure-docker" in results["postgres-tracking"]["reason"]
    alone = harness("run", REFERENCE, "--no-sandbox", "-s", "quickstart", env=nowhere)
    assert alone.code == 0, alone.stderr  # a run that needs no container needs no Docker


def test_doctor_reports_each_part_with_its_fix(docker_client, harness):
    outcome = harness("doctor")
    assert outcome.code == 0, outcome.stdout
    for topic in (
        "engine",
        "image postgres",
        "image mysql",
        "image minio",
        "image mssql",
        "registry",
        "browser",
        "CA bundle",
    ):
        assert topic in outcome.stdout
    assert "fix: docker pull mcr.microsoft.com/mssql/server" in outcome.stdout
    broken = harness("doctor", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert broken.code == 3 and "fix: sudo scripts/ensure-docker" in broken.stdout


def test_a_paused_service_makes_the_harness_give_up_not_hang(docker_client):
    """A frozen server accepts connections and never answers: every call the harness itself
    makes to it is bounded (connect and read timeouts), and it recovers when unpaused."""
    with ServicePool(progress=lambda _m: None) as pool:
        run_id = pool.labels.run_id
        for key, outcome in _started(pool).items():
            container = docker_client.containers.get(outcome.service.container_name)
            container.pause()
            try:
                started = time.monotonic()
                with pytest.raises(Exception):  # noqa: B017 - whatever its client raises
                    outcome.service.ping()
                assert time.monotonic() - started < 45, key
            finally:
                container.unpause()
            outcome.service.ping()
    assert leftovers(docker_client, run=run_id) == []


def test_the_harness_leaves_testcontainers_reaper_setting_to_the_plugins_own_tests(
    docker_client, monkeypatch
):
    """A plugin author's testcontainers in the same pytest session keep their reaper (Ryuk);
    the harness's own containers start without one (it sweeps them itself)."""
    from testcontainers.core.config import testcontainers_config

    monkeypatch.setattr(testcontainers_config, "ryuk_disabled", False)
    with ServicePool(progress=lambda _m: None) as pool:
        outcome = pool.start({("postgres", None): None})[("postgres", None)]
        assert outcome.service is not None, (outcome.skipped, outcome.error)
        assert testcontainers_config.ryuk_disabled is False
    reapers = docker_client.containers.list(all=True, filters={"name": "testcontainers-ryuk"})
    assert reapers == []
