"""Contract checks compare transcripts; declarations turn differences into skips, strictly."""

from harness.checks import Evidence, run_check
from harness.results import Status

SAME = [["create", None], ["read", {"k": "v"}]]


def evidence(plugin, oracle=SAME, roles=("tracking",), unsupported=None, errors=None):
    return Evidence({}, contract={"plugin": {"tracking.tags": plugin},
                                  "oracle": {"tracking.tags": oracle}, "roles": list(roles),
                                  "unsupported": unsupported or {}, "errors": errors or {}})


def test_equal_transcripts_pass():
    assert run_check("tracking.tags", evidence(SAME)).status is Status.PASSED


def test_a_differing_step_fails_naming_both_outcomes():
    result = run_check("tracking.tags", evidence([["create", None], ["read", {}]]))
    assert result.status is Status.FAILED
    assert result.detail == "'read': plugin {}, MLflow's own store {\"k\": \"v\"}"


def test_missing_steps_and_set_up_crashes_are_differences():
    result = run_check("tracking.tags", evidence([["create", None]],
                                                 errors={"tracking.tags": "KeyError: 'x'"}))
    assert result.status is Status.FAILED
    assert "'read': plugin null" in result.detail and "set-up failed: KeyError" in result.detail


def test_declarations_skip_differences_and_fail_when_stale():
    declared = {"tracking.tags": "no tags"}
    differing = run_check("tracking.tags", evidence([["create", None]], unsupported=declared))
    assert (differing.status, differing.detail) == (Status.SKIPPED, "declared unsupported: no tags")
    stale = run_check("tracking.tags", evidence(SAME, unsupported=declared))
    assert stale.status is Status.FAILED and "remove the declaration" in stale.detail


def test_roles_the_plugin_does_not_fill_are_skipped():
    result = run_check("tracking.tags", evidence(SAME, roles=("artifacts",)))
    assert result.status is Status.SKIPPED and "mlflow.tracking_store" in result.detail
    assert run_check("registry.models", Evidence({})).status is Status.SKIPPED


def test_the_workload_and_the_harness_name_the_same_features():
    import ast
    from pathlib import Path

    from harness.contracts import FEATURES

    source = Path(__file__).parents[2] / "harness" / "workloads" / "conformance.py"
    named = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Dict) and node.keys and all(
                isinstance(k, ast.Constant) and str(k.value).startswith(("tracking.", "artifacts.",
                                                                         "registry."))
                for k in node.keys):
            named |= {k.value for k in node.keys}
    assert named == set(FEATURES)
