"""SQL Server: only Microsoft's image exists, so without it the scenarios are skipped.

Logins are refused for a while after the container starts (recovery), so readiness retries
the login; ``CREATE DATABASE`` must run outside a transaction; there is no template clone, so
MLflow's migrations run per database.
"""

from __future__ import annotations

from typing import Any, ClassVar

from harness.services.base import random_password
from harness.services.images import ImageSpec
from harness.services.sql import SqlService


class MSSQL(SqlService):
    kind = "mssql"
    image_spec = ImageSpec(
        "mcr.microsoft.com/mssql/server:2022-latest",
        why_no_build="SQL Server is distributed only as Microsoft's image and cannot be built "
        "locally",
    )
    port = 1433
    data_dir = "/var/opt/mssql"
    driver = "mssql+pymssql"
    connect_args: ClassVar[dict[str, Any]] = {"login_timeout": 10, "timeout": 30}
    admin_database = "master"
    ready_timeout = 180.0
    supports_clone = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # SQL Server's policy wants upper and lower case letters and digits
        self.password = "Hx7" + random_password(21)

    def default_user(self) -> str:
        return "sa"

    def container_env(self) -> dict[str, str]:
        return {"ACCEPT_EULA": "Y", "MSSQL_SA_PASSWORD": self.password, "MSSQL_PID": "Developer"}

    def clone_database(self, template: str, name: str) -> None:
        raise NotImplementedError("SQL Server databases are created and migrated one by one")
