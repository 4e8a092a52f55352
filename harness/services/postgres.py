"""PostgreSQL: official image ``postgres``, or Debian's postgresql-15 built from images/postgres."""

from __future__ import annotations

from typing import Any, ClassVar

from harness.services.images import ImageSpec
from harness.services.sql import SqlService


class Postgres(SqlService):
    kind = "postgres"
    image_spec = ImageSpec("postgres:15", build="postgres")
    port = 5432
    data_dir = "/var/lib/postgresql/data"
    driver = "postgresql+psycopg2"  # works with SQLAlchemy 1.4 and 2.x
    admin_database = "postgres"
    # libpq: the whole connection, handshake included
    connect_args: ClassVar[dict[str, Any]] = {"connect_timeout": 10}

    def container_env(self) -> dict[str, str]:
        return {"POSTGRES_USER": self.user, "POSTGRES_PASSWORD": self.password}

    def command(self) -> list[str]:
        # a disposable test database: durability off, the same for the official image
        return [
            "postgres",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]

    def clone_database(self, template: str, name: str) -> None:
        self.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
