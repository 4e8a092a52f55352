"""Build each of the plugin's stores at its URI, as MLflow does, and say why one cannot be."""

from typing import Any

from protocol import needs
from recorder import describe_error


def _builders() -> dict[str, Any]:
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
    from mlflow.tracking._model_registry.utils import _get_store as registry_store
    from mlflow.tracking._tracking_service.utils import _get_store as tracking_store

    return {
        "tracking": tracking_store,
        "registry": registry_store,
        "artifacts": get_artifact_repository,
    }


def run(request: dict[str, Any]) -> dict[str, Any]:
    """{role: {"built": bool, "error": str, "needs": str | None}} for ``request["stores"]``."""
    builders, built = _builders(), {}
    for role, uri in request["stores"].items():
        try:
            builders[role](uri)
            built[role] = {"built": True, "error": "", "needs": None}
        except Exception as exc:  # noqa: BLE001 - the answer is what the plugin raised
            built[role] = {"built": False, "error": describe_error(exc), "needs": needs(exc)}
    return built
