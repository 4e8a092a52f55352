"""Create MLflow's tables in an empty SQL database (its schema migrations), nothing else."""

from typing import Any

from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore


def run(request: dict[str, Any]) -> dict[str, Any]:
    store = SqlAlchemyStore(request["uri"], request["artifact_root"])
    store.engine.dispose()
    return {"migrated": True}
