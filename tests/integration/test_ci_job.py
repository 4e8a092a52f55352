"""The CI examples in docs/ci and the composite action (action.yml): valid GitHub Actions YAML
whose commands succeed here. GitHub is emulated: `run:` steps go to bash as the runner gives
them, `${{ }}` expressions are filled in from the inputs, outputs and matrix, and the `uses:`
steps are done by hand (checkouts copied or linked, artifacts copied between folders)."""

import fnmatch
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import PLUGINS, ROOT

WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yml"
MATRIX = ROOT / "docs" / "ci" / "github-actions-matrix.yml"
ACTION = ROOT / "action.yml"
CHEAP = ["entry-points", "quickstart", "providers"]  # local stores, seconds each
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STEP_TIMEOUT = 1200


def load(path: Path = WORKFLOW) -> dict[str, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text())
    if True in data:  # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def expand(text: object, context: dict[str, str]) -> str:
    """`${{ name }}` replaced by context[name]; a step's missing output is empty, as on GitHub."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in context and not name.startswith("steps."):
            pytest.fail(f"no value here for the expression {match.group(0)} in {text!r}")
        return context.get(name, "")

    return EXPRESSION.sub(value, str(text))


def runner_env(workspace: Path, runner_temp: Path, **more: str) -> dict[str, str]:
    """The environment of a step on a runner: this machine's, less the checkout's venv."""
    venv = str(ROOT / ".venv" / "bin")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv)
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONHOME"}}
    return {
        **env,
        "PATH": path,
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(runner_temp),
        **more,
    }


def read_outputs(file: Path) -> dict[str, str]:
    """A step's $GITHUB_OUTPUT: `name=value` lines and `name<<DELIMITER` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(file.read_text().splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            outputs[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def run_script(script: str, shell: list[str], cwd: Path, env: dict[str, str], temp: Path) -> Any:
    """One `run:` body as the runner runs it: written to a file, given to the step's shell."""
    file = temp / "step.sh"
    file.write_text(script)
    return subprocess.run(
        [*shell, str(file)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )


def assert_valid_steps(job: dict) -> None:
    """Each step of a GitHub Actions job either uses a pinned action or runs a script."""
    for step in job["steps"]:
        assert ("uses" in step) != ("run" in step), step
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]
        assert set(step) <= {"name", "uses", "run", "with", "if", "env"}, step


# ---- the single-job example ----------------------------------------------------------------


def test_the_workflow_is_a_valid_github_actions_job():
    workflow = load()
    assert workflow["name"] and {"push", "pull_request"} <= set(workflow["on"])
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest" and 0 < job["timeout-minutes"] <= 60
    assert_valid_steps(job)
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs and all("make -f .harness/Makefile test PLUGIN=." in r for r in runs)
    published = {s["uses"].split("@")[0]: s for s in job["steps"] if "uses" in s}
    assert published["actions/upload-artifact"]["with"]["path"] == "reports/"
    assert published["actions/upload-artifact"]["if"] == "always()"
    assert published["mikepenz/action-junit-report"]["with"]["report_paths"] == "reports/junit.xml"


def test_the_workflow_commands_succeed_here(tmp_path, docker_client):
    workspace = tmp_path / "workspace"  # actions/checkout of the plugin's repository
    subprocess.run(["cp", "-r", str(PLUGINS / "reference-plugin"), str(workspace)], check=True)
    (workspace / ".harness").symlink_to(ROOT)  # actions/checkout of the harness
    (job,) = load()["jobs"].values()
    env = {**os.environ, **job.get("env", {}), "GITHUB_WORKSPACE": str(workspace), "CI": "true"}
    for step in job["steps"]:
        if "run" in step:
            done = subprocess.run(
                ["bash", "-e", "-c", step["run"]],
                cwd=workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=STEP_TIMEOUT,
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    reports = workspace / "reports"
    suites = ET.parse(reports / "junit.xml").getroot()
    assert int(suites.get("failures", 0)) == 0 and int(suites.get("tests")) > 0
    assert (reports / "report.html").stat().st_size > 1000 and (reports / "report.json").is_file()


# ---- the composite action ------------------------------------------------------------------


@dataclass
class ActionRun:
    outputs: dict[str, str]
    steps: list[tuple[str, int]]  # (step id, exit status) of each step that ran, in order
    log: str
    seconds: dict[str, float]  # each step's wall time


def runs(condition: str, context: dict[str, str], failed: bool) -> bool:
    """A step's `if:` as the runner reads the forms used here: `&&` of `always()`,
    `success()`, `failure()` and `NAME == 'text'` or `!=`; `success()` unless a status
    function is named."""
    status, answer = "success()", True
    for term in (t.strip() for t in condition.split("&&") if t.strip()):
        if term in ("always()", "success()", "failure()"):
            status = term
            continue
        found = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*'([^']*)'", term)
        assert found, f"an `if:` this emulator cannot read: {condition!r}"
        name, operator, text = found.groups()
        answer = answer and ((context.get(name, "") == text) == (operator == "=="))
    return answer and {"always()": True, "success()": not failed, "failure()": failed}[status]


