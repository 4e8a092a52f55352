"""MLflow's SQL tracking store, opened only with a token from the environment."""

import os


def store(store_uri=None, artifact_uri=None):
    if not os.environ.get("VAULTSTORE_TOKEN"):
        raise RuntimeError("VAULTSTORE_TOKEN is not set: the vault store needs a token")
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore  # not at `import mlflow`

    path = store_uri.split(":", 1)[1]
    return SqlAlchemyStore(f"sqlite:///{path}", artifact_uri or f"{path}-artifacts")
