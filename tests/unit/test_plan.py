from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.model.config import SchemeTemplates, Settings
from harness.planning.plan import (
    NeedsTemplate,
    NotPlaceable,
    broken_capabilities,
    overridden,
    resolve_stores,
    scheme_of,
    skip_reason,
)
from harness.planning.scenario import Scenario

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
    stores = resolve_stores(
        SCENARIO, [ep("mlflow.artifact_repository", "acme")], settings, Path("/w")
    )
    assert stores.artifacts == "acme://bucket/w"
    assert stores.tracking == "sqlite:////w/mlflow.db"


def test_settings_merge_per_key():
    base = Settings(schemes={"a": SchemeTemplates(tracking="t", artifacts="x")}, env={"A": "1"})
    merged = base.merged(Settings(schemes={"a": SchemeTemplates(artifacts="y")}, env={"B": "2"}))
    assert merged.schemes["a"] == SchemeTemplates(tracking="t", artifacts="y")
    assert merged.env == {"A": "1", "B": "2"}


def test_missing_capability_is_a_skip_reason():
    scenario = SCENARIO.model_copy(update={"requires": ["model_registry_store"]})
    assert "mlflow.model_registry_store" in skip_reason(
        scenario, [ep("mlflow.tracking_store", "a")]
    )
    broken = [ep("mlflow.model_registry_store", "a", loaded=False)]
    assert skip_reason(scenario, broken) is not None
    assert skip_reason(scenario, [ep("mlflow.model_registry_store", "a")]) is None


PG = Scenario(
    name="pg",
    description="d",
    checks=["runs"],
    services=["postgres", "minio"],
    stores={"tracking": "{postgres.uri}", "artifacts": "s3://{minio.bucket}/a"},
)
SERVICES = {
    "postgres": SimpleNamespace(uri="postgresql+psycopg://u:p@127.0.0.1:1/db"),
    "minio": SimpleNamespace(bucket="bkt"),
}


def test_service_backed_roles_use_mlflows_own_store_without_a_plugin():
    stores = resolve_stores(PG, [], Settings(), Path("/w"), SERVICES)
    assert stores.tracking == stores.registry == "postgresql+psycopg://u:p@127.0.0.1:1/db"
    assert stores.artifacts == "s3://bkt/a"
    assert stores.backends == {"tracking": "postgres", "artifacts": "minio", "registry": "postgres"}


def test_plugin_template_per_backend_sees_the_scenarios_uri():
    settings = Settings(
        schemes={
            "ref": SchemeTemplates(tracking="ref:{uri}", artifacts={"local": "ref:{uri}"}),
            "ref-s3": SchemeTemplates(artifacts={"minio": "ref-s3://{minio.bucket}/x"}),
        }
    )
    eps = [
        ep("mlflow.tracking_store", "ref"),
        ep("mlflow.artifact_repository", "ref"),
        ep("mlflow.artifact_repository", "ref-s3"),
    ]
    stores = resolve_stores(PG, eps, settings, Path("/w"), SERVICES)
    assert stores.tracking == "ref:postgresql+psycopg://u:p@127.0.0.1:1/db"
    assert stores.artifacts == "ref-s3://bkt/x"
    local = resolve_stores(SCENARIO, eps, settings, Path("/w"))
    assert local.artifacts == "ref:/w/artifacts" and not local.guessed


def test_a_plugin_role_without_any_template_for_the_service_needs_one():
    needs = r"needs a URI template.* for tracking on a service.*local only"
    with pytest.raises(NeedsTemplate, match=needs):
        resolve_stores(PG, [ep("mlflow.tracking_store", "acme")], Settings(), Path("/w"), SERVICES)


def test_settings_naming_other_backends_only_make_a_service_not_placeable():
    settings = Settings(schemes={"acme": SchemeTemplates(tracking={"local": "acme:{workdir}"})})
    with pytest.raises(NotPlaceable, match="settings give no URI") as raised:
        resolve_stores(PG, [ep("mlflow.tracking_store", "acme")], settings, Path("/w"), SERVICES)
    assert not isinstance(raised.value, NeedsTemplate)


