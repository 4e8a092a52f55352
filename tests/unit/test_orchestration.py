"""The scenario pipeline driven by fakes: a plugin environment with canned answers (or a process
that dies, or a plugin that raises) and a service that can be faulted or be in trouble. No
Docker, no subprocess: what is under test is the runner's orchestration and its verdicts.

A toy workload kind and its check are defined here, in the test, and registered the way a new
kind would be: nothing outside this file knows of them."""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

import pytest

from harness.checks import REGISTRY, Evidence, check, verdict
from harness.env.environment import PluginEnv, ScriptFailed
from harness.kinds import KINDS, WorkloadKind, register
from harness.model.config import SchemeTemplates, Settings
from harness.model.results import Blame, ScenarioResult, Status
from harness.model.specs import WorkloadSpec
from harness.planning.scenario import json_schema, load_scenario
from harness.run.runner import ScenarioRun
from harness.services.base import Binding, ServiceError
from harness.services.pool import Outcome

TOY_SCRIPT = Path("/nowhere/toy_workload.py")  # never run: the fake environment answers


class Toy(WorkloadSpec):
    """A toy kind: writes ``count`` values, which are read back."""

    kind: Literal["toy"]
    count: int = 1


@pytest.fixture(autouse=True)
def toy_kind() -> Iterator[WorkloadKind]:
    """The toy kind and its check, registered for one test only."""

    def toy_values(evidence: Evidence) -> tuple[Status, str]:
        """Every value the toy wrote is read back unchanged."""
        problems = [
            f"wrote {manifest['wrote']}, read {observed['read']}"
            for manifest, observed in evidence.pairs
            if manifest["wrote"] != observed["read"]
        ]
        return verdict(problems, f"{len(evidence.pairs)} toy write(s) read back")

    check("toy-values")(toy_values)
    kind = register(WorkloadKind("toy", Toy, ("toy-values",), TOY_SCRIPT, readback=True))
    yield kind
    del KINDS["toy"], REGISTRY["toy-values"]


def _migrated(request: dict[str, Any]) -> dict[str, Any]:
    """What the migrate script leaves in an SQLite file, as far as the harness reads it."""
    with contextlib.closing(sqlite3.connect(request["uri"].removeprefix("sqlite:///"))) as db:
        db.execute("CREATE TABLE experiments (experiment_id INTEGER)")
        db.execute("CREATE TABLE experiment_tags (experiment_id INTEGER)")
    return {"migrated": True}


class FakeEnv(PluginEnv):
    """A plugin environment whose scripts answer from ``answers`` (by command)."""

    def __init__(self, answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]]) -> None:
        super().__init__(Path(tempfile.mkdtemp()), "toy-plugin", "3.17.2", True, 0.0)
        self.answers = {"migrate": _migrated, **answers}
        self.calls: list[tuple[str, Path | None]] = []
        self.migrated: list[str] = []

    def run_script(
        self,
        command: str,
        request: dict[str, Any],
        *,
        workdir: Path,
        timeout: float,
        env: dict[str, str] | None = None,
        script: Path | None = None,
    ) -> dict[str, Any]:
        if command == "migrate":  # MLflow's SQLite schema, made once in the environment
            self.migrated.append(request["uri"])
        else:
            self.calls.append((command, script))
        return self.answers[command](request)


class FakeService:
    """A started service: faults are recorded, ``problem`` is what ``trouble`` reports."""

    kind = "postgres"
    image = "postgres:fake"

    def __init__(self, fail: str = "") -> None:
        self.actions: list[str] = []
        self.problem: str | None = None
        self.fail = fail  # an action that raises, as a broken engine would

    def _do(self, action: str) -> None:
        if action == self.fail:
            raise ServiceError(f"postgres: {action} failed")
        self.actions.append(action)

    def provision(self, name: str, migrate: Any, schema: str = "") -> Binding:
        return Binding("postgres", {"uri": f"postgresql://127.0.0.1:1/{name}"})

    def inspect(self, binding: Binding) -> dict[str, Any]:
        return {}

    def trouble(self) -> str | None:
        return self.problem

    def logs(self, lines: int = 200) -> str:
        return "postgres log line"

    def restart(self) -> float:
        self._do("restart")
        return 0.1

    def pause(self) -> None:
        self._do("pause")

    def unpause(self) -> None:
        self._do("unpause")

    def fill_disk(self) -> None:
        self._do("fill-disk")

    def free_disk(self) -> None:
        self._do("free-disk")


PROBE = {
    "name": "toy-plugin",
    "version": "1",
    "entry_points": [
        {
            "group": "mlflow.tracking_store",
            "name": "toy",
            "value": "toy_plugin:Store",
            "loaded": True,
            "registered": True,
            "error": None,
        }
    ],
}
SETTINGS = Settings(schemes={"toy": SchemeTemplates(tracking="toy:{workdir}/tracking")})


