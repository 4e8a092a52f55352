"""The entry-points scenario fails plugins for a contract MLflow's own code sets (a workspace
provider's constructor) and for packaging traps, and passes the harness's clean plugins under
both MLflow versions. No containers: the entry-points scenario runs none."""

import pytest

from tests.helpers import PLUGINS

CASES = [
    (
        "workspace-provider-positional",
        "mlflow.workspace_provider:broken-ws: cannot be called as MLflow calls it, "
        "(workspace_uri=...): missing a required argument: 'store_uri'",
    ),
    (
        "generic-top-level",
        "broken-generic-top-level installs a top-level package 'utils': a generic name",
    ),
    (
        "undeclared-import",
        "broken-undeclared-import imports pymysql (from broken_undeclared_import/__init__.py:1), "
        "which no declared dependency provides (PyMySQL is only in the 'dev' extra)",
    ),
    (
        "requires-python-too-low",
        "broken-requires-python-too-low declares requires-python >=3.8 but "
        "broken_requires_python_too_low/__init__.py:7 uses syntax that needs Python 3.10 "
        "(Pattern matching is only supported in Python 3.10 and greater)",
    ),
]


@pytest.mark.parametrize("plugin, detail", CASES, ids=[p for p, _ in CASES])
def test_the_entry_points_scenario_fails_the_plugin_and_names_its_defect(harness, plugin, detail):
    outcome = harness("run", str(PLUGINS / "broken" / plugin), "--scenario", "entry-points")
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    check = outcome.checks("entry-points")["entry-points"]
    assert (check["status"], check["blame"]) == ("failed", "plugin"), check
    assert detail in check["detail"], check["detail"]
    assert len(check["problems"]) == 1, check["problems"]  # its one defect, nothing else
    if plugin == "undeclared-import":  # its optional import (try/except ImportError) is fine
        assert "psycopg2" not in check["detail"]


def test_a_workspace_provider_is_not_checked_under_an_mlflow_that_loads_none(harness):
    # MLflow 2.22 has no workspace providers: the plugin may target MLflow 3; no verdict on it
    outcome = harness(
        "run",
        str(PLUGINS / "broken" / "workspace-provider-positional"),
        "--scenario",
        "entry-points",
        "--mlflow-version",
        "2.22.1",
    )
    check = outcome.checks("entry-points")["entry-points"]
    assert check["status"] == "skipped", check
    assert check["detail"] == (
        "no entry point checked: 1 not checked: mlflow.workspace_provider:broken-ws "
        "(MLflow 2.22 does not load mlflow.workspace_provider)"
    )


@pytest.mark.parametrize("plugin", ["builtin-stores", "reference-plugin", "example-shaped"])
def test_clean_plugins_pass_the_entry_points_scenario_under_both_mlflow_versions(harness, plugin):
    outcome = harness(
        "run",
        str(PLUGINS / plugin),
        "--scenario",
        "entry-points",
        "--mlflow-version",
        "2.22.1,3.17.2",
    )
    assert outcome.code == 0, outcome.stdout + outcome.stderr
    results = outcome.report["results"]
    assert {r["mlflow_version"] for r in results} == {"2.22.1", "3.17.2"}
    for result in results:
        check = next(c for c in result["checks"] if c["name"] == "entry-points")
        assert check["status"] == "passed", (result["mlflow_version"], check)
        assert "not checked" not in check["detail"], check["detail"]
