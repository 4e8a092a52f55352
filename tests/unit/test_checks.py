"""The checks are pure functions over JSON evidence: exercised here with small hand-made cases."""

from harness.checks import Evidence, run_check
from harness.model.results import Status


def manifest(**runs) -> dict:
    return {
        "workload": "t",
        "tracking_uri": "x",
        "registry_uri": "x",
        "experiments": [{"id": "1", "name": "e"}],
        "runs": runs,
        "models": [],
        "registry": [],
        "context_providers": [],
    }


def expected_run(metrics=None, params=None, tags=None, artifacts=None) -> dict:
    return {
        "experiment_id": "1",
        "name": "r",
        "parent_id": None,
        "params": params or {},
        "tags": tags or {},
        "metrics": metrics or {},
        "artifacts": artifacts or {},
    }


def observed_run(
    metrics=None, latest=None, params=None, tags=None, listing=None, downloads=None
) -> dict:
    return {
        "experiment_id": "1",
        "name": "r",
        "status": "FINISHED",
        "start_time": 1,
        "end_time": 2,
        "params": params or {},
        "tags": tags or {},
        "latest": latest or {},
        "metrics": metrics or {},
        "listing": listing or [],
        "downloads": downloads or {},
    }


def evidence(exp: dict, got: dict) -> Evidence:
    m = manifest(r1=exp)
    return Evidence(
        {"entry_points": []},
        [
            (
                m,
                {
                    "experiments": {"1": {"name": "e", "run_ids": ["r1"]}},
                    "runs": {"r1": got},
                    "models": [],
                    "registry": [],
                },
            )
        ],
    )


def point(value, step, ts, order=0) -> dict:
    return {"value": value, "step": step, "timestamp": ts, "order": order}


def test_metric_histories_must_match_exactly():
    exp = expected_run(metrics={"m": [point(1.0, 0, 10), point(2.0, 1, 20, 1)]})
    good = observed_run(metrics={"m": [[0, 10, 1.0], [1, 20, 2.0]]}, latest={"m": 2.0})
    assert run_check("metrics", evidence(exp, good)).status is Status.PASSED
    dropped = observed_run(metrics={"m": [[0, 10, 1.0]]}, latest={"m": 1.0})
    result = run_check("metrics", evidence(exp, dropped))
    assert result.status is Status.FAILED and "has 1 point(s), expected 2" in result.detail
    wrong_ts = observed_run(metrics={"m": [[0, 10, 1.0], [1, 21, 2.0]]}, latest={"m": 2.0})
    assert run_check("metrics", evidence(exp, wrong_ts)).status is Status.FAILED
    wrong_latest = observed_run(metrics={"m": [[0, 10, 1.0], [1, 20, 2.0]]}, latest={"m": 1.0})
    assert "latest 'm'" in run_check("metrics", evidence(exp, wrong_latest)).detail


def test_nan_equals_nan_in_histories():
    nan = float("nan")
    exp = expected_run(metrics={"m": [point(nan, 0, 10)]})
    got = observed_run(metrics={"m": [[0, 10, nan]]}, latest={"m": nan})
    assert run_check("metrics", evidence(exp, got)).status is Status.PASSED


def test_params_must_not_change_or_multiply():
    exp = expected_run(params={"a": "1"})
    assert (
        run_check("params", evidence(exp, observed_run(params={"a": "1"}))).status is Status.PASSED
    )
    assert (
        run_check("params", evidence(exp, observed_run(params={"a": "2"}))).status is Status.FAILED
    )
    extra = observed_run(params={"a": "1", "b": "2"})
    assert "unexpected params" in run_check("params", evidence(exp, extra)).detail


def test_artifacts_compare_listing_and_content():
    want = {"d/f.txt": {"size": 3, "sha256": "abc"}}
    listing = [
        {"path": "d", "is_dir": True, "size": None},
        {"path": "d/f.txt", "is_dir": False, "size": 3},
    ]
    ok = observed_run(listing=listing, downloads={"d/f.txt": {"sha256": "abc", "size": 3}})
    assert (
        run_check("artifacts", evidence(expected_run(artifacts=want), ok)).status is Status.PASSED
    )
    corrupt = observed_run(listing=listing, downloads={"d/f.txt": {"sha256": "zzz", "size": 3}})
    result = run_check("artifacts", evidence(expected_run(artifacts=want), corrupt))
    assert result.status is Status.FAILED and "sha256" in result.detail
    unlisted = observed_run(listing=[], downloads={"d/f.txt": {"sha256": "abc", "size": 3}})
    assert (
        "missing from list_artifacts"
        in run_check("artifacts", evidence(expected_run(artifacts=want), unlisted)).detail
    )


def test_no_data_is_a_skip_not_a_pass():
    result = run_check("registry", evidence(expected_run(), observed_run()))
    assert result.status is Status.SKIPPED and result.detail


def test_entry_point_failures_name_group_entry_and_error():
    probe = {
        "entry_points": [
            {
                "group": "mlflow.tracking_store",
                "name": "x",
                "value": "m:C",
                "loaded": False,
                "error": "ImportError: nope",
                "problems": [],
                "abstract_left": [],
                "calls": None,
            }
        ]
    }
    result = run_check("entry-points", Evidence(probe))
    assert result.status is Status.FAILED
    assert "mlflow.tracking_store:x (m:C) fails to load: ImportError: nope" in result.detail


def test_a_crashing_check_is_an_error_not_a_failure():
    assert run_check("runs", Evidence({"entry_points": []}, [({}, {})])).status is Status.ERROR


def test_round_trips_skip_without_the_group_and_name_each_problem():
    from harness.checks import Evidence

    assert run_check("projects", Evidence({})).status is Status.SKIPPED
    none = Evidence({}, observed={"projects": {"backends": [], "expected": {}}})
    assert "no mlflow.project_backend entry point" in run_check("projects", none).detail
    backend = {
        "name": "b",
        "error": None,
        "waited": True,
        "status": "FINISHED",
        "run": {
            "status": "FINISHED",
            "params": {"alpha": "0.25"},
            "metrics": {},
            "experiment_id": True,
        },
    }
    data = {
        "backends": [backend],
        "expected": {"params": {"alpha": "0.25"}, "metrics": {"twice_alpha": 0.5}},
    }
    result = run_check("projects", Evidence({}, observed={"projects": data}))
    assert result.status is Status.FAILED and "backend b: the run holds params" in result.detail
