"""The console shows a check's notes one line per kind, each line at most 200 characters."""

from harness.reports.report import WIDTH, console_notes


def test_notes_of_one_kind_fold_into_one_line_naming_each():
    notes = [
        f"MLflow's own stores disagree: {op} (outcome): FileStore: {'x' * 300}; SQLite: ok"
        for op in ("log_batch", "search_runs", "set_tag")
    ]
    notes.append("MLflow's own FileStore does the same: 'name': plugin None")
    lines = console_notes("domain", notes)
    assert lines == [
        "NOTE domain: MLflow's own stores disagree (3): log_batch (outcome), search_runs "
        "(outcome), set_tag (outcome)",
        "NOTE domain: MLflow's own FileStore does the same: 'name': plugin None",
    ]


def test_a_long_note_is_cut_at_a_word_and_says_where_the_rest_is():
    [line] = console_notes("domain", ["MLflow's own stores disagree: " + "word " * 100])
    assert len(line) <= WIDTH and line.endswith("word …; whole in report.html"), line
    assert console_notes("tags", []) == []


def test_notes_on_one_subject_name_it_once_and_keep_their_count():
    notes = [f"MLflow's own FileStore does the same: run r1: metric m{i} differs" for i in range(4)]
    assert console_notes("metrics", notes) == [
        "NOTE metrics: MLflow's own FileStore does the same (4): run r1"
    ]
