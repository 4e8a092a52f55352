"""MLflow's SQL tracking store behind a URI form no one would guess: ``uriform://<file>``."""


def store(store_uri=None, artifact_uri=None):
    if not store_uri.startswith("uriform://"):
        raise ValueError(f"uriform URIs look like uriform://<sqlite file>, got {store_uri!r}")
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore  # not at `import mlflow`

    path = store_uri[len("uriform://"):]
    return SqlAlchemyStore(f"sqlite:///{path}", artifact_uri or f"{path}-artifacts")
