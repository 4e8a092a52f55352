"""Create MLflow's tables in an empty SQL database (its schema migrations), nothing else."""

from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore


def run(request: dict) -> dict:
    store = SqlAlchemyStore(request["uri"], request["artifact_root"])
    store.engine.dispose()
    return {"migrated": True}
