"""MLflow's own store builders, as MLflow registers them before any plugin's entry points.

A plugin can register a store under one of MLflow's own schemes (``postgresql``, ``sqlite``,
``file``, ``s3`` ...) and so replace MLflow's store for it. The probe reports such overrides;
the oracle's processes put MLflow's own builders back (``restore``), so MLflow's own store is
what the plugin is compared with, never the plugin itself.
"""

import contextlib
import importlib
import inspect
import types
from collections.abc import Iterator
from typing import Any

TRACKING, REGISTRY, ARTIFACTS = (
    "mlflow.tracking_store",
    "mlflow.model_registry_store",
    "mlflow.artifact_repository",
)

# Where MLflow keeps what it registered from entry points (private; absent ones are not verified).
REGISTRIES = {
    "mlflow.tracking_store": "mlflow.tracking._tracking_service.utils:_tracking_store_registry",
    "mlflow.artifact_repository": (
        "mlflow.store.artifact.artifact_repository_registry:_artifact_repository_registry"
    ),
    "mlflow.model_registry_store": "mlflow.tracking._model_registry.utils:_get_store_registry",
    "mlflow.run_context_provider": (
        "mlflow.tracking.context.registry:_run_context_provider_registry"
    ),
    "mlflow.request_header_provider": (
        "mlflow.tracking.request_header.registry:_request_header_provider_registry"
    ),
    "mlflow.request_auth_provider": (
        "mlflow.tracking.request_auth.registry:_request_auth_provider_registry"
    ),
    "mlflow.default_experiment_provider": (
        "mlflow.tracking.default_experiment.registry:_default_experiment_provider_registry"
    ),
    "mlflow.dataset_constructor": "mlflow.data.dataset_registry:_dataset_registry.constructors",
    "mlflow.dataset_source": "mlflow.data.dataset_source_registry:_dataset_source_registry.sources",
}


def registry_of(group: str) -> Any:
    """The registry MLflow keeps for ``group`` (a getter's result, where it keeps a getter)."""
    module, _, attr = REGISTRIES[group].partition(":")
    found = getattr(importlib.import_module(module), attr.partition(".")[0])
    return found() if callable(found) and not hasattr(found, "_registry") else found


def _module(group: str) -> Any:
    return importlib.import_module(REGISTRIES[group].partition(":")[0])


@contextlib.contextmanager
def _no_entry_points(*classes: Any) -> Iterator[None]:
    """While inside, registries register MLflow's own stores only."""
    saved = [(cls, cls.__dict__.get("register_entrypoints")) for cls in classes]
    for cls, _ in saved:
        cls.register_entrypoints = lambda self: None
    try:
        yield
    finally:
        for cls, method in saved:
            if method is None:
                del cls.register_entrypoints
            else:
                cls.register_entrypoints = method


def _tracking() -> dict[str, Any]:
    utils, live = _module(TRACKING), registry_of(TRACKING)
    fresh = type(live)()
    with _no_entry_points(type(live)):
        utils._tracking_store_registry = fresh
        try:
            utils._register_tracking_stores()
        finally:
            utils._tracking_store_registry = live
    return dict(fresh._registry)


def _registry() -> dict[str, Any]:
    utils, live = _module(REGISTRY), registry_of(REGISTRY)
    with _no_entry_points(type(live)):
        utils._model_registry_store_registry = None
        try:
            fresh = utils._get_store_registry()
        finally:
            utils._model_registry_store_registry = live
    return dict(fresh._registry)


def _artifacts() -> dict[str, Any]:
    """The registry module registers at import: run its source again, entry points hidden."""
    module = _module(ARTIFACTS)
    plugins: Any = importlib.import_module("mlflow.utils.plugins")
    copy: Any = types.ModuleType(module.__name__)
    copy.__dict__.update({"__file__": module.__file__, "__package__": module.__package__})
    saved = plugins.get_entry_points
    plugins.get_entry_points = lambda group: []
    try:
        exec(compile(inspect.getsource(module), module.__file__, "exec"), copy.__dict__)
    finally:
        plugins.get_entry_points = saved
    return dict(copy._artifact_repository_registry._registry)


_OWN = {TRACKING: _tracking, REGISTRY: _registry, ARTIFACTS: _artifacts}


def own_builders() -> dict[str, Any]:
    """Group -> {scheme: MLflow's own builder}; a group whose registry this MLflow version
    builds differently is left out (its overrides are then not detected)."""
    found: dict[str, Any] = {}
    for group, build in _OWN.items():
        try:
            found[group] = build()
        except Exception:  # noqa: BLE001 - another MLflow version's internals
            continue
    return found


def restore(schemes: dict[str, Any]) -> None:
    """Register MLflow's own builder again for each ``{group: [scheme, ...]}`` a plugin took."""
    own = own_builders()
    for group, names in schemes.items():
        if group not in own:
            raise RuntimeError(f"cannot find MLflow's own {group} stores in this MLflow version")
        registry = registry_of(group)
        for name in names:
            registry.register(name, own[group][name])
