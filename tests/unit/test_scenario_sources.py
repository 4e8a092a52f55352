"""Where scenarios come from: the harness's own, the plugin repository's scenarios/ and each
--scenario-dir; the files the harness ships, found the same way from a checkout or a wheel."""

from pathlib import Path

import pytest

from harness.model.errors import UsageError
from harness.model.resources import bundled
from harness.planning.scenario import SCENARIO_DIR, available, directories, select

SCENARIO = "description: {name}\nworkloads: [{{kind: quickstart}}]\nchecks: [runs]\n"


def scenarios_in(directory: Path, *names: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / f"{name}.yaml").write_text(SCENARIO.format(name=name))
    return directory


def test_the_plugins_own_scenarios_come_after_the_harnesss(tmp_path):
    plugin = tmp_path / "plugin"
    scenarios_in(plugin / "scenarios", "my-store-quickstart")
    extra = scenarios_in(tmp_path / "more", "my-other-check")
    sources = directories(str(plugin), [extra])
    assert sources == [SCENARIO_DIR, plugin / "scenarios", extra]
    names = list(available(sources))
    assert names[: len(available())] == list(available())
    assert names[-2:] == ["my-store-quickstart", "my-other-check"]
    assert [s.name for s in select(["my-other-check"], sources)] == ["my-other-check"]
    assert [s.description for s in select(None, sources)][-1] == "my-other-check"


def test_a_plugin_without_scenarios_or_given_by_name_adds_nothing(tmp_path):
    assert directories(str(tmp_path)) == [SCENARIO_DIR]
    assert directories("mlflow-some-plugin==1.0") == [SCENARIO_DIR]
    assert directories(str(SCENARIO_DIR.parent), [SCENARIO_DIR]) == [SCENARIO_DIR]  # once


def test_a_missing_directory_and_a_name_defined_twice_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match=r"--scenario-dir .*nowhere: no such directory"):
        directories(None, [tmp_path / "nowhere"])
    twice = scenarios_in(tmp_path / "mine", "quickstart")
    with pytest.raises(UsageError, match=r"scenario 'quickstart' is defined twice: .* and .*mine"):
        available(directories(None, [twice]))


def test_the_shipped_files_are_found(tmp_path):
    assert (bundled("scenarios") / "scenario.schema.json").is_file()
    assert (bundled("images") / "postgres" / "Dockerfile").is_file()
    assert (bundled("scripts") / "ensure-docker").is_file()
