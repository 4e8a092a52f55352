"""The backing services a scenario may name, and what each offers its URI templates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

SQL_ATTRIBUTES = ("uri", "host", "port", "user", "password", "database")
S3_ATTRIBUTES = ("uri", "endpoint", "bucket", "access_key", "secret_key")
# name -> (module:class under harness.services, what {name.attribute} templates may use)
CATALOG: dict[str, tuple[str, tuple[str, ...]]] = {
    "postgres": ("postgres:Postgres", SQL_ATTRIBUTES),
    "mysql": ("mysql:MySQL", SQL_ATTRIBUTES),
    "mssql": ("mssql:MSSQL", SQL_ATTRIBUTES),
    "minio": ("minio:MinIO", S3_ATTRIBUTES),
}

# what a running service holds in memory on a scenario's load (MiB): a worker starts its own
MEMORY_MB: dict[str, int] = {"postgres": 200, "mysql": 400, "mssql": 2048, "minio": 300}


if TYPE_CHECKING:  # a Literal built at run time, for pydantic; a plain string to mypy
    ServiceName = str
else:
    ServiceName = Literal[tuple(CATALOG)]