def scenario(tmp_path: Path, workloads: str, services: str = "[postgres]") -> Any:
    path = tmp_path / "toy-scenario.yaml"
    path.write_text(
        f"description: a toy\nservices: {services}\nworkloads:\n{workloads}checks: [toy-values]\n"
    )
    return load_scenario(path)


def written(request: dict[str, Any]) -> dict[str, Any]:
    return {"wrote": request["options"]["count"]}


def read(request: dict[str, Any]) -> dict[str, Any]:
    return {"read": request["manifest"]["wrote"]}


def built(request: dict[str, Any]) -> dict[str, Any]:
    return {role: {"built": True, "needs": "", "error": ""} for role in request["stores"]}


def run(
    tmp_path: Path,
    spec: Any,
    answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]],
    service: FakeService | None = None,
) -> tuple[ScenarioResult, FakeEnv, list[str]]:
    env, said = FakeEnv({"toy": written, "readback": read, "construct": built, **answers}), []
    outcomes = {("postgres", None): Outcome(service=service or FakeService())}  # type: ignore[arg-type]
    pool = SimpleNamespace(outcomes=outcomes)
    runner = ScenarioRun(env, PROBE, SETTINGS, pool, tmp_path / "reports", said.append)  # type: ignore[arg-type]
    rundir = tmp_path / "run"
    rundir.mkdir(parents=True, exist_ok=True)
    return runner(spec, rundir), env, said


def raising(exc: ScriptFailed) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def answer(_request: dict[str, Any]) -> dict[str, Any]:
        raise exc

    return answer


def test_a_kind_defined_in_a_test_is_a_workload_kind_everywhere(tmp_path: Path) -> None:
    spec = scenario(tmp_path, "  - kind: toy\n    count: 3\n")
    assert isinstance(spec.workloads[0], Toy)
    assert '"toy"' in json_schema() and '"toy-values"' in json_schema()
    result, env, said = run(tmp_path, spec, {})
    assert result.status is Status.PASSED, result.reason
    assert [c.detail for c in result.checks] == ["1 toy write(s) read back"]
    assert env.calls == [("toy", TOY_SCRIPT), ("readback", None)]
    assert "toy-scenario: toy workload" in said


def test_a_kind_validates_its_own_options_with_their_location(tmp_path: Path) -> None:
    from harness.model.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"toy-scenario.yaml:5: workloads.0.count: Input"):
        scenario(tmp_path, "  - kind: toy\n    count: many\n")


def test_a_store_that_raises_is_the_plugins_failure(tmp_path: Path) -> None:
    raised = ScriptFailed("toy raised ValueError: no", "Traceback ...", blame="plugin")
    result, _, _ = run(tmp_path, scenario(tmp_path, "  - kind: toy\n"), {"toy": raising(raised)})
    assert result.status is Status.FAILED
    failed = {c.name: c for c in result.checks}["workload:toy"]
    assert (failed.status, failed.blame) == (Status.FAILED, Blame.PLUGIN)
    assert "Traceback" in result.output


def test_a_process_that_dies_is_an_error_not_a_failure(tmp_path: Path) -> None:
    died = ScriptFailed("toy crashed: its process killed by SIGKILL", "oom", died=True)
    result, _, _ = run(tmp_path, scenario(tmp_path, "  - kind: toy\n"), {"toy": raising(died)})
    assert result.status is Status.ERROR
    error = {c.name: c for c in result.checks}["workload:toy"]
    assert error.blame is Blame.INFRASTRUCTURE and "its last output: oom" in error.detail


def test_a_failure_while_a_service_is_in_trouble_is_an_error(tmp_path: Path) -> None:
    service = FakeService()
    service.problem = "postgres was paused"
    raised = ScriptFailed("toy raised OperationalError", "", blame="plugin")
    spec = scenario(tmp_path, "  - kind: toy\n")
    result, _, _ = run(tmp_path, spec, {"toy": raising(raised)}, service)
    error = {c.name: c for c in result.checks}["workload:toy"]
    assert error.status is Status.ERROR and "(while postgres was paused)" in error.detail
    assert result.logs == {"postgres": "postgres log line"}


def test_the_harnesss_own_bug_is_never_the_plugins(tmp_path: Path) -> None:
    bug = ScriptFailed("readback raised KeyError: 'runs'", "", blame="harness")
    spec = scenario(tmp_path, "  - kind: toy\n")
    result, _, _ = run(tmp_path, spec, {"readback": raising(bug)})
    error = {c.name: c for c in result.checks}["readback:toy"]
    assert (error.status, error.blame) == (Status.ERROR, Blame.HARNESS)


