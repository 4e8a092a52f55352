"""MySQL-compatible: official image ``mariadb``, or Debian's mariadb-server from images/mariadb.

``mysql:<version>`` works as an override too: both root-password variables are set.
"""

from __future__ import annotations

from typing import Any, ClassVar

from harness.services.images import ImageSpec
from harness.services.sql import SqlService

_DUMP = (
    "dump=$(command -v mariadb-dump || command -v mysqldump); "
    "client=$(command -v mariadb || command -v mysql); "
    '"$dump" -uroot --single-transaction --routines "$0" | "$client" -uroot "$1"'
)


class MySQL(SqlService):
    kind = "mysql"
    image_spec = ImageSpec("mariadb:10.11", build="mariadb")
    port = 3306
    data_dir = "/var/lib/mysql"
    driver = "mysql+pymysql"
    admin_database = "mysql"
    url_query = "charset=utf8mb4"
    connect_args: ClassVar[dict[str, Any]] = {  # handshake too
        "connect_timeout": 10,
        "read_timeout": 30,
        "write_timeout": 30,
    }

    def default_user(self) -> str:
        return "root"

    def container_env(self) -> dict[str, str]:
        return {"MARIADB_ROOT_PASSWORD": self.password, "MYSQL_ROOT_PASSWORD": self.password}

    def create_database(self, name: str) -> None:
        self.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")

    def clone_database(self, template: str, name: str) -> None:
        self.create_database(name)
        self.exec(["sh", "-c", _DUMP, template, name], env={"MYSQL_PWD": self.password})
