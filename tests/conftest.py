"""Suite-wide settings: tests never pull from a registry (they build or reuse local images).

The tiers: every test gets its markers from where it lives (``make unit`` deselects them all):

- ``slow``: everything under tests/integration/ (it runs the real CLI, builds plugin
  environments, which resolves against the package index, and runs MLflow workloads);
- ``docker``: everything under tests/integration/ but the tests in ``NO_DOCKER``, checked to
  run with no engine at all (``DOCKER_HOST=unix:///nonexistent``);
- ``network``: the tests in ``NETWORK``, which fetch plugins or packages from the package index
  by name, beyond what building an environment from local files does.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_PLUGIN_HARNESS_PULL", "never")
# What the suite expects was verified on these MLflow versions: a run given no version takes
# the newest the plugin allows up to this one, not a release that came out since.
os.environ.setdefault("MLFLOW_PLUGIN_HARNESS_NEWEST_MLFLOW", "3.17.2")

INTEGRATION = Path(__file__).resolve().parent / "integration"

# "file" (every test in it) or "file::test function" (every parametrization of it), in
# tests/integration/.
NO_DOCKER = {
    "test_broken_plugins.py::test_every_check_has_a_broken_plugin",  # reads the scenarios
    "test_ci_job.py::test_the_workflow_is_a_valid_github_actions_job",  # reads the YAML
    "test_ci_job.py::test_the_action_is_a_valid_composite_action",  # reads the YAML
    "test_ci_job.py::test_the_matrix_workflow_is_valid",  # reads the YAML
    # bad input, ended before any environment or container
    "test_cli.py::test_unknown_option",
    "test_cli.py::test_missing_plugin_path",
    "test_cli.py::test_malformed_scenario",
    "test_cli.py::test_help_reads_like_git",
    "test_cli.py::test_other_commands_succeed",
    "test_cli.py::test_requirement_that_does_not_exist",
    "test_cli.py::test_plugin_pinned_to_an_older_mlflow_names_the_pin",
    "test_cli_error_reports.py",
    "test_sharding.py::test_an_empty_shard_runs_nothing_and_passes",  # nothing to run: no engine
    # runs with DOCKER_HOST pointing nowhere on purpose
    "test_services.py::test_without_docker_service_scenarios_end_in_an_error_with_the_fix",
}
NETWORK = {
    "test_pypi_plugins.py",  # third-party plugins from the package index
    "test_wheel.py",  # builds the wheel (its build backend comes from the index)
    "test_server_and_matrix.py::test_matrix_on_a_pypi_plugin",  # mlflow-sysmetrics
    "test_cli.py::test_requirement_that_does_not_exist",  # asks the index for it
    "test_ci_job.py::test_the_workflow_commands_succeed_here",  # `make venv` may reinstall
    # the action installs the harness in a venv of its own from the package index
    "test_ci_job.py::test_the_action_passes_a_sound_plugin",
    "test_ci_job.py::test_a_second_job_starts_from_the_first_jobs_cache",
    "test_ci_job.py::test_the_action_fails_the_job_on_a_broken_plugin",
    "test_ci_job.py::test_the_matrix_workflow_runs_here",
}

# The longest items, handed to the workers first: a long group scheduled last (the wheel's
# whole run, then its shards) would leave the other worker idle until it ends.
FIRST = (
    "test_wheel.py",
    "test_builtin_stores.py::test_mlflows_own_stores_as_a_plugin_pass_on_every_backend_and_both_versions",
    "test_ci_job.py::test_the_matrix_workflow_runs_here",
)


def _listed(keys: set[str], file: str, function: str) -> bool:
    return file in keys or f"{file}::{function}" in keys


def _stale(keys: set[str]) -> list[str]:
    """The keys naming no file or test function (renamed or removed) in tests/integration/."""
    stale = []
    for key in sorted(keys):
        file, _, function = key.partition("::")
        source = INTEGRATION / file
        if not source.is_file() or (function and f"def {function}(" not in source.read_text()):
            stale.append(key)
    return stale


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The ``slow``, ``docker`` and ``network`` markers, by the test's file and function; the
    ``FIRST`` tests moved to the front."""
    stale = _stale(NO_DOCKER | NETWORK | set(FIRST))
    if stale:
        raise pytest.UsageError(f"tests/conftest.py names tests that do not exist: {stale}")
    for item in items:
        path = Path(item.path)
        if not path.is_relative_to(INTEGRATION):
            continue
        file = path.relative_to(INTEGRATION).as_posix()
        function = getattr(item, "originalname", item.name)
        item.add_marker(pytest.mark.slow)
        if not _listed(NO_DOCKER, file, function):
            item.add_marker(pytest.mark.docker)
        if _listed(NETWORK, file, function):
            item.add_marker(pytest.mark.network)
    items.sort(key=_rank)  # stable: the same order on every worker


def _rank(item: pytest.Item) -> int:
    """The place of the item's entry in ``FIRST``; after them all if it has none."""
    path = Path(item.path)
    if path.is_relative_to(INTEGRATION):
        file, function = path.relative_to(INTEGRATION).as_posix(), getattr(item, "originalname", "")
        for rank, key in enumerate(FIRST):
            if _listed({key}, file, function):
                return rank
    return len(FIRST)


def pytest_configure(config: pytest.Config) -> None:
    """``--dist loadgroup`` must group: pytest-xdist up to 3.8 silently stops grouping on pytest
    9.2 (pytest-xdist#1386), and a group's tests spread over the workers collide (a port, a
    plugin's loot, a whole run)."""
    if getattr(config.option, "dist", None) != "loadgroup":
        return
    import xdist

    def release(version: str) -> tuple[int, ...]:
        return tuple(int(p) for p in version.split(".")[:2] if p.isdigit())

    if release(pytest.__version__) >= (9, 2) and release(xdist.__version__) <= (3, 8):
        raise pytest.UsageError(
            f"pytest {pytest.__version__} with pytest-xdist {xdist.__version__} does not group "
            "--dist loadgroup (pytest-xdist#1386): install the pinned versions (make venv)"
        )
