"""Contract checks compare transcripts; declarations turn differences into skips, strictly."""

from harness.checks import Evidence, run_check
from harness.model.results import Status

SAME = [["create", None], ["read", {"k": "v"}]]


def _oracle(name, transcript):
    return {
        "stores": {"tracking": name, "artifacts": "LocalArtifactRepository", "registry": name},
        "features": {"tracking.tags": transcript},
    }


def evidence(plugin, oracle=SAME, roles=("tracking",), unsupported=None, errors=None, others=()):
    oracles = [
        _oracle("SqlAlchemyStore (SQLite)", oracle),
        *(_oracle(name, t) for name, t in others),
    ]
    return Evidence(
        {},
        contract={
            "plugin": {"tracking.tags": plugin},
            "oracles": oracles,
            "roles": list(roles),
            "unsupported": unsupported or {},
            "errors": errors or {},
        },
    )


def test_equal_transcripts_pass():
    assert run_check("tracking.tags", evidence(SAME)).status is Status.PASSED


def test_a_differing_step_fails_naming_both_outcomes():
    result = run_check("tracking.tags", evidence([["create", None], ["read", {}]]))
    assert result.status is Status.FAILED
    assert result.detail == '\'read\': plugin {}, MLflow\'s own store {"k": "v"}'


def test_a_step_another_builtin_store_shares_is_an_upstream_note_not_a_failure():
    filestore = [["create", None], ["read", {"k": "inf"}]]
    result = run_check("tracking.tags", evidence(filestore, others=[("FileStore", filestore)]))
    assert result.status is Status.PASSED and result.blame is None
    assert result.notes == [
        'MLflow\'s own FileStore does the same: \'read\': {"k": "inf"} '
        '(MLflow\'s own SqlAlchemyStore (SQLite): {"k": "v"})'
    ]


def test_a_step_no_builtin_store_shares_is_the_plugins_failure():
    result = run_check(
        "tracking.tags", evidence([["create", None], ["read", {}]], others=[("FileStore", SAME)])
    )
    assert result.status is Status.FAILED and result.blame == "plugin" and not result.notes


def test_missing_steps_and_set_up_crashes_are_differences():
    result = run_check(
        "tracking.tags", evidence([["create", None]], errors={"tracking.tags": "KeyError: 'x'"})
    )
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

    from harness.model.contracts import FEATURES

    source = Path(__file__).parents[2] / "harness" / "workloads" / "conformance.py"
    named = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if (
            isinstance(node, ast.Dict)
            and node.keys
            and all(
                isinstance(k, ast.Constant)
                and str(k.value).startswith(("tracking.", "artifacts.", "registry."))
                for k in node.keys
            )
        ):
            named |= {k.value for k in node.keys}
    assert named == {f for f in FEATURES if not f.endswith(".methods")}


def surfaces(mine, theirs, missing_methods=None, called=("log_batch",)):
    side = lambda missing: {
        "class": "plugin:Store",
        "declared": 10,
        "missing": missing,
        "called": list(called),
    }
    return Evidence(
        {},
        contract={
            "plugin": {},
            "oracle": {},
            "roles": ["tracking"],
            "surfaces": {"plugin": {"tracking": side(mine)}, "oracle": {"tracking": side(theirs)}},
            "missing_methods": missing_methods or {},
        },
    )


def test_methods_the_oracle_implements_must_not_be_missing():
    result = run_check("tracking.methods", surfaces(["log_inputs", "start_trace"], ["start_trace"]))
    assert result.status is Status.FAILED
    assert result.detail == (
        "1 method(s) MLflow's own store implements are missing or empty in plugin:Store: log_inputs"
    )


def test_methods_missing_on_both_sides_pass_and_the_count_is_reported():
    result = run_check("tracking.methods", surfaces(["start_trace"], ["start_trace"]))
    assert result.status is Status.PASSED
    assert result.detail == (
        "implements every method MLflow's own store does (9 of 10 declared); the suite called 1"
    )


def test_declared_missing_methods_are_excused_by_glob_and_fail_when_stale():
    declared = {"tracking.*trace*": "no tracing", "registry.anything": "other role"}
    excused = run_check("tracking.methods", surfaces(["start_trace", "get_trace"], [], declared))
    assert excused.status is Status.PASSED and excused.detail.endswith("; 2 declared missing")
    stale = run_check("tracking.methods", surfaces([], [], declared))
    assert stale.status is Status.FAILED
    assert stale.detail.startswith("declared missing but implemented") and "*trace*" in stale.detail


def test_a_store_that_cannot_be_created_fails_and_a_broken_oracle_is_an_error():
    broken = surfaces([], [])
    broken.contract["surfaces"]["plugin"]["tracking"] = {"error": "KeyError: 'x'"}
    assert run_check("tracking.methods", broken).status is Status.FAILED
    broken.contract["surfaces"]["oracle"]["tracking"] = {"error": "KeyError: 'y'"}
    assert run_check("tracking.methods", broken).status is Status.ERROR


def test_missing_method_declarations_name_a_role(tmp_path):
    import pytest

    from harness.model.config import load_config
    from harness.model.errors import ScenarioError

    good = tmp_path / "good.yaml"
    good.write_text("missing_methods:\n  tracking.*trace*: no tracing\n")
    assert load_config(good).missing_methods == {"tracking.*trace*": "no tracing"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("missing_methods:\n  start_trace: no role\n")
    with pytest.raises(ScenarioError, match=r"bad.yaml:2"):
        load_config(bad)
