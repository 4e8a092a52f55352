"""Breaks: domain. Metric values kept in single precision, as a float field holds them."""

import os


def build_store(store_uri=None, artifact_uri=None):
    """Factory: SqlAlchemyStore cannot be imported while MLflow registers entry points."""
    import numpy as np
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    class Float32Store(SqlAlchemyStore):
        def sanitize_metric_value(self, metric_value):
            is_nan, value = super().sanitize_metric_value(metric_value)
            with np.errstate(over="ignore"):
                return is_nan, float(np.float32(value))

    path = store_uri.split(":", 1)[1]
    os.makedirs(path, exist_ok=True)
    return Float32Store(f"sqlite:///{path}/mlflow.db", artifact_uri or os.path.join(path, "a"))
