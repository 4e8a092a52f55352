"""Contract differences show where two long values part, and never list null against null."""

from harness.checks import Evidence, run_check
from harness.checks.contract import differences
from harness.model.results import Status

ORACLE = "SqlAlchemyStore (SQLite)"


def _finished(tags: dict[str, str]) -> dict[str, object]:
    """A run view as the conformance workload records it; long enough to share 120 chars."""
    return {
        "id": "run#1",
        "name": "first",
        "status": "FINISHED",
        "lifecycle_stage": "active",
        "ended_after_start": True,
        "params": {"p": "1" * 40},
        "metrics": {"m": 0.5},
        "tags": tags,
    }


def test_long_values_sharing_a_prefix_are_shown_where_they_differ():
    mine, theirs = _finished({"k": "v"}), _finished({"k": "w"})
    problems, _ = differences([["finished", mine]], [(ORACLE, [["finished", theirs]])])
    assert len(problems) == 1
    shown_mine, shown_theirs = problems[0].split(", MLflow's own store ")
    assert shown_mine != "'finished': plugin " + shown_theirs  # the two sides read differently
    assert shown_mine.endswith('"tags": {"k": "[differs at char 211]v"}}')
    assert shown_theirs.endswith('"tags": {"k": "[differs at char 211]w"}}')


def test_the_window_is_around_the_first_difference_with_sorted_keys():
    prefix = "x" * 200
    problems, _ = differences(
        [["read", {"b": 1, "a": prefix + "MINE"}]],
        [(ORACLE, [["read", {"a": prefix + "THEIRS", "b": 1}]])],
    )
    at = len('{"a": "') + 200 + 1  # 1-based: the first character that differs
    assert problems == [
        f"'read': plugin ...{'x' * 40}[differs at char {at}]MINE\", \"b\": 1}}, MLflow's own "
        f'store ...{"x" * 40}[differs at char {at}]THEIRS", "b": 1}}'
    ]


def test_long_strings_are_shown_where_they_differ():
    problems, _ = differences(
        [["s", "a" * 130 + "1" + "z" * 100]], [(ORACLE, [["s", "a" * 130 + "2" + "z" * 100]])]
    )
    assert problems == [
        f"'s': plugin ...{'a' * 40}[differs at char 132]1{'z' * 39}..., MLflow's "
        f"own store ...{'a' * 40}[differs at char 132]2{'z' * 39}..."
    ]


def test_short_values_are_shown_whole():
    problems, _ = differences([["read", {}]], [(ORACLE, [["read", {"k": "v"}]])])
    assert problems == ['\'read\': plugin {}, MLflow\'s own store {"k": "v"}']


def test_upstream_notes_show_where_they_differ_too():
    mine, theirs = _finished({"k": "v"}), _finished({"k": "w"})
    problems, notes = differences(
        [["finished", mine]],
        [(ORACLE, [["finished", theirs]]), ("FileStore", [["finished", mine]])],
    )
    assert not problems and len(notes) == 1
    assert "211]v\"}} (MLflow's own SqlAlchemyStore (SQLite): ..." in notes[0]
    assert notes[0].endswith('211]w"}})')


def test_null_against_null_or_missing_is_not_a_difference():
    plugin = [["create", None], ["delete", None]]
    oracle = [["create", None], ["renamed", None], ["deleted", None]]
    assert differences(plugin, [(ORACLE, oracle)]) == ([], [])
    result = run_check(
        "tracking.tags",
        Evidence(
            {},
            contract={
                "plugin": {"tracking.tags": plugin},
                "roles": ["tracking"],
                "oracles": [
                    {"stores": {"tracking": ORACLE}, "features": {"tracking.tags": oracle}}
                ],
            },
        ),
    )
    assert result.status is Status.PASSED, result.detail


def test_null_against_a_value_is_still_a_difference():
    problems, _ = differences([["create", None]], [(ORACLE, [["create", None], ["read", {}]])])
    assert problems == ["'read': plugin null, MLflow's own store {}"]


def test_every_difference_of_a_transcript_is_listed_after_a_long_one():
    long_a, long_b = "x" * 200 + "a", "x" * 200 + "b"
    plugin = [["one", long_a], ["two", 1], ["three", 3]]
    oracle = [["one", long_b], ["two", 2], ["three", 3]]
    problems, _notes = differences(plugin, [("own", oracle)])
    assert len(problems) == 2 and problems[1].startswith("'two'")