def test_entry_points_that_fail_to_load_or_register_do_not_drive_planning():
    eps = [
        ep("mlflow.tracking_store", "mssql", loaded=False),
        {**ep("mlflow.tracking_store", "acme"), "registered": False},
    ]
    stores = resolve_stores(SCENARIO, eps, Settings(), Path("/w"))
    assert stores.plugin_roles == () and not stores.guessed
    assert stores.tracking == "sqlite:////w/mlflow.db"


def test_a_store_replacing_mlflows_scheme_is_the_plugins_store_at_mlflows_own_uri():
    taken = [
        {**ep("mlflow.model_registry_store", name), "overrides": True}
        for name in ("mssql", "mysql", "postgresql", "sqlite")
    ]
    local = resolve_stores(SCENARIO, taken, Settings(), Path("/w"))
    assert local.plugin_roles == ("registry",) and local.registry == "sqlite:////w/mlflow.db"
    assert local.overrides == {"registry": "sqlite"} and not local.guessed
    pg = resolve_stores(PG, taken, Settings(), Path("/w"), SERVICES)
    assert pg.overrides == {"registry": "postgresql"} and pg.backends["registry"] == "postgres"
    assert overridden(taken) == {
        "mlflow.model_registry_store": ["mssql", "mysql", "postgresql", "sqlite"]
    }


def test_a_store_replacing_other_schemes_only_leaves_the_role_to_mlflow():
    taken = [{**ep("mlflow.model_registry_store", "mssql"), "overrides": True}]
    stores = resolve_stores(PG, taken, Settings(), Path("/w"), SERVICES)
    assert stores.plugin_roles == () and stores.overrides == {}


def test_scheme_of_uris_as_mlflow_looks_them_up():
    assert scheme_of("postgresql+psycopg://u@h/db") == "postgresql"
    assert scheme_of("sqlite:////w/x.db") == "sqlite"
    assert scheme_of("/w/artifacts") == "" and scheme_of("C:/x") == ""
    assert scheme_of("s3://b/k") == "s3"


def test_scenarios_that_exercise_nothing_the_plugin_provides_are_not_applicable():
    providers = Scenario(
        name="p",
        description="d",
        checks=["providers"],
        exercises=["request_header_provider"],
        workloads=[{"kind": "providers"}],
    )
    stores_only = [ep("mlflow.tracking_store", "acme")]
    assert "not applicable" in skip_reason(providers, stores_only)
    assert skip_reason(providers, [ep("mlflow.request_header_provider", "h")]) is None
    assert skip_reason(SCENARIO, []).startswith("not an MLflow plugin")
    # a declared entry point that fails to load makes the scenario fail, not inapplicable
    broken = [ep("mlflow.request_header_provider", "h", loaded=False)]
    assert skip_reason(providers, broken) is None
    assert broken_capabilities(providers, broken) == ["request_header_provider"]


def test_declared_templates_for_other_backends_leave_local_roles_to_mlflow():
    settings = Settings(schemes={"s3ish": SchemeTemplates(artifacts={"minio": "s3ish://x"})})
    stores = resolve_stores(
        SCENARIO, [ep("mlflow.artifact_repository", "s3ish")], settings, Path("/w")
    )
    assert stores.artifacts == "/w/artifacts" and stores.plugin_roles == ()


def test_a_template_naming_a_service_the_scenario_lacks_is_not_placeable():
    settings = Settings(schemes={"acme": SchemeTemplates(tracking="acme:{postgres.uri}")})
    with pytest.raises(NotPlaceable, match="postgres"):
        resolve_stores(SCENARIO, [ep("mlflow.tracking_store", "acme")], settings, Path("/w"))


