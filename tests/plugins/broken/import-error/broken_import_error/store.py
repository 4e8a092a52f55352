from mlflow.utils.time_utils import get_current_time_millis  # removed in MLflow 3.x  # noqa: F401
from mlflow.store.tracking.abstract_store import AbstractStore


class Store(AbstractStore):
    pass
