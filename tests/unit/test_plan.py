from pathlib import Path

from harness.config import SchemeTemplates, Settings
from harness.plan import resolve_stores, skip_reason
from harness.scenario import Scenario

SCENARIO = Scenario(name="s", description="d", checks=["runs"], requires=[])


def ep(group: str, name: str, loaded: bool = True) -> dict:
    return {"group": group, "name": name, "loaded": loaded}


def test_plugin_schemes_fill_their_roles_and_builtins_the_rest():
    eps = [ep("mlflow.tracking_store", "acme"), ep("mlflow.model_registry_store", "acme")]
    stores = resolve_stores(SCENARIO, eps, Settings(), Path("/w"))
    assert stores.tracking == "acme:/w/tracking"
    assert stores.registry == "acme:/w/tracking"  # one scheme: one store, as MLflow defaults
    assert stores.artifacts == "/w/artifacts"
    assert stores.plugin_roles == ("tracking", "registry")


def test_tracking_plugin_without_registry_gets_mlflows_registry():
    stores = resolve_stores(SCENARIO, [ep("mlflow.tracking_store", "acme")], Settings(), Path("/w"))
    assert stores.registry == "sqlite:////w/mlflow.db"


def test_templates_from_settings():
    settings = Settings(schemes={"acme": SchemeTemplates(artifacts="acme://bucket{workdir}")})
    stores = resolve_stores(SCENARIO, [ep("mlflow.artifact_repository", "acme")], settings, Path("/w"))
    assert stores.artifacts == "acme://bucket/w"
    assert stores.tracking == "sqlite:////w/mlflow.db"


def test_settings_merge_per_key():
    base = Settings(schemes={"a": SchemeTemplates(tracking="t", artifacts="x")}, env={"A": "1"})
    merged = base.merged(Settings(schemes={"a": SchemeTemplates(artifacts="y")}, env={"B": "2"}))
    assert merged.schemes["a"] == SchemeTemplates(tracking="t", artifacts="y")
    assert merged.env == {"A": "1", "B": "2"}


def test_missing_capability_is_a_skip_reason():
    scenario = SCENARIO.model_copy(update={"requires": ["model_registry_store"]})
    assert "mlflow.model_registry_store" in skip_reason(scenario, [ep("mlflow.tracking_store", "a")])
    broken = [ep("mlflow.model_registry_store", "a", loaded=False)]
    assert skip_reason(scenario, broken) is not None
    assert skip_reason(scenario, [ep("mlflow.model_registry_store", "a")]) is None
