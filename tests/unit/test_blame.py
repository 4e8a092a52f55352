"""Cross-examination: problems MLflow's own stores share are upstream notes, not failures."""

from harness.model.results import CheckResult, Status
from harness.run.blame import normal, reexamined

RUN_A, RUN_B = "3040a3e3295141beae49ef9c815fd95e", "9f1c0d2e3b4a59687766554433221100"


def failed(*problems):
    return CheckResult("metrics", Status.FAILED, "; ".join(problems), problems=list(problems))


def test_ids_that_differ_between_stores_are_erased():
    assert normal(f"run {RUN_A}: metric 'm' has 21 point(s)") == normal(
        f"run {RUN_B}: metric 'm' has 21 point(s)"
    )
    assert normal("experiment 12 unreadable") == normal("experiment 7 unreadable")
    assert normal("metric 'm' has 21 point(s)") != normal("metric 'm' has 20 point(s)")


def test_a_problem_a_builtin_store_shares_becomes_a_note_and_the_check_passes():
    mine = failed(f"run {RUN_A}: metric 'm' has 21 point(s), expected 20")
    theirs = [
        ("SqlAlchemyStore (SQLite)", CheckResult("metrics", Status.PASSED, "ok")),
        ("FileStore", failed(f"run {RUN_B}: metric 'm' has 21 point(s), expected 20")),
    ]
    result = reexamined(mine, theirs)
    assert (result.status, result.blame) == (Status.PASSED, None)
    assert result.notes == [
        f"MLflow's own FileStore does the same: run {RUN_A}: metric 'm' has "
        "21 point(s), expected 20"
    ]
    assert "FileStore" in result.detail


def test_problems_of_the_plugins_own_stay_failures_next_to_the_notes():
    mine = failed("metric 'm' has 21 point(s), expected 20", "param 'p' is 'x', not 'y'")
    result = reexamined(mine, [("FileStore", failed("metric 'm' has 21 point(s), expected 20"))])
    assert (result.status, result.blame) == (Status.FAILED, "plugin")
    assert result.problems == ["param 'p' is 'x', not 'y'"] and len(result.notes) == 1


def test_nothing_shared_leaves_the_result_as_it_was():
    mine = failed("param 'p' is 'x', not 'y'")
    assert reexamined(mine, [("FileStore", CheckResult("params", Status.PASSED))]) is mine
