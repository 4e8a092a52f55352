"""Reference MLflow plugin: SQL-backed tracking and registry stores; artifacts local, in S3
(``harness-ref-s3``) or as SQL BLOB rows (``harness-ref-db``).

URIs: ``harness-ref:<directory>`` keeps a SQLite database in the directory;
``harness-ref:<sqlalchemy url>`` uses that database. Artifacts: ``harness-ref:<directory>``.
"""

SCHEME = "harness-ref"


def database_url(store_uri: str) -> str:
    """The SQLAlchemy URL behind a ``harness-ref:`` store URI."""
    import os

    rest = store_uri[len(SCHEME) + 1:] if store_uri.startswith(SCHEME + ":") else store_uri
    if "://" in rest:
        return rest
    os.makedirs(rest, exist_ok=True)
    return f"sqlite:///{os.path.abspath(os.path.join(rest, 'mlflow.db'))}"


def local_path(artifact_uri: str) -> str:
    """The directory behind a ``harness-ref:`` artifact URI."""
    rest = artifact_uri[len(SCHEME) + 1:] if artifact_uri.startswith(SCHEME + ":") else artifact_uri
    return rest[len("//"):] if rest.startswith("///") else rest


def given(**kwargs):
    """The keyword arguments MLflow passed (3.x passes tracking_uri and registry_uri to
    artifact repositories; 2.x's base classes do not accept them)."""
    return {k: v for k, v in kwargs.items() if v is not None}
