"""SQL services: login readiness, a database per scenario cloned from one migrated template,
and a dialect-agnostic dump of every table for the backend checks (through SQLAlchemy)."""

from __future__ import annotations

import decimal
import hashlib
import re
import threading
from abc import abstractmethod
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from harness.model.catalog import SQL_ATTRIBUTES
from harness.services.base import Binding, Migrate, Service

MAX_ROWS = 100_000  # per table; workloads write far fewer


def database_name(name: str) -> str:
    """A database name every dialect accepts unquoted."""
    return re.sub(r"[^a-z0-9_]", "_", name.lower())[:60]


def cell(value: Any) -> Any:
    """A JSON-able form of one column value; binary values become their digest and size."""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, (bytes, bytearray)):
        return {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class SqlService(Service):
    """A SQL database server reached through a SQLAlchemy URL."""

    driver: ClassVar[str]  # SQLAlchemy dialect+driver, e.g. postgresql+psycopg
    admin_database: ClassVar[str]
    url_query: ClassVar[str] = ""
    # the harness's own connections give up rather than hang on a stopped or paused server
    connect_args: ClassVar[dict[str, Any]] = {}
    attributes = SQL_ATTRIBUTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._templates: dict[str, str] = {}  # MLflow schema (version) -> migrated database
        self._unmigrated: dict[str, Exception] = {}  # why a schema's template failed, kept
        self._template_lock = threading.Lock()

    def url(self, database: str, inside: bool = False) -> str:
        query = f"?{self.url_query}" if self.url_query else ""
        host, port = self.address(inside)
        return f"{self.driver}://{self.user}:{self.password}@{host}:{port}/{database}{query}"

    def _binding(self, database: str, inside: bool = False) -> Binding:
        host, port = self.address(inside)
        return Binding(
            self.kind,
            {
                "uri": self.url(database, inside),
                "host": host,
                "port": str(port),
                "user": self.user,
                "password": self.password,
                "database": database,
            },
            inside=None if inside else self._binding(database, inside=True),
        )

    def engine(self, database: str, autocommit: bool = False) -> sa.Engine:
        options: dict[str, Any] = {"poolclass": NullPool, "connect_args": dict(self.connect_args)}
        if autocommit:
            options["isolation_level"] = "AUTOCOMMIT"
        return sa.create_engine(self.url(database), **options)

    def ping(self) -> None:
        engine = self.engine(self.admin_database)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1")).scalar_one()
        finally:
            engine.dispose()

    def execute(self, statement: str, database: str | None = None) -> None:
        engine = self.engine(database or self.admin_database, autocommit=True)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(statement))
        finally:
            engine.dispose()

    def create_database(self, name: str) -> None:
        self.execute(f"CREATE DATABASE {name}")

    @abstractmethod
    def clone_database(self, template: str, name: str) -> None:
        """Create ``name`` as a copy of ``template``, schema and rows."""

    supports_clone: ClassVar[bool] = True

    def provision(self, name: str, migrate: Migrate, schema: str = "") -> Binding:
        """A database for one scenario; MLflow's schema migrations run once per service and
        ``schema`` (the MLflow version: each has its own schema)."""
        database = database_name(name)
        if self.supports_clone:
            with self._template_lock:
                if schema in self._unmigrated:  # the real error, not "already exists"
                    raise self._unmigrated[schema]
                if schema not in self._templates:
                    template = database_name(f"harness_mlflow_template_{schema}".rstrip("_"))
                    self.create_database(template)
                    try:
                        migrate(self.url(template))
                    except Exception as exc:
                        self._unmigrated[schema] = exc
                        raise
                    self._templates[schema] = template
            self.clone_database(self._templates[schema], database)
        else:
            self.create_database(database)
            migrate(self.url(database))
        return self._binding(database)

    def inspect(self, binding: Binding) -> dict[str, Any]:
        """Every row of every table in the scenario's database."""
        engine = self.engine(binding.values["database"])
        tables: dict[str, dict[str, Any]] = {}
        try:
            metadata = sa.MetaData()
            metadata.reflect(engine)
            for column in (c for t in metadata.sorted_tables for c in t.columns):
                if isinstance(column.type, sa.Float):  # MySQL's DOUBLE reflects as a Decimal
                    column.type.asdecimal = False  # of 10 places: the value as stored
            with engine.connect() as conn:
                for table in metadata.sorted_tables:
                    rows = conn.execute(sa.select(table).limit(MAX_ROWS)).all()
                    tables[table.name] = {
                        "columns": [c.name for c in table.columns],
                        "rows": [[cell(v) for v in row] for row in rows],
                    }
        finally:
            engine.dispose()
        return {"kind": "sql", "tables": tables}
