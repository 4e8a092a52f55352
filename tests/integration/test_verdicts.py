"""Verdicts that say something about the plugin: what it provides is tested, a guess that
fails is inconclusive, what the machine lacks is named, and scenarios that would test nothing
of the plugin do not run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import PLUGINS


def _result(outcome, scenario: str) -> dict:
    return next(r for r in outcome.report["results"] if r["scenario"] == scenario)


def test_a_guessed_uri_the_plugin_refuses_is_inconclusive_and_a_template_gets_a_verdict(
    harness, tmp_path: Path
):
    guessed = harness("run", str(PLUGINS / "uri-form"), "-s", "quickstart", "-s", "providers")
    assert guessed.code == 1, guessed.stderr
    quickstart = _result(guessed, "quickstart")
    assert quickstart["status"] == "inconclusive" and not quickstart["checks"]
    assert "needs a URI template" in quickstart["reason"]
    assert "[tool.mlflow-plugin-harness.schemes.uriform]" in quickstart["reason"]
    assert "uriform URIs look like" in quickstart["reason"]  # the plugin's own words
    assert guessed.stdout.strip().splitlines()[-1].startswith("INCONCLUSIVE:")
    assert "inconclusive, not a pass" in guessed.stdout.strip().splitlines()[-1]
    # a plugin without providers: the providers scenario does not apply (not failed)
    providers = _result(guessed, "providers")
    assert providers["status"] == "skipped" and "not applicable" in providers["reason"]

    config = tmp_path / "uriform.yaml"
    config.write_text('schemes:\n  uriform:\n    tracking: "uriform://{workdir}/uriform.db"\n')
    given = harness("run", str(PLUGINS / "uri-form"), "-s", "quickstart", "--config", str(config))
    assert given.code == 0, given.stdout[-3000:]


def test_a_store_that_needs_a_credential_is_skipped_naming_it_not_failed(harness, tmp_path: Path):
    plugin = str(PLUGINS / "needs-credentials")
    lacking = harness("run", plugin, "-s", "quickstart")
    quickstart = _result(lacking, "quickstart")
    assert quickstart["status"] == "skipped", quickstart
    assert quickstart["reason"].startswith("needs env:VAULTSTORE_TOKEN")

    declared = tmp_path / "declared.yaml"
    declared.write_text('needs: ["env:VAULTSTORE_TOKEN"]\n')
    told = harness("run", plugin, "-s", "quickstart", "--config", str(declared))
    quickstart = _result(told, "quickstart")
    assert quickstart["status"] == "skipped" and "(declared by the plugin)" in quickstart["reason"]

    given = tmp_path / "given.yaml"
    given.write_text('env:\n  VAULTSTORE_TOKEN: "t0ken"\n')
    assert harness("run", plugin, "-s", "quickstart", "--config", str(given)).code == 0


@pytest.mark.parametrize(
    "plugin, scenario, variable",
    [
        ("needs-deployment-key", "deployments", "HARNESS_DEMO_API_KEY"),  # as mlflow-crusoe
        ("needs-project-token", "projects", "HARNESS_PROJECT_TOKEN"),
        ("needs-auth-token", "providers", "HARNESS_DEMO_TOKEN"),  # at get_auth()
        ("needs-auth-token", "app", "HARNESS_DEMO_TOKEN"),  # the app's factory, in its log
    ],
)
def test_a_target_or_backend_that_needs_a_credential_is_skipped_naming_it_not_failed(
    harness, tmp_path: Path, plugin: str, scenario: str, variable: str
):
    """Beyond stores: what a deployment client, project backend, auth provider or server app
    says it lacks before it did any work is a need. Said after it did work, the same words fail
    it (broken/deployment-key-late in test_broken_plugins)."""
    lacking = harness("run", str(PLUGINS / plugin), "-s", scenario)
    result = _result(lacking, scenario)
    assert result["status"] == "skipped", result
    assert re.match(rf"({scenario}: )?needs env:{variable} \(", result["reason"]), result["reason"]
    assert all(c.get("blame") is None for c in result["checks"]), result["checks"]

    given = tmp_path / "given.yaml"
    given.write_text(f'env:\n  {variable}: "k3y"\n')
    passed = harness("run", str(PLUGINS / plugin), "-s", scenario, "--config", str(given))
    assert passed.code == 0, passed.stdout[-3000:]


def test_a_store_replacing_mlflows_scheme_is_compared_with_mlflows_own_store(harness):
    faithful = harness(
        "run", str(PLUGINS / "scheme-override"), "-s", "conformance", "-s", "entry-points"
    )
    assert faithful.code == 0, faithful.stdout[-3000:]
    conformance = _result(faithful, "conformance")
    assert conformance["stores"]["overrides"] == "registry: sqlite"
    detail = faithful.checks("entry-points")["entry-points"]["detail"]
    assert "replace MLflow's own" in detail and "sqlite" in detail

    sloppy = harness(
        "run", str(PLUGINS / "broken" / "overrides-sqlite-registry"), "-s", "conformance"
    )
    versions = sloppy.checks("conformance")["registry.versions"]
    assert versions["status"] == "failed" and versions["blame"] == "plugin", versions
    assert "description" in versions["detail"]


def test_a_package_without_mlflow_entry_points_runs_no_scenario(harness):
    outcome = harness("run", str(PLUGINS / "not-a-plugin"))
    assert outcome.code == 1
    assert "not an MLflow plugin" in outcome.stdout.strip().splitlines()[-1]
    results = outcome.report["results"]
    assert results and all(r["status"] == "skipped" and not r["checks"] for r in results)
    assert outcome.report["timings"]["services_s"] < 0.5  # no service was started
