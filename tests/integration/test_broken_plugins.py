"""Every check fails on a plugin built to break its contract, and names the defect."""

import pytest

from tests.integration.conftest import PLUGINS, leftovers

CASES = [
    ("import-error", "entry-points", "entry-points", "No module named 'mlflow.utils.time_utils'"),
    ("old-constructor", "entry-points", "entry-points", "unexpected keyword argument 'tracking_uri'"),
    ("abstract-gaps", "entry-points", "abstract-methods", "_download_file, list_artifacts"),
    ("bad-headers", "entry-points", "providers", "non-str values for ['X-Retry-Count']"),
    ("context-raises", "quickstart", "context-tags", "raised KeyError: 'CLUSTER_ID'"),
    ("forgets-status", "quickstart", "runs", "has status RUNNING, not FINISHED"),
    ("truncates-params", "logging", "params", "is 'value', not 'value-0'"),
    ("drops-metric-step", "logging", "metrics", "has 19 point(s), expected 20"),
    ("keeps-first-tag", "logging", "tags", "is 'tag value 0', not 'overwritten'"),
    ("truncates-artifacts", "logging", "artifacts", "1000 bytes, expected 2097152"),
    ("truncates-artifacts", "logging", "models", "loading failed"),
    ("loses-version", "logging", "registry", "search_model_versions misses version(s) ['2']"),
    ("writes-local-disk", "postgres-tracking", "backend-rows", "no row in any table"),
    ("writes-local-disk", "minio-artifacts", "backend-objects", "no object for"),
]
SERVICES = {"postgres-tracking", "minio-artifacts"}


def test_every_check_has_a_broken_plugin():
    from harness.scenario import CHECKS

    assert {check for _, _, check, _ in CASES} == set(CHECKS)


@pytest.mark.parametrize("plugin, scenario, check, detail", CASES,
                         ids=[f"{p}-{c}" for p, _, c, _ in CASES])
def test_broken_plugin_fails_the_check_it_breaks(harness, request, plugin, scenario, check, detail):
    if scenario in SERVICES:
        client = request.getfixturevalue("docker_client")
    outcome = harness("run", str(PLUGINS / "broken" / plugin), "--scenario", scenario)
    assert outcome.code == 1, outcome.stdout + outcome.stderr
    result = outcome.checks(scenario)[check]
    assert result["status"] == "failed"
    assert detail in result["detail"]
    assert f"FAIL {check}: " in outcome.stdout
    if scenario in SERVICES:  # a failing run leaves nothing behind either
        assert leftovers(client, run=outcome.report["environment"]["run_id"]) == []