def test_a_pause_lasts_one_workload_then_everything_is_read_back(tmp_path: Path) -> None:
    service = FakeService()
    workloads = (
        "  - kind: toy\n  - kind: fault\n    action: pause\n    service: postgres\n"
        "  - kind: toy\n    count: 2\n"
    )
    result, env, said = run(tmp_path, scenario(tmp_path, workloads), {}, service)
    assert result.status is Status.PASSED, result.reason
    assert service.actions == ["pause", "unpause"]
    commands = [command for command, _ in env.calls]
    assert commands == ["toy", "readback", "toy", "readback", "readback", "readback"]
    assert "toy-scenario: reading everything back after: postgres paused" in said


def test_a_restart_is_over_before_the_next_workload(tmp_path: Path) -> None:
    service = FakeService()
    workloads = "  - kind: toy\n  - kind: fault\n    action: restart\n    service: postgres\n"
    result, env, _ = run(tmp_path, scenario(tmp_path, workloads), {}, service)
    assert service.actions == ["restart"]
    assert [command for command, _ in env.calls] == ["toy", "readback", "readback"]
    assert len(env.migrated) == 1  # the SQLite template, once: the side's store is a copy
    assert result.status is Status.PASSED


def test_a_fault_still_open_at_the_end_is_undone(tmp_path: Path) -> None:
    service = FakeService()
    workloads = "  - kind: toy\n  - kind: fault\n    action: fill-disk\n    service: postgres\n"
    run(tmp_path, scenario(tmp_path, workloads), {}, service)
    assert service.actions == ["fill-disk", "free-disk"]


def test_a_fault_that_cannot_be_injected_is_an_error(tmp_path: Path) -> None:
    service = FakeService(fail="pause")
    workloads = "  - kind: fault\n    action: pause\n    service: postgres\n  - kind: toy\n"
    result, _, _ = run(tmp_path, scenario(tmp_path, workloads), {}, service)
    error = {c.name: c for c in result.checks}["fault:pause postgres"]
    assert error.status is Status.ERROR and "pause failed" in error.detail
    assert result.status is Status.ERROR


def test_a_service_that_broke_or_is_unavailable_ends_the_scenario(tmp_path: Path) -> None:
    spec = scenario(tmp_path, "  - kind: toy\n")
    env = FakeEnv({})
    for outcome, status in (
        (Outcome(error="postgres did not start"), Status.ERROR),
        (Outcome(skipped="image unavailable"), Status.SKIPPED),
    ):
        pool = SimpleNamespace(outcomes={("postgres", None): outcome})
        runner = ScenarioRun(env, PROBE, SETTINGS, pool, tmp_path, lambda _m: None)  # type: ignore[arg-type]
        result = runner(spec, tmp_path)
        assert result.status is status
    assert env.calls == []  # nothing ran


def test_entry_points_that_fail_to_load_skip_the_rest(tmp_path: Path) -> None:
    broken = {
        **PROBE,
        "entry_points": [{**PROBE["entry_points"][0], "loaded": False, "error": "ImportError: x"}],  # type: ignore[dict-item]
    }
    spec = scenario(tmp_path, "  - kind: toy\n", services="[]")
    spec = spec.model_copy(update={"checks": ["entry-points", "toy-values"]})
    env = FakeEnv({})
    pool = SimpleNamespace(outcomes={})
    result = ScenarioRun(env, broken, SETTINGS, pool, tmp_path, print)(spec, tmp_path)  # type: ignore[arg-type]
    checks = {c.name: c.status for c in result.checks}
    assert checks == {"entry-points": Status.FAILED, "toy-values": Status.SKIPPED}
    assert env.calls == []


def test_a_failure_of_a_store_that_cannot_be_built_here_is_a_skip_naming_the_need(
    tmp_path: Path,
) -> None:
    def mangled(request: dict[str, Any]) -> dict[str, Any]:
        return {"read": -1}

    def refused(request: dict[str, Any]) -> dict[str, Any]:
        return {"tracking": {"built": False, "needs": "env:TOY_TOKEN", "error": "no token"}}

    spec = scenario(tmp_path, "  - kind: toy\n")
    failed, _, _ = run(tmp_path, spec, {"readback": mangled})
    assert failed.status is Status.FAILED and "wrote 1, read -1" in failed.reason
    skipped, _, _ = run(tmp_path / "b", spec, {"readback": mangled, "construct": refused})
    assert skipped.status is Status.SKIPPED
    assert skipped.reason.startswith("needs env:TOY_TOKEN: the plugin's tracking store")
