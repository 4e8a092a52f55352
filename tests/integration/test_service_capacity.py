"""Real containers: the S3 service's capacity, and what a run says when it is used up outside
any fault window (an infrastructure error naming the service and its log, never the plugin)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

from harness.model.results import Blame, Status
from harness.planning.scenario import select
from harness.run.session import Options, Session
from tests.helpers import PLUGINS, ROOT, leftovers

REFERENCE = str(PLUGINS / "reference-plugin")
SCENARIO = ROOT / "tests" / "scenarios" / "minio-quickstart.yaml"
# A three-version matrix of the default scenarios takes about 21 buckets (load, minio-artifacts
# and postgres-minio on both sides, server-postgres-minio once, per version) and 0.7 GB; the
# SeaweedFS stand-in used to hold 15 buckets in all.
MATRIX_BUCKETS = 21


def _fill(s3) -> int:
    """Scenario-like buckets, each with an object, until the service takes no more; how many fit."""

    def one(index: int) -> bool:
        bucket = f"filler-{index:04d}"
        # a slow answer on a busy machine is not a full service (near capacity, the stand-in
        # grows its volumes and may not answer for seconds): bounded, six tries over 12 s
        for _attempt in range(6):
            try:
                s3.create_bucket(Bucket=bucket)
                s3.put_object(Bucket=bucket, Key="artifact", Body=b"x" * 1024)
                return True
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "InternalError":
                    return False  # full: what this loop is looking for
                if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                    raise
            except (ReadTimeoutError, ConnectTimeoutError):
                time.sleep(2)
        raise AssertionError(f"the S3 service kept timing out on {bucket}")

    fitted, start = 0, 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        while start < 2000:
            batch = list(pool.map(one, range(start, start + 32)))
            fitted += sum(batch)
            start += 32
            if not all(batch):
                return fitted
    raise AssertionError("the S3 service never filled up")


def test_s3_out_of_capacity_outside_a_fault_window_is_an_infrastructure_error(
    docker_client, tmp_path
):
    [scenario] = select([str(SCENARIO)])
    with Session(Options(REFERENCE, report_dir=tmp_path)) as session:
        session.start_services([scenario], None)
        minio = session.pool.outcomes[("minio", None)].service
        started = time.monotonic()
        fitted = _fill(minio.client())
        print(f"{fitted} buckets fitted in {time.monotonic() - started:.1f} s")
        # capacity: several three-version matrices of the default scenarios, with room to spare
        assert fitted >= 10 * MATRIX_BUCKETS, fitted
        assert "No writable volumes" in (minio.trouble() or "")  # full, and it says so
        result = session.run(scenario, None)
        report = session.report([result])
        run_id = session.pool.labels.run_id

    assert report.exit_code()[0] == 3, (result.status, result.reason)
    assert result.status is Status.ERROR
    checks = {c.name: c for c in result.checks}
    workload = checks["workload:quickstart"]
    assert (workload.status, workload.blame) == (Status.ERROR, Blame.INFRASTRUCTURE)
    assert "minio could not store a new object (PutObject: InternalError)" in workload.detail
    assert "No writable volumes and no free volumes left" in workload.detail  # its log line
    assert not [c for c in result.checks if c.blame is Blame.PLUGIN], result.checks
    assert leftovers(docker_client, run=run_id) == []
