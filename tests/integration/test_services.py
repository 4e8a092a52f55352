"""Real containers: the service scenarios, cleanup after every kind of ending, credentials."""

from __future__ import annotations

import os
import time

import pytest

from harness import cli
from harness.services import base as services_base
from harness.server import MlflowServer
from harness.services.pool import ServicePool
from tests.integration.conftest import (PLUGINS, kill_hard, leftovers, start_harness, temp_dirs,
                                       wait_for)

SERVICE_SCENARIOS = ["postgres-tracking", "minio-artifacts", "postgres-minio", "mysql-tracking",
                     "server-postgres-minio", "mssql-artifacts"]
REFERENCE = str(PLUGINS / "reference-plugin")


def test_reference_plugin_passes_on_real_services_and_no_password_is_written(
        docker_client, tmp_path, capsys, monkeypatch):
    generated: list[str] = []
    original = services_base.random_password

    def recording(length: int = 24) -> str:
        generated.append(original(length))
        return generated[-1]

    monkeypatch.setattr(services_base, "random_password", recording)
    servers: list[dict] = []  # the server container as Docker ran it, seen while it runs
    start = MlflowServer.start

    def inspecting(self, spec, progress):
        url = start(self, spec, progress)
        servers.append(docker_client.api.inspect_container(self._container.id))
        return url

    monkeypatch.setattr(MlflowServer, "start", inspecting)
    report_dir = tmp_path / "reports"
    args = ["run", REFERENCE, "--report-dir", str(report_dir)]
    for name in SERVICE_SCENARIOS:
        args += ["--scenario", name]
    code = cli.main(args)
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    import json

    report = json.loads((report_dir / "report.json").read_text())
    results = {r["scenario"]: r for r in report["results"]}
    for name in SERVICE_SCENARIOS[:-1]:
        assert results[name]["status"] == "passed", results[name]["reason"]
        assert results[name]["services"], name
        backend = [c for c in results[name]["checks"] if c["name"].startswith("backend-")]
        assert backend and all(c["status"] == "passed" for c in backend), backend
    mssql = results["mssql-artifacts"]
    assert mssql["status"] == "skipped"
    assert "only as Microsoft's image" in mssql["reason"]
    for result in results.values():
        for service in result["services"]:
            assert service["image"]
            if service["kind"] == "minio" and service["image"].startswith("mlflow-plugin-harness/"):
                assert service["substitute_for"] == "minio"
    assert leftovers(docker_client, run=report["run_id"]) == []
    # the plugin's code in the server: unprivileged, no Docker socket, not on the host network
    (server,) = servers
    assert server["Config"]["User"] == "10001:10001" and not server["HostConfig"]["Privileged"]
    assert not any("docker.sock" in m["Source"] for m in server["Mounts"])
    assert server["HostConfig"]["NetworkMode"] not in ("host", "default", "bridge")
    assert {b["HostIp"] for b in server["NetworkSettings"]["Ports"]["5000/tcp"]} == {"127.0.0.1"}
    # credentials: random per service, never in any report, log, screenshot or console line
    assert len(generated) >= 3 and len(set(generated)) == len(generated)
    files = [p for p in report_dir.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".json", ".xml", ".html", ".png"}
    written = [out.out, out.err] + [p.read_text(errors="replace") for p in files]
    for secret in generated:
        assert not any(secret in text for text in written)
    assert "****" in (report_dir / "report.json").read_text()  # the URIs are there, masked


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
        containers = docker_client.containers.list(filters={"label": f"mlflow-plugin-harness.run={run_id}"})
        assert len(containers) == 3
        for container in containers:
            for bindings in container.attrs["HostConfig"]["PortBindings"].values():
                assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}
            assert container.attrs["HostConfig"]["NetworkMode"] == pool.labels.name("net")
            labels = container.labels
            assert labels["mlflow-plugin-harness.pid"] == str(os.getpid())
        postgres = outcomes[("postgres", None)].service
        binding = postgres.provision("round-trip", lambda url: postgres.execute(
            "CREATE TABLE t (a VARCHAR(10))", url.rsplit("/", 1)[1]))
        assert "t" in postgres.inspect(binding)["tables"]
        minio = outcomes[("minio", None)].service
        bucket = minio.provision("round-trip", lambda url: None)
        minio.client().put_object(Bucket=bucket.values["bucket"], Key="k", Body=b"v")
        assert list(minio.inspect(bucket)["objects"]) == ["k"]
    assert leftovers(docker_client, run=run_id) == []


def test_cleanup_sweeps_a_killed_run_but_never_a_live_one(docker_client, harness, tmp_path):
    log = tmp_path / "stderr.log"
    proc = start_harness(["run", REFERENCE, "-s", "postgres-tracking", "--report-dir", str(tmp_path)], log)
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
    proc = start_harness(["run", REFERENCE, "-s", "minio-artifacts", "--report-dir", str(tmp_path)], log)
    wait_for(log, "workload", proc)
    kill_hard(proc)
    assert leftovers(docker_client, pid=str(proc.pid))
    outcome = harness("run", REFERENCE, "-s", "minio-artifacts")
    assert outcome.code == 0, outcome.stderr
    assert "left by dead runs" in outcome.stderr
    assert leftovers(docker_client, pid=str(proc.pid)) == []
    assert leftovers(docker_client, run=outcome.report["run_id"]) == []


def test_without_docker_service_scenarios_end_in_an_error_with_the_fix(harness):
    outcome = harness("run", REFERENCE, "-s", "quickstart", "-s", "postgres-tracking",
                      env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert outcome.code == 3, outcome.stderr
    results = {r["scenario"]: r for r in outcome.report["results"]}
    assert results["quickstart"]["status"] == "passed"
    assert results["postgres-tracking"]["status"] == "error"
    assert "Docker is not reachable" in results["postgres-tracking"]["reason"]
    assert "scripts/ensure-docker" in results["postgres-tracking"]["reason"]
    alone = harness("run", REFERENCE, "-s", "quickstart",
                    env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert alone.code == 0, alone.stderr  # a run that needs no container needs no Docker


def test_doctor_reports_each_part_with_its_fix(docker_client, harness):
    outcome = harness("doctor")
    assert outcome.code == 0, outcome.stdout
    for topic in ("engine", "image postgres", "image mysql", "image minio", "image mssql",
                  "registry", "browser", "CA bundle"):
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
                with pytest.raises(Exception):
                    outcome.service.ping()
                assert time.monotonic() - started < 45, key
            finally:
                container.unpause()
            outcome.service.ping()
    assert leftovers(docker_client, run=run_id) == []