def test_builtin_stores_per_backend_and_their_names():
    from harness.model.contracts import builtin_name
    from harness.planning.plan import builtins

    local = SCENARIO
    assert builtins(PG) == builtins(PG)[:1]  # SqlAlchemyStore only, on the service
    assert [b.overrides for b in builtins(local)] == [
        {},
        {"tracking": "file:{workdir}/file-store", "registry": "file:{workdir}/file-store"},
    ]
    assert builtins(local)[1].env == {"MLFLOW_ALLOW_FILE_STORE": "true"}
    assert builtin_name("tracking", "sqlite:////tmp/x/mlflow.db") == "SqlAlchemyStore (SQLite)"
    assert (
        builtin_name("tracking", "postgresql+psycopg2://u@h/db") == "SqlAlchemyStore (PostgreSQL)"
    )
    assert builtin_name("registry", "file:/tmp/x") == "FileStore"
    assert builtin_name("artifacts", "/tmp/x/artifacts") == "LocalArtifactRepository"
    assert builtin_name("artifacts", "s3://bucket/a") == "S3ArtifactRepository"


def test_a_template_that_ignores_the_service_does_not_test_it():
    settings = Settings(schemes={"acme": SchemeTemplates(tracking="acme:{workdir}/mlruns")})
    with pytest.raises(
        NotPlaceable,
        match=r"for tracking \('acme:\{workdir\}/mlruns'\) does "
        r"not use postgres: this scenario would not test",
    ):
        resolve_stores(
            PG,
            [ep("mlflow.tracking_store", "acme"), ep("mlflow.model_registry_store", "acme")],
            settings,
            Path("/w"),
            SERVICES,
        )


def test_placement_is_decided_before_services_start():
    from harness.planning.plan import unplaceable

    assert isinstance(
        unplaceable(PG, [ep("mlflow.tracking_store", "acme")], Settings()), NeedsTemplate
    )
    settings = Settings(schemes={"acme": SchemeTemplates(tracking="acme:{postgres.uri}")})
    assert unplaceable(PG, [ep("mlflow.tracking_store", "acme")], settings) is None


def test_failures_with_a_guessed_uri_are_inconclusive_but_entry_point_gates_stay_failed():
    from harness.model.results import CheckResult, Status

    guessed = resolve_stores(
        SCENARIO, [ep("mlflow.tracking_store", "acme")], Settings(), Path("/w")
    )
    checks = [
        CheckResult("runs", Status.FAILED, "status RUNNING"),
        CheckResult("entry-points", Status.FAILED, "fails to load"),
        CheckResult("params", Status.PASSED),
    ]
    judged = guessed.unproven(checks)
    assert [c.status for c in judged] == [Status.INCONCLUSIVE, Status.FAILED, Status.PASSED]
    assert "guessed URI acme:/w/tracking" in judged[0].detail and judged[0].blame is None
    settings = Settings(schemes={"acme": SchemeTemplates(tracking="acme:{workdir}/t")})
    given = resolve_stores(SCENARIO, [ep("mlflow.tracking_store", "acme")], settings, Path("/w"))
    assert given.unproven(checks) == checks


def test_declared_needs_are_met_by_the_environment_or_the_scenarios_services():
    from harness.planning.plan import unmet

    quickstart = Scenario(
        name="q", description="d", checks=["runs"], workloads=[{"kind": "quickstart"}]
    )
    settings = Settings(needs=["env:TOKEN", "service:postgres"])
    assert unmet(quickstart, settings, {}).startswith("needs env:TOKEN (declared by the plugin)")
    assert "which this scenario does not run" in unmet(quickstart, settings, {"TOKEN": "t"})
    assert unmet(SCENARIO, settings, {}) is None  # no workloads: loading needs nothing


def test_a_plugin_whose_stores_are_all_elsewhere_tests_nothing_here():
    from harness.planning.plan import untested

    quickstart = Scenario(
        name="q",
        description="d",
        checks=["runs"],
        workloads=[{"kind": "quickstart"}],
        exercises=["model_registry_store"],
    )
    taken = [{**ep("mlflow.model_registry_store", "mssql"), "overrides": True}]
    stores = resolve_stores(quickstart, taken, Settings(), Path("/w"))
    assert "replaces MLflow's own mssql" in untested(quickstart, taken, stores)
