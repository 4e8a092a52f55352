"""The backend checks judge what the service holds, whatever the plugin's schema."""

from harness.checks import Evidence, run_check
from harness.model.results import Status

RUN = "0123456789abcdef"
MANIFEST = {
    "runs": {
        RUN: {
            "params": {"p": "1"},
            "tags": {"t": "x"},
            "metrics": {"m": [{"value": 0.5, "step": 0}, {"value": 1.5, "step": 1}]},
            "artifacts": {"dir/a.txt": {"sha256": "aa", "size": 1}},
        }
    }
}


def sql(rows):
    return {"service": "postgres", "kind": "sql", "tables": {"t": {"columns": [], "rows": rows}}}


def evidence(**backends):
    return Evidence({}, pairs=[(MANIFEST, {})], backends=backends)


GOOD_ROWS = [
    [RUN, "exp"],
    ["p", "1", RUN],
    [RUN, "t", "x"],
    ["m", 0.5, 0, RUN, 17],
    ["m", 1.5, 1, RUN, 18],
]


def test_rows_in_any_table_layout_pass():
    result = run_check("backend-rows", evidence(tracking=sql(GOOD_ROWS)))
    assert result.status is Status.PASSED, result.detail


def test_missing_rows_fail_naming_what_is_missing():
    rows = [r for r in GOOD_ROWS if r[:2] != ["m", 1.5]]
    result = run_check("backend-rows", evidence(tracking=sql(rows)))
    assert result.status is Status.FAILED and "metric m step 1" in result.detail
    result = run_check("backend-rows", evidence(tracking=sql([["other-run", "p", "1"]])))
    assert result.status is Status.FAILED and "no row in any table" in result.detail
    wrong = [[RUN], ["p", "2", RUN], [RUN, "t", "x"], *GOOD_ROWS[3:]]
    assert "param p='1'" in run_check("backend-rows", evidence(tracking=sql(wrong))).detail


def test_objects_must_hold_the_run_and_path_with_the_same_content():
    s3 = {
        "service": "minio",
        "kind": "s3",
        "objects": {f"artifacts/x/{RUN}/artifacts/dir/a.txt": {"sha256": "aa", "size": 1}},
    }
    assert run_check("backend-objects", evidence(artifacts=s3)).status is Status.PASSED
    s3["objects"] = {f"artifacts/x/{RUN}/artifacts/dir/a.txt": {"sha256": "bb", "size": 1}}
    assert "other content" in run_check("backend-objects", evidence(artifacts=s3)).detail
    s3["objects"] = {}
    assert "no object for dir/a.txt" in run_check("backend-objects", evidence(artifacts=s3)).detail


def test_blob_rows_count_as_objects_for_sql_artifact_stores():
    blob = {"sha256": "aa", "size": 1}
    good = sql([[1, f"a/{RUN}/artifacts/dir/a.txt", 1, blob]])
    assert run_check("backend-objects", evidence(artifacts=good)).status is Status.PASSED
    bad = sql([[1, f"a/{RUN}/artifacts/dir/a.txt", 1, {"sha256": "zz", "size": 1}]])
    assert run_check("backend-objects", evidence(artifacts=bad)).status is Status.FAILED


def test_local_backends_are_a_skip_not_a_pass():
    assert run_check("backend-rows", evidence()).status is Status.SKIPPED
    assert run_check("backend-objects", evidence()).status is Status.SKIPPED