def _link_tree(source: Path, target: Path) -> None:
    """``source`` into ``target``, files hard-linked (the cache's tar, without the copying)."""

    def link(src: str, dst: str) -> None:
        Path(dst).unlink(missing_ok=True)
        os.link(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link, dirs_exist_ok=True)


def cache_restore(given: dict[str, str], store: Path) -> dict[str, str]:
    """actions/cache/restore: the entry named ``key``, else the newest whose key starts with
    a line of ``restore-keys`` (the first line that matches any)."""
    key = given["key"]
    entry = store / key if (store / key).is_dir() else None
    for prefix in given.get("restore-keys", "").splitlines():
        if entry is None and prefix.strip() and store.is_dir():
            found = [e for e in store.iterdir() if e.name.startswith(prefix.strip())]
            entry = max(found, key=lambda e: e.stat().st_mtime_ns, default=None)
    for index, path in enumerate(given["path"].split()):
        if entry is not None:
            _link_tree(entry / str(index), Path(path))
    hit = entry is not None and entry.name == key
    return {"cache-hit": str(hit).lower(), "cache-matched-key": entry.name if entry else ""}


def cache_save(given: dict[str, str], store: Path) -> dict[str, str]:
    """actions/cache/save: a new entry under ``key``; an existing key is kept, as GitHub
    keeps it (a warning, not a failure)."""
    entry = store / given["key"]
    if not entry.exists():
        partial = store / f".partial-{given['key']}"
        for index, path in enumerate(given["path"].split()):
            if Path(path).is_dir():
                _link_tree(Path(path), partial / str(index))
        partial.mkdir(parents=True, exist_ok=True)
        partial.rename(entry)
    return {}


USES = {"actions/cache/restore@v4": cache_restore, "actions/cache/save@v4": cache_save}


def run_action(
    inputs: dict[str, str],
    workspace: Path,
    runner_temp: Path,
    until: str | None = None,
    store: Path | None = None,
) -> ActionRun:
    """The action's steps (up to the one with id ``until``) as the runner runs a composite
    action: `shell: bash` is `bash --noprofile --norc -eo pipefail`, a step's `env:` and
    `with:` are expanded from the inputs and the earlier steps' outputs, each step has its own
    $GITHUB_OUTPUT, after a failure only `always()` steps run. `uses:` steps are the actions
    in ``USES``, the cache kept in ``store`` (by default beside ``runner_temp``: shared by the
    jobs of a session). A composite action's steps get no INPUT_* variables: none here."""
    action = load(ACTION)
    assert set(inputs) <= set(action["inputs"]), inputs
    context = {
        f"inputs.{name}": str(inputs.get(name, spec.get("default", "")))
        for name, spec in action["inputs"].items()
    }
    context.update({"github.action_path": str(ROOT), "runner.temp": str(runner_temp)})
    context["runner.os"] = "Linux"
    store = store or runner_temp.parent / "actions-cache"
    base = runner_env(workspace, runner_temp, GITHUB_ACTION_PATH=str(ROOT))
    ran, log, failed, seconds = [], [], False, {}
    for index, step in enumerate(action["runs"]["steps"]):
        if not runs(step.get("if", ""), context, failed):
            continue
        started = time.monotonic()
        if "uses" in step:
            given = {k: expand(v, context) for k, v in step.get("with", {}).items()}
            outputs, code, text = USES[step["uses"]](given, store), 0, f"with {given}"
        else:
            output = runner_temp / f"github-output-{index}"
            output.write_text("")
            env = {k: expand(v, context) for k, v in step.get("env", {}).items()}
            done = run_script(
                expand(step["run"], context),
                ["bash", "--noprofile", "--norc", "-eo", "pipefail"],
                workspace,
                {**base, **env, "GITHUB_OUTPUT": str(output)},
                runner_temp,
            )
            outputs, code = read_outputs(output), done.returncode
            text = done.stdout[-3000:] + done.stderr[-3000:]
        ran.append((step["id"], code))
        seconds[step["id"]] = time.monotonic() - started
        log.append(f"--- {step['id']}: {code}\n{text}")
        for name, value in outputs.items():
            context[f"steps.{step['id']}.outputs.{name}"] = value
        failed = failed or code != 0
        if step["id"] == until:
            break
    outputs = {name: expand(spec["value"], context) for name, spec in action["outputs"].items()}
    return ActionRun(outputs, ran, "\n".join(log), seconds)


