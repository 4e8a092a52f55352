"""Bad input: a one-line error, exit code 2, no traceback, nothing left behind."""

import pytest

from tests.helpers import PLUGINS


def one_line_error(outcome) -> str:
    assert "Traceback" not in outcome.stderr
    lines = [ln for ln in outcome.stderr.strip().splitlines() if not ln.startswith("==> ")]
    assert len(lines) == 1, outcome.stderr
    return lines[0]


def error_lines(outcome) -> list[str]:
    """stderr's error: its first line says it is one, each line is one ``file:line: ...``."""
    assert "Traceback" not in outcome.stderr
    lines = [ln for ln in outcome.stderr.strip().splitlines() if not ln.startswith("==> ")]
    assert lines and lines[0].startswith("mlflow-plugin-harness: error: "), outcome.stderr
    return [lines[0].removeprefix("mlflow-plugin-harness: error: "), *lines[1:]]


def test_unknown_option(harness):
    outcome = harness("run", str(PLUGINS / "reference-plugin"), "--frobnicate")
    assert outcome.code == 2
    assert "unrecognized arguments: --frobnicate" in one_line_error(outcome)


def test_missing_plugin_path(harness):
    # as outside pytest-xdist: every CPU is the run's, so workers would be chosen first
    outcome = harness(
        "run", "./tests/plugins/does-not-exist", env={"PYTEST_XDIST_WORKER_COUNT": "1"}
    )
    assert outcome.code == 2
    assert one_line_error(outcome).endswith("plugin path not found: ./tests/plugins/does-not-exist")
    assert "workers" not in outcome.stderr  # said before anything starts


def test_malformed_scenario(harness, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "description: broken\nworkloads:\n  - kind: logging\n    runz: 3\nchecks: [runs]\n"
    )
    outcome = harness("run", str(PLUGINS / "reference-plugin"), "--scenario", str(bad))
    assert outcome.code == 2
    line = one_line_error(outcome)
    assert line.endswith(f"{bad}:4: workloads.0.runz: unknown key (did you mean 'runs'?)")
    outcome = harness("validate", str(bad))
    assert outcome.code == 2 and f"{bad}:4" in one_line_error(outcome)

    # every error, one line each, unknown keys first with a suggestion; the first line whole
    bad.write_text("description: x\nworkloadz:\n  - kind: logging\nchecks: [runs, nope]\n")
    good = tmp_path / "good.yaml"
    good.write_text("description: x\nchecks: [runs]\n")
    outcome = harness("validate", str(good), str(bad))
    assert outcome.code == 2 and outcome.stdout == f"{good}: ok\n"
    lines = error_lines(outcome)
    assert lines[0] == f"{bad}:2: workloadz: unknown key (did you mean 'workloads'?)"
    assert lines[1].startswith(f"{bad}:4: checks.1: unknown check 'nope'")
    assert len(lines) == 2


def test_plugin_pinned_to_an_older_mlflow_names_the_pin(harness):
    outcome = harness("run", str(PLUGINS / "pins-old-mlflow"), "--mlflow-version", "3.17.2")
    assert outcome.code == 2
    line = one_line_error(outcome)
    assert "pins-old-mlflow" in line and "requires mlflow" in line and "<3" in line
    assert "3.17.2" in line


def test_requirement_that_does_not_exist(harness):
    outcome = harness("run", "mlflow-plugin-that-does-not-exist-anywhere==9.9")
    assert outcome.code == 2
    assert "cannot be installed" in one_line_error(outcome)


def test_help_reads_like_git(harness):
    outcome = harness("--help")
    assert outcome.code == 0
    assert "<command> [<args>]" in outcome.stdout and "run " in outcome.stdout
    listed = [line.split()[0] for line in outcome.stdout.splitlines() if line.startswith("   ")]
    assert sorted(listed) == sorted(set(listed)) and "cleanup" in listed  # each command once
    assert harness("scenarios").stdout.count("\n") >= 3


def test_no_temp_dirs_left_behind(harness, tmp_path):
    private = tmp_path / "tmp"  # its own TMPDIR: parallel tests make temp dirs too
    private.mkdir()
    outcome = harness(
        "run",
        str(PLUGINS / "reference-plugin"),
        "--scenario",
        "quickstart",
        env={"TMPDIR": str(private)},
    )
    assert outcome.code == 0
    assert not list(private.glob("mlflow-plugin-harness-*"))


@pytest.mark.parametrize("args", [["validate", "scenarios/quickstart.yaml"], ["schema"]])
def test_other_commands_succeed(harness, args):
    assert harness(*args).code == 0


def test_temp_dirs_of_killed_runs_are_swept(harness, tmp_path):
    import subprocess

    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = tmp_path / f"mlflow-plugin-harness-{dead.pid}-killed"
    leftover.mkdir()
    (leftover / "mlflow.db").write_text("left by a run that was killed")
    outcome = harness(
        "run",
        str(PLUGINS / "reference-plugin"),
        "--scenario",
        "entry-points",
        env={"TMPDIR": str(tmp_path)},
    )
    assert outcome.code == 0
    assert not leftover.exists()
