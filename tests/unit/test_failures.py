"""Pure logic: who is blamed when a workload fails: a service out of space (infrastructure),
`import mlflow` broken by what the plugin installed (the plugin), MLflow's own store (never the
plugin); and how the S3 service diagnoses running out of space."""

from __future__ import annotations

from harness.env.environment import ScriptFailed
from harness.model.results import Blame, Status
from harness.run.attempts import Attempts
from harness.services import minio as minio_module
from harness.services.base import Service
from harness.services.minio import MinIO


def _raise(exc: ScriptFailed):
    def run():
        raise exc

    return run


def _fail(output: str, died: bool = True, message: str = "quickstart crashed"):
    def run():
        raise ScriptFailed(message, output, died=died)

    return run


def test_import_mlflow_broken_by_the_plugin_is_a_plugin_failure_whatever_else_is_wrong():
    failures = Attempts(lambda: "minio was paused")
    broken = (
        "`import mlflow` breaks once the plugin is installed: SyntaxError: f-string: "
        "unmatched '[' (newsyntax_dep/provenance.py:8)"
    )
    failed = ScriptFailed(broken, "traceback", blame="plugin", breaks_mlflow=True)
    assert failures.attempt("workload:quickstart", _raise(failed)) is None
    [check] = failures.checks
    assert (check.status, check.blame, check.detail) == (Status.FAILED, Blame.PLUGIN, broken)


def test_mlflow_not_importing_by_itself_and_harness_bugs_are_never_the_plugins():
    failures = Attempts()
    failures.attempt(
        "workload:logging",
        _raise(
            ScriptFailed(
                "`import mlflow` fails in MLflow's own code: ImportError: x",
                "",
                blame="infrastructure",
                breaks_mlflow=True,
            )
        ),
    )
    failures.attempt(
        "workload:deployments",
        _raise(
            ScriptFailed(
                "the harness's own deployments_workload.py raised KeyError: 'name'",
                "",
                blame="harness",
            )
        ),
    )
    assert [(c.status, c.blame) for c in failures.checks] == [
        (Status.ERROR, Blame.INFRASTRUCTURE),
        (Status.ERROR, Blame.HARNESS),
    ]


TROUBLE = (
    "minio could not store a new object (ClientError: InternalError); out of space, its "
    'log says: No writable volumes and no free volumes left for {"collection":"x"}'
)


def test_a_workload_failing_while_the_s3_service_is_out_of_space_is_an_infrastructure_error():
    failures = Attempts(lambda: TROUBLE)
    failures.attempt(
        "workload:logging",
        _fail(
            "boto3 ... InternalError", died=False, message="logging raised S3UploadFailedError: x"
        ),
    )
    [check] = failures.checks
    assert (check.status, check.blame) == (Status.ERROR, Blame.INFRASTRUCTURE)
    assert check.detail.startswith("logging raised S3UploadFailedError: x (while minio could not")
    assert "No writable volumes" in check.detail


def test_mlflows_own_store_failing_on_the_same_service_is_infrastructure_too():
    failures = Attempts(lambda: TROUBLE)
    failures.attempt(
        "oracle:load", _fail("...", died=False, message="load raised X"), status=Status.ERROR
    )
    [check] = failures.checks
    assert (check.status, check.blame) == (Status.ERROR, Blame.INFRASTRUCTURE)
    assert "while minio could not store a new object" in check.detail
    # and without a diagnosis, MLflow's own store failing is still never the plugin's defect
    failures = Attempts(lambda: "")
    failures.attempt(
        "oracle:load", _fail("...", died=False, message="load raised X"), status=Status.ERROR
    )
    assert failures.checks[0].blame is Blame.INFRASTRUCTURE


def _minio(monkeypatch, round_trip: str | None, logs: str) -> MinIO:
    service = MinIO.__new__(MinIO)
    service.kind = "minio"
    service._container = type("C", (), {"_container": object()})()
    monkeypatch.setattr(Service, "trouble", lambda self: None)
    monkeypatch.setattr(MinIO, "round_trip", lambda self: round_trip)
    monkeypatch.setattr(MinIO, "logs", lambda self, lines=200: logs)
    return service


SEAWEED_LOG = (
    "I1130 06:10:30.1 master.go:12 volume grown\n"
    "E1130 06:10:31.113612 s3api_object_handlers_put.go:626 putToFiler: chunked upload failed: "
    "assign volume: rpc error: code = Unknown desc = failed to find writable volumes for "
    "collection:scenario-16 replication:000 ttl: error: No writable volumes and no free volumes "
    'left for {"collection":"scenario-16"}\n'
    "I1130 06:10:32.0 filer.go:1 ok\n"
)


def test_s3_trouble_names_the_log_line_when_a_new_object_cannot_be_stored(monkeypatch):
    service = _minio(monkeypatch, "PutObject: InternalError", SEAWEED_LOG)
    assert service.trouble() == (
        "minio could not store a new object (PutObject: InternalError); "
        "out of space, its log says: No writable volumes and no free volumes left for "
        '{"collection":"scenario-16"}'
    )


def test_s3_trouble_is_none_while_the_round_trip_works_whatever_the_log_said(monkeypatch):
    assert _minio(monkeypatch, None, SEAWEED_LOG).trouble() is None
    assert (
        _minio(monkeypatch, "EndpointConnectionError: x", "").trouble()
        == "minio could not store a new object (EndpointConnectionError: x)"
    )


def test_out_of_space_patterns():
    found = minio_module.OUT_OF_SPACE.findall(
        "write /data/x.dat: no space left on device\nAPI: PutObject XMinioStorageFull: "
        "Storage resources are insufficient for the write operation"
    )
    assert found[0] == "no space left on device"
    assert found[-1].startswith("XMinioStorageFull")
