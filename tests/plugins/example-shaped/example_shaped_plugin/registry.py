"""The registry keeps its models in a database: ``example-shaped:<sqlalchemy url>``. Built when
called, since importing MLflow's SQL stores while MLflow registers entry points is circular."""

from example_shaped_plugin import after_scheme


def ExampleRegistryStore(store_uri=None, tracking_uri=None):  # noqa: N802 - MLflow's builder
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(after_scheme(store_uri))
