"""Stores on a SQL database behind the ``regsplit`` scheme: ``regsplit:<database url>`` for
tracking, ``regsplit:registry:<database url>`` for the model registry (which refuses any other
form), and a server app."""

from mlflow.exceptions import MlflowException
from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistrySqlStore
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore as TrackingSqlStore

TRACKING = "regsplit:"
REGISTRY = "regsplit:registry:"


class SplitTrackingStore(TrackingSqlStore):
    def __init__(self, store_uri=None, artifact_uri=None):
        if not store_uri.startswith(TRACKING) or store_uri.startswith(REGISTRY):
            raise MlflowException(f"not a regsplit tracking URI: {store_uri}")
        super().__init__(store_uri[len(TRACKING):], artifact_uri)


class SplitRegistryStore(RegistrySqlStore):
    def __init__(self, store_uri=None, tracking_uri=None):
        if not store_uri.startswith(REGISTRY):
            raise MlflowException(f"regsplit registry URIs look like {REGISTRY}<database url>, "
                                  f"not {store_uri}")
        super().__init__(store_uri[len(REGISTRY):])


def create_app():
    """MLflow's own server; an ASGI app where MLflow serves apps with uvicorn (3.x)."""
    from mlflow.server import app

    try:
        from mlflow.server.fastapi_app import create_fastapi_app
    except ImportError:  # MLflow 2.x serves the Flask app itself
        return app
    return create_fastapi_app(app)
