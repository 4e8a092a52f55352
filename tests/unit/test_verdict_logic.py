"""Pure logic: how a dead workload process is explained, and how the load profile is judged."""

from harness.checks import Evidence, run_check
from harness.env.environment import ScriptFailed
from harness.model.results import Status
from harness.run.attempts import explain

HUNG = """INFO starting
broken-hangs: waiting for the write lock
Thread 0x00007f01 (most recent call first):
  File "/env/lib/python3.11/site-packages/sqlalchemy/pool/base.py", line 10 in _worker
Current thread 0x00007f02 (most recent call first):
  File "/env/lib/python3.11/site-packages/broken_hangs/__init__.py", line 19 in _wait
  File "/work/harness/workloads/main.py", line 38 in main
"""


def test_a_hung_process_is_explained_by_its_last_words_and_where_it_was_stuck():
    detail = explain(ScriptFailed("quickstart hung: no answer within 20 s", HUNG, died=True))
    assert detail == (
        "quickstart hung: no answer within 20 s; its last output: broken-hangs: "
        "waiting for the write lock; innermost frame: _wait "
        "(broken_hangs/__init__.py:19)"
    )


def test_a_raised_error_names_itself():
    assert (
        explain(ScriptFailed("logging raised KeyError: 'x'", "Traceback ..."))
        == "logging raised KeyError: 'x'"
    )


def _side(points_per_s: float, lost: list[str] | None = None) -> dict:
    return {
        "runs": 10,
        "points": 10_000,
        "writers": 2,
        "points_per_s": points_per_s,
        "batch_p50_ms": 10.0,
        "batch_p95_ms": 20.0,
        "lost": lost or [],
        "artifact_mb": 4,
        "artifact_mb_per_s": 100.0,
    }


def _judge(mine: dict, theirs: dict, floor: float | None = None):
    evidence = Evidence({})
    evidence.observed["load"] = {"plugin": mine, "oracle": theirs, "min_ratio": floor}
    return run_check("performance", evidence)


def test_performance_reports_ratios_and_passes_without_a_floor():
    result = _judge(_side(500.0), _side(1000.0))
    assert result.status is Status.PASSED
    assert "plugin 500 points/s" in result.detail and "ratio 0.50" in result.detail


def test_performance_fails_under_the_floor_or_on_lost_data():
    assert (
        "points/s ratio 0.50 is below min_ratio 0.8"
        in _judge(_side(500.0), _side(1000.0), 0.8).detail
    )
    lost = _judge(_side(1000.0, ["run r1: 999 of 1000 points"]), _side(1000.0))
    assert lost.status is Status.FAILED and "lost under load: run r1" in lost.detail
    oracle = _judge(_side(1000.0), _side(1000.0, ["run r2: 1 of 1000 points"]))
    assert oracle.status is Status.ERROR  # MLflow's own store losing data is not the plugin's fault


def test_performance_is_skipped_without_a_load_workload():
    assert run_check("performance", Evidence({})).status is Status.SKIPPED
