"""The tracking store entry point.

MLflow loads tracking-store entry points while ``mlflow.tracking`` is still initialising;
importing ``mlflow.store.tracking.sqlalchemy_store`` at that moment is a circular import
(MLflow 3.x), so the entry point is a light factory that imports the store when called.
"""

from harness_reference_plugin import SCHEME, database_url


def ReferenceTrackingStore(store_uri=None, artifact_uri=None):  # noqa: N802 - MLflow's builder
    """Build MLflow's SQL tracking store behind the ``harness-ref`` scheme."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    url = database_url(store_uri)
    if artifact_uri is None:
        where = url[len("sqlite:///"):].rsplit("/", 1)[0] if url.startswith("sqlite:///") else None
        artifact_uri = f"{SCHEME}:{where}/artifacts" if where else f"{SCHEME}:/tmp/harness-ref"
    return SqlAlchemyStore(url, artifact_uri)
