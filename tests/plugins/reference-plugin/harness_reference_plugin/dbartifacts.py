"""Artifacts as BLOB rows in a SQL database, in the style of the mlflow-dbstore plugin.

URI: ``harness-ref-db:<dialect+driver>://<user>:<password>@<host>:<port>/<database>/<path>``;
everything after the database name is the artifact path. Works on any SQLAlchemy dialect
(SQL Server through ``mssql+pymssql``, PostgreSQL, MySQL).
"""

import os
import posixpath

import sqlalchemy as sa
from mlflow.entities import FileInfo
from mlflow.store.artifact.artifact_repo import ArtifactRepository

from harness_reference_plugin import given

SCHEME = "harness-ref-db"
_metadata = sa.MetaData()
ARTIFACTS = sa.Table(
    "harness_artifacts", _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("path", sa.String(800), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)


def split_uri(artifact_uri):
    """(SQLAlchemy URL, artifact path) from a ``harness-ref-db:`` URI."""
    rest = artifact_uri[len(SCHEME) + 1:]
    dialect, _, tail = rest.partition("://")
    netloc, _, tail = tail.partition("/")
    database, _, path = tail.partition("/")
    return f"{dialect}://{netloc}/{database}", path.strip("/")


class ReferenceDbArtifactRepository(ArtifactRepository):
    def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
        super().__init__(artifact_uri, **given(tracking_uri=tracking_uri, registry_uri=registry_uri))
        url, self.root = split_uri(artifact_uri)
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        _metadata.create_all(self.engine, checkfirst=True)

    def _key(self, *parts):
        return posixpath.join(self.root, *[p.strip("/") for p in parts if p])

    def log_artifact(self, local_file, artifact_path=None):
        key = self._key(artifact_path or "", os.path.basename(local_file))
        with open(local_file, "rb") as f:
            content = f.read()
        with self.engine.begin() as conn:
            conn.execute(ARTIFACTS.delete().where(ARTIFACTS.c.path == key))
            conn.execute(ARTIFACTS.insert().values(path=key, size=len(content), content=content))

    def log_artifacts(self, local_dir, artifact_path=None):
        for root, _dirs, files in os.walk(local_dir):
            rel = os.path.relpath(root, local_dir)
            sub = posixpath.join(artifact_path or "", "" if rel == "." else rel.replace(os.sep, "/"))
            for name in files:
                self.log_artifact(os.path.join(root, name), sub or None)

    def _rows(self, prefix):
        query = sa.select(ARTIFACTS.c.path, ARTIFACTS.c.size).where(
            ARTIFACTS.c.path.startswith(prefix + "/", autoescape=True))
        with self.engine.connect() as conn:
            return conn.execute(query).all()

    def list_artifacts(self, path=None):
        base = self._key(path or "")
        listing = {}
        for full, size in self._rows(base):
            child, _, deeper = full[len(base) + 1:].partition("/")
            rel = posixpath.join(path, child) if path else child
            listing[rel] = FileInfo(rel, True, None) if deeper else FileInfo(rel, False, size)
        return sorted(listing.values(), key=lambda f: f.path)

    def _download_file(self, remote_file_path, local_path):
        query = sa.select(ARTIFACTS.c.content).where(ARTIFACTS.c.path == self._key(remote_file_path))
        with self.engine.connect() as conn:
            content = conn.execute(query).scalar_one()
        with open(local_path, "wb") as f:
            f.write(content)

    def delete_artifacts(self, artifact_path=None):
        base = self._key(artifact_path or "")
        with self.engine.begin() as conn:
            conn.execute(ARTIFACTS.delete().where(
                (ARTIFACTS.c.path == base) | ARTIFACTS.c.path.startswith(base + "/", autoescape=True)))
