"""Environment resolution logic, with the resolver and the builder faked (no network; uv only
offline, for what a failed sync means)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from harness.env import environment
from harness.model.plugin import PluginSource


class FakeInstaller:
    """Resolves MLflow to ``picks`` (by the MLflow requirement) and records every call."""

    calls: ClassVar[list[tuple[str, tuple[str, ...]]]] = []

    def __init__(self, picks: dict[str, str]) -> None:
        self.picks = picks

    def resolve(self, plugin, mlflow: str, python: str, constraints: tuple[str, ...] = ()) -> str:
        self.calls.append((mlflow, constraints))
        version = self.picks.get(mlflow, mlflow.partition("==")[2])
        sqlalchemy = "2.0.44" if "sqlalchemy<2.1" in constraints else "2.1.0"
        return f"mlflow=={version}\nsqlalchemy=={sqlalchemy}\npins-old==0.1.0\n"

    def build(self, path: Path, lock: str, python: str, rebuild=None) -> None:
        path.mkdir(parents=True)
        (path / "harness-lock.txt").write_text(lock)


@pytest.fixture
def installer(monkeypatch, tmp_path):
    def make(picks: dict[str, str]) -> FakeInstaller:
        fake = FakeInstaller(picks)
        FakeInstaller.calls = []
        monkeypatch.setattr(environment, "Installer", lambda wheels=None: fake)
        return fake

    monkeypatch.setenv("MLFLOW_PLUGIN_HARNESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(environment.NEWEST_MLFLOW, raising=False)  # the suite's cap: not here
    return make


PLUGIN = PluginSource("pins-old==0.1.0", "requirement", "pins-old==0.1.0")


def test_an_mlflow_2_chosen_by_the_resolver_gets_the_sqlalchemy_constraint(installer):
    fake = installer({"mlflow": "2.22.1"})
    env = environment.ensure_environment(PLUGIN, None)
    assert env.mlflow_version == "2.22.1"
    assert [c.split(" ")[0] for c in env.constraints] == ["sqlalchemy<2.1"]
    assert "FallbackAsyncAdaptedQueuePool" in env.constraints[0]
    # resolved once as asked, then again with MLflow pinned and the constraint added
    assert fake.calls == [("mlflow", ()), ("mlflow==2.22.1", ("sqlalchemy<2.1",))]
    assert "sqlalchemy==2.0.44" in (env.path / "harness-lock.txt").read_text()
    assert json.loads((env.path / environment.MARKER).read_text())["mlflow"] == "2.22.1"


def test_an_mlflow_2_asked_for_is_constrained_in_one_resolution(installer):
    fake = installer({})
    env = environment.ensure_environment(PLUGIN, "2.22.1")
    assert [c.split(" ")[0] for c in env.constraints] == ["sqlalchemy<2.1"]
    assert fake.calls == [("mlflow==2.22.1", ("sqlalchemy<2.1",))]


def test_mlflow_3_gets_no_constraint(installer):
    fake = installer({"mlflow": "3.17.2"})
    env = environment.ensure_environment(PLUGIN, None)
    assert env.mlflow_version == "3.17.2" and env.constraints == []
    assert fake.calls == [("mlflow", ())]


def test_a_run_given_no_version_takes_the_newest_up_to_the_cap_when_one_is_set(
    installer, monkeypatch
):
    fake = installer({"mlflow<=3.17.2": "3.17.2"})
    monkeypatch.setenv(environment.NEWEST_MLFLOW, "3.17.2")
    assert environment.ensure_environment(PLUGIN, None).mlflow_version == "3.17.2"
    assert fake.calls == [("mlflow<=3.17.2", ())]
    environment.ensure_environment(PLUGIN, "2.22.1")  # a version asked for: the cap is moot
    assert fake.calls[-1][0] == "mlflow==2.22.1"


def test_the_packages_uv_found_no_wheel_for_are_named_with_their_specifier():
    stderr = (
        "  x No solution found when resolving dependencies:\n"
        "  cause: Because psycopg2>=2.8.6 has no usable wheels and mlflow-greenplum-plugin==0.1.0"
        " depends on psycopg2>=2.8.6, we can conclude ...\n"
        "hint: Wheels are required for `psycopg2` because building from source is disabled\n"
        "hint: Wheels are required for `docopt` because building from source is disabled\n"
    )
    assert environment._without_wheels(stderr) == ["docopt", "psycopg2>=2.8.6"]
    assert environment._without_wheels("error: something else entirely") == []


# uv's error for a lock whose pin the index lost, wrapped as uv wraps it on a narrow terminal.
LOST_PIN = (
    "error: No solution found when resolving dependencies\n"
    "  cause: Because there is no version of mlflow-skinny==3.17.2 and you require\n"
    "         mlflow-skinny==3.17.2, we can conclude that your requirements are\n"
    "         unsatisfiable.\n"
)


def test_uvs_reason_is_one_line_with_the_package_named_not_its_last_wrapped_word():
    reason = environment.uv_reason(LOST_PIN)
    assert reason.startswith("Because there is no version of mlflow-skinny==3.17.2 and you")
    assert reason.endswith("unsatisfiable.") and "\n" not in reason
    assert environment.uv_reason("error: one line\n") == "error: one line"


def test_a_sync_whose_pin_the_index_lost_is_tried_again_then_an_infrastructure_error(
    monkeypatch, tmp_path
):
    installer = environment.Installer()
    installer.env = {**installer.env, "UV_NO_INDEX": "1", "UV_CACHE_DIR": str(tmp_path / "uv")}
    monkeypatch.setattr(environment, "SYNC_PAUSE", 0.0)
    with pytest.raises(environment.InfrastructureError) as raised:
        installer.build(
            tmp_path / "env", "harness-no-such-package==1.0\n", environment.sys.executable
        )
    message = str(raised.value)
    assert f"after {environment.SYNC_ATTEMPTS} tries" in message
    assert "harness-no-such-package" in message and "\n" not in message


def test_mlflow_before_3_9_gets_sqlalchemy_below_2_1_and_later_ones_do_not():
    pinned = {
        v: [c for c, _ in environment.compatibility_constraints(v)]
        for v in ("2.22.1", "3.0.0", "3.8.1", "3.9.0", "3.17.2")
    }
    assert pinned == {
        "2.22.1": ["sqlalchemy<2.1"],
        "3.0.0": ["sqlalchemy<2.1"],
        "3.8.1": ["sqlalchemy<2.1"],
        "3.9.0": [],
        "3.17.2": [],
    }
