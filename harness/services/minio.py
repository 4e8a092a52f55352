"""S3 object storage: official image ``minio/minio``; offline, SeaweedFS's S3 server built from
images/seaweedfs stands in for it (reported as ``substitute_for: minio``)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import uuid
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from harness.model.catalog import S3_ATTRIBUTES
from harness.services.base import Binding, Migrate, Service
from harness.services.images import ImageSpec

REGION = "us-east-1"
MAX_OBJECTS = 10_000
# What the S3 server's log says when it cannot store more (SeaweedFS: no volume left to write
# to; MinIO: its drives are full); the first match names the cause in a diagnosis.
OUT_OF_SPACE = re.compile(
    r"(No writable volumes.*|no free volumes.*|no space left on device.*|"
    r"Storage resources are insufficient.*|XMinioStorageFull.*|disk full.*)",
    re.IGNORECASE,
)


def bucket_name(name: str) -> str:
    """An S3-valid bucket name: lower case, digits and hyphens, 3 to 63 characters."""
    return re.sub(r"[^a-z0-9-]", "-", name.lower()).strip("-")[:63].ljust(3, "0")


class MinIO(Service):
    kind = "minio"
    image_spec = ImageSpec(
        "minio/minio:RELEASE.2025-04-22T22-12-26Z", build="seaweedfs", substitute_for="minio"
    )
    port = 9000
    data_dir = "/data"
    # A capped tmpfs: fast, and fillable without filling the machine's disk. A three-version
    # matrix of the default scenarios writes about 0.7 GB (the load scenario's 100 MB artifact,
    # on both sides, in each version); memory is used only as it is written.
    data_cap = "2g"
    attributes = S3_ATTRIBUTES

    def default_user(self) -> str:
        return f"harness{uuid.uuid4().hex[:8]}"

    def endpoint(self, inside: bool = False) -> str:
        host, port = self.address(inside)
        return f"http://{host}:{port}"

    def container_env(self) -> dict[str, str]:
        return {"MINIO_ROOT_USER": self.user, "MINIO_ROOT_PASSWORD": self.password}

    def command(self) -> list[str]:
        return ["server", "/data"]

    def client(self, read_timeout: float = 10, attempts: int = 2) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint(),
            region_name=REGION,
            aws_access_key_id=self.user,
            aws_secret_access_key=self.password,
            config=Config(
                s3={"addressing_style": "path"},
                connect_timeout=2,
                read_timeout=read_timeout,
                retries={"max_attempts": attempts},
            ),
        )

    def trouble(self) -> str | None:
        """Also: the server is running but cannot store a new object (out of space or, for
        SeaweedFS, out of volumes to write to), by a health round trip in a scratch bucket."""
        found = super().trouble()
        if found or self._container is None or self._container._container is None:
            return found
        before = self.logs(400)  # the scenario's own failure, before the round trip's
        failure = self.round_trip()
        if failure is None:
            return None
        said = OUT_OF_SPACE.findall(before) or OUT_OF_SPACE.findall(self.logs(100))
        detail = f"{self.kind} could not store a new object ({failure})"
        if said:
            return f"{detail}; out of space, its log says: {said[-1].strip()[:200]}"
        return detail

    def round_trip(self) -> str | None:
        """Put, get and delete a tiny object in a new scratch bucket (removed again): None when
        that works, else what failed. A new bucket needs new room (in SeaweedFS a volume of
        its own), so this fails as soon as the service cannot take a scenario's writes."""
        s3 = self.client(attempts=1)
        bucket = f"harness-health-{uuid.uuid4().hex[:12]}"
        try:
            s3.create_bucket(Bucket=bucket)
            body = uuid.uuid4().bytes
            s3.put_object(Bucket=bucket, Key="health", Body=body)
            if s3.get_object(Bucket=bucket, Key="health")["Body"].read() != body:
                return "an object read back differently"
            s3.delete_object(Bucket=bucket, Key="health")
        except ClientError as exc:
            return f"{exc.operation_name}: {exc.response.get('Error', {}).get('Code', 'failed')}"
        except Exception as exc:  # noqa: BLE001 - a diagnosis, never a new failure
            text = str(exc).strip().splitlines()
            return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
        finally:
            with contextlib.suppress(Exception):  # absent, or the service is broken (said above)
                s3.delete_bucket(Bucket=bucket)
        return None

    def ping(self) -> None:
        """Put a probe object and read it back."""
        s3 = self.client()
        bucket = "harness-probe"
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError:  # absent on first try (a timeout is not absence: it propagates)
            s3.create_bucket(Bucket=bucket)
        body = uuid.uuid4().bytes
        s3.put_object(Bucket=bucket, Key="probe", Body=body)
        if s3.get_object(Bucket=bucket, Key="probe")["Body"].read() != body:
            raise ConnectionError("probe object read back differently")

    def provision(self, name: str, migrate: Migrate, schema: str = "") -> Binding:
        bucket = bucket_name(name)
        self.client().create_bucket(Bucket=bucket)
        return self._binding(bucket)

    def _binding(self, bucket: str, inside: bool = False) -> Binding:
        endpoint = self.endpoint(inside)
        return Binding(
            self.kind,
            {
                "uri": f"s3://{bucket}",
                "endpoint": endpoint,
                "bucket": bucket,
                "access_key": self.user,
                "secret_key": self.password,
            },
            env={
                "MLFLOW_S3_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": self.user,
                "AWS_SECRET_ACCESS_KEY": self.password,
                "AWS_DEFAULT_REGION": REGION,
            },
            inside=None if inside else self._binding(bucket, inside=True),
        )

    def inspect(self, binding: Binding) -> dict[str, Any]:
        """Every object in the scenario's bucket with its digest and size."""
        s3 = self.client()
        objects: dict[str, dict[str, Any]] = {}
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=binding.values["bucket"])
        for page in pages:
            for item in page.get("Contents", []):
                if len(objects) >= MAX_OBJECTS:
                    break
                digest = hashlib.sha256()
                stream = s3.get_object(Bucket=binding.values["bucket"], Key=item["Key"])["Body"]
                for chunk in iter(functools.partial(stream.read, 1 << 20), b""):
                    digest.update(chunk)
                objects[item["Key"]] = {"sha256": digest.hexdigest(), "size": item["Size"]}
        return {"kind": "s3", "objects": objects}