def command_line(run: ActionRun) -> str:
    """The harness's command line, as the action shows it in the job's log."""
    (line,) = [line for line in run.log.splitlines() if line.startswith("+ mlflow-plugin-harness ")]
    return line.removeprefix("+ ")


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$RUNNER_TEMP for the module's action runs, outside the checkout, with the action's venv
    built there once (from this machine's package indexes); each run finds it and only
    reinstalls the harness, as a second use of the action in one job does."""
    temp = tmp_path_factory.mktemp("runner-temp")
    run = run_action(NO_CACHE, temp, temp, until="install")
    assert run.steps[-1] == ("install", 0), run.log
    return temp


NO_CACHE = {"cache": "false"}  # the tests on a shared $RUNNER_TEMP: this machine's own caches
SOUND = {"scenarios": " entry-points,quickstart ", "config": "harness-ci.yaml"}


@dataclass
class Job:
    """A job on a new runner: the workspace, $RUNNER_TEMP (the same path on every runner, as
    on GitHub's: environments restored from the cache must be where they were made) and the
    repository's cache."""

    workspace: Path
    runner_temp: Path
    store: Path

    def run(self) -> ActionRun:
        shutil.rmtree(self.runner_temp, ignore_errors=True)
        self.runner_temp.mkdir()
        return run_action(SOUND, self.workspace, self.runner_temp, store=self.store)


@pytest.fixture(scope="module")
def first_job(tmp_path_factory: pytest.TempPathFactory, docker_client: Any) -> tuple[Job, Any]:
    """The action on the reference plugin in a job whose cache is empty: nothing downloaded,
    no environment, no images saved before it."""
    where = tmp_path_factory.mktemp("jobs")
    workspace = plugin_workspace(where, PLUGINS / "reference-plugin")
    (workspace / SOUND["config"]).write_text("env:\n  HARNESS_CI_EXAMPLE: '1'\n")
    job = Job(workspace, where / "runner-temp", where / "actions-cache")
    return job, job.run()


def plugin_workspace(tmp_path: Path, plugin: Path, name: str = "workspace") -> Path:
    """actions/checkout of a plugin's repository."""
    workspace = tmp_path / name
    shutil.copytree(plugin, workspace, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    return workspace


def junit_counts(path: Path) -> dict[str, int]:
    suites = ET.parse(path).getroot()
    return {key: int(suites.get(key, 0)) for key in ("tests", "failures", "errors")}


def test_the_action_is_a_valid_composite_action():
    action = load(ACTION)
    assert action["name"] and action["description"] and action["runs"]["using"] == "composite"
    assert {"plugin", "scenarios", "mlflow", "shard", "config", "report-dir"} <= set(
        action["inputs"]
    )
    assert {"report-json", "junit", "html", "exit-code"} == set(action["outputs"])
    steps = action["runs"]["steps"]
    ids = [step["id"] for step in steps]
    assert len(set(ids)) == len(ids)
    for step in steps:
        assert step["name"] and ("uses" in step) != ("run" in step), step
        if "uses" in step:  # an action the emulator does: run_action shows what it does here
            assert set(step) <= {"name", "id", "if", "uses", "with"} and step["uses"] in USES
            continue
        assert set(step) <= {"name", "id", "if", "shell", "run", "env"}, step
        assert step["shell"] == "bash", step
        assert "${{" not in step["run"], f"{step['id']}: expressions reach scripts via env: only"
        for variable in step.get("env", {}):  # every variable given is read
            assert re.search(rf"\${{?{variable}\b", step["run"]), (step["id"], variable)
    every_env = " ".join(
        str(v) for step in steps for v in [*step.get("env", {}).values(), step.get("if", "")]
    )
    for name, spec in action["inputs"].items():
        assert spec["description"] and "default" in spec, name
        assert re.search(rf"\binputs\.{name}\b", every_env), f"input {name} is not used"
    for name, spec in action["outputs"].items():
        found = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert found, spec["value"]
        step_id, key = found.groups()
        run = steps[ids.index(step_id)]["run"]
        assert spec["description"] and f"{key}=" in run, f"output {name} is not written"
    assert steps[-1]["env"]["EXIT_CODE"] == "${{ steps.run.outputs.exit-code }}"
    assert 'exit "$EXIT_CODE"' in steps[-1]["run"]


@pytest.mark.xdist_group("action-cache")  # the jobs share one cache: on one worker
def test_the_action_passes_a_sound_plugin(first_job):
    job, run = first_job
    workspace, config = job.workspace, job.workspace / SOUND["config"]
    every = [s["id"] for s in load(ACTION)["runs"]["steps"]]
    assert run.steps == [(step, 0) for step in every], run.log  # the cache's steps too
    assert run.outputs["exit-code"] == "0", run.log
    reports = workspace / "mlflow-plugin-harness-reports"
    assert {run.outputs[k] for k in ("report-json", "junit", "html")} == {
        str(reports / f) for f in ("report.json", "junit.xml", "report.html")
    }
    assert all(Path(run.outputs[k]).is_file() for k in ("report-json", "junit", "html"))
    counts = junit_counts(Path(run.outputs["junit"]))
    assert counts["tests"] > 0 and counts["failures"] == counts["errors"] == 0, counts
    report = json.loads(Path(run.outputs["report-json"]).read_text())
    assert {r["scenario"] for r in report["results"]} == {"entry-points", "quickstart"}
    assert command_line(run) == (
        "mlflow-plugin-harness run . --scenario entry-points --scenario quickstart "
        f"--config {config.name} --report-dir {reports}"
    )


@pytest.mark.xdist_group("action-cache")
def test_a_second_job_starts_from_the_first_jobs_cache(first_job):
    """The same job again on a new runner: the cache is restored whole (the key is the same:
    nothing it depends on changed), the images load, the environment and the plugin's wheel
    are reused, and nothing is saved again."""
    job, first = first_job
    assert first.outputs["exit-code"] == "0", first.log
    second = job.run()
    assert second.outputs["exit-code"] == "0", second.log
    steps = [step for step, _ in second.steps]
    assert "restore" in steps and "save" not in steps, second.log  # an exact hit: kept as is
    assert "Loaded image: mlflow-plugin-harness/" in second.log
    report = json.loads(Path(second.outputs["report-json"]).read_text())
    (env,) = report["environments"]
    assert env["reused"] and env["plugin_build"] == "built before (kept by content)", env
    assert env["path"].startswith(str(job.runner_temp / "mlflow-plugin-harness-cache")), env
    listed = job.runner_temp / "mlflow-plugin-harness-cache" / "images.list"
    assert listed.read_text().split() and "building " not in second.log, second.log


def test_the_action_fails_the_job_on_a_broken_plugin(tmp_path, runner_temp, docker_client):
    # a plugin whose tracking store cannot be imported: entry-points fails it (exit code 1)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    plugin_workspace(workspace, PLUGINS / "broken" / "import-error", "plugin")
    version = importlib.metadata.version("mlflow")
    inputs = {"plugin": "plugin", "scenarios": "entry-points", "mlflow": version}
    run = run_action({**inputs, "report-dir": "out", **NO_CACHE}, workspace, runner_temp)
    assert run.outputs["exit-code"] == "1", run.log
    assert run.steps[-1] == ("verdict", 1) and len(run.steps) == 5, run.log
    assert "::error::mlflow-plugin-harness exited with code 1" in run.log
    assert run.outputs["junit"] == str(workspace / "out" / "junit.xml")
    assert junit_counts(Path(run.outputs["junit"]))["failures"] > 0
    assert command_line(run) == (
        f"mlflow-plugin-harness run plugin --scenario entry-points --mlflow-version {version} "
        f"--report-dir {workspace / 'out'}"
    )


# ---- the matrix example --------------------------------------------------------------------


def action_step(job: dict[str, Any]) -> dict[str, Any]:
    (step,) = [
        s
        for s in job["steps"]
        if s.get("uses", "").split("@")[0].endswith("/mlflow-plugin-harness")
    ]
    return step


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if s.get("uses", "").startswith(f"{action}@")]
    return step


def test_the_matrix_workflow_is_valid():
    workflow = load(MATRIX)
    assert workflow["name"] and {"push", "pull_request"} <= set(workflow["on"])
    shards, merge = workflow["jobs"]["harness"], workflow["jobs"]["merge"]
    strategy = shards["strategy"]
    assert strategy["fail-fast"] is False
    assert len(strategy["matrix"]["mlflow"]) >= 2 and strategy["matrix"]["shard"] == [1, 2, 3]
    for job in (shards, merge):
        assert job["runs-on"] == "ubuntu-latest" and 0 < job["timeout-minutes"] <= 60
        assert_valid_steps(job)
    inputs = action_step(shards)["with"]
    assert set(inputs) <= set(load(ACTION)["inputs"])
    assert inputs["mlflow"] == "${{ matrix.mlflow }}"
    assert inputs["shard"] == f"${{{{ matrix.shard }}}}/{len(strategy['matrix']['shard'])}"
    upload = step_using(shards, "actions/upload-artifact")
    assert upload["if"] == "always()" and upload["with"]["path"] == f"{inputs['report-dir']}/"
    assert "matrix.mlflow" in upload["with"]["name"] and "matrix.shard" in upload["with"]["name"]
    assert merge["needs"] == "harness" and merge["if"] == "always()"
    download = step_using(merge, "actions/download-artifact")
    assert fnmatch.fnmatch(upload["with"]["name"], download["with"]["pattern"])
    (command,) = [s["run"] for s in merge["steps"] if "run" in s]
    assert f"mlflow-plugin-harness merge {download['with']['path']}/*/report.json" in command
    published = {s["uses"].split("@")[0]: s for s in merge["steps"] if "uses" in s}
    assert published["mikepenz/action-junit-report"]["if"] == "always()"
    assert published["mikepenz/action-junit-report"]["with"]["report_paths"] == "reports/junit.xml"


def test_the_matrix_workflow_runs_here(tmp_path, runner_temp, docker_client):
    """One MLflow version (the one installed here) x every shard, over cheap scenarios; then the
    merge job on the artifacts the shards uploaded."""
    workflow = load(MATRIX)
    shards, merge = workflow["jobs"]["harness"], workflow["jobs"]["merge"]
    upload = step_using(shards, "actions/upload-artifact")
    artifacts = tmp_path / "artifacts"
    for shard in shards["strategy"]["matrix"]["shard"]:
        matrix = {"matrix.mlflow": importlib.metadata.version("mlflow"), "matrix.shard": str(shard)}
        workspace = plugin_workspace(tmp_path, PLUGINS / "reference-plugin", f"shard-{shard}")
        inputs = {k: expand(v, matrix) for k, v in action_step(shards)["with"].items()}
        run = run_action(
            {**inputs, "scenarios": ",".join(CHEAP), **NO_CACHE}, workspace, runner_temp
        )
        assert run.outputs["exit-code"] == "0", run.log
        share = json.loads(Path(run.outputs["report-json"]).read_text())["results"]
        assert 0 < len(share) < len(CHEAP), run.log  # a share of the scenarios, not all
        kept = artifacts / expand(upload["with"]["name"], matrix)  # actions/upload-artifact
        shutil.copytree(workspace / upload["with"]["path"], kept)
    reports = run_merge_job(merge, artifacts, tmp_path / "merge", runner_temp)
    merged = json.loads((reports / "report.json").read_text())
    assert sorted(r["scenario"] for r in merged["results"]) == sorted(CHEAP)
    counts = junit_counts(reports / "junit.xml")
    assert counts["tests"] > 0 and counts["failures"] == counts["errors"] == 0, counts
    assert (reports / "report.html").stat().st_size > 1000
    harness = runner_temp / "mlflow-plugin-harness-venv" / "bin" / "mlflow-plugin-harness"
    shards_dir = tmp_path / "merge" / step_using(merge, "actions/download-artifact")["with"]["path"]
    partial = subprocess.run(  # a shard that crashed before its upload: no smaller pass
        [str(harness), "merge", *map(str, sorted(shards_dir.glob("*/report.json"))[1:])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert partial.returncode == 2 and "shard" in partial.stderr, partial.stderr


def run_merge_job(job: dict[str, Any], artifacts: Path, workspace: Path, runner_temp: Path) -> Path:
    """The merge job: the harness checked out beside, the artifacts downloaded, its `run:` steps
    in `bash -e` (a workflow's default shell); Python is the action's venv (actions/setup-python
    on the runner). Returns the reports folder its publishing steps read."""
    workspace.mkdir()
    (workspace / ".harness").symlink_to(ROOT)  # actions/checkout of the harness
    download = step_using(job, "actions/download-artifact")["with"]
    for artifact in sorted(artifacts.iterdir()):
        if fnmatch.fnmatch(artifact.name, download["pattern"]):
            shutil.copytree(artifact, workspace / download["path"] / artifact.name)
    python = runner_temp / "mlflow-plugin-harness-venv" / "bin"
    env = runner_env(workspace, runner_temp)
    env["PATH"] = f"{python}{os.pathsep}{env['PATH']}"
    for step in job["steps"]:
        if "run" in step:
            done = run_script(step["run"], ["bash", "-e"], workspace, env, runner_temp)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    published = step_using(job, "actions/upload-artifact")["with"]["path"]
    return workspace / published
