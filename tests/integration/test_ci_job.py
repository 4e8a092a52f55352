"""The example CI job in docs/ci: a valid GitHub Actions workflow whose commands succeed here
(its `uses:` steps are done by hand: the plugin checked out, the harness beside it)."""

import os
import re
import subprocess
import xml.etree.ElementTree as ET

import yaml

from tests.helpers import PLUGINS, ROOT

WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yml"


def load():
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def test_the_workflow_is_a_valid_github_actions_job():
    workflow = load()
    assert workflow["name"] and {"push", "pull_request"} <= set(workflow["on"])
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest" and 0 < job["timeout-minutes"] <= 60
    for step in job["steps"]:
        assert ("uses" in step) != ("run" in step), step
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]
        assert set(step) <= {"name", "uses", "run", "with", "if", "env"}, step
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
                timeout=1200,
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    reports = workspace / "reports"
    suites = ET.parse(reports / "junit.xml").getroot()
    assert int(suites.get("failures", 0)) == 0 and int(suites.get("tests")) > 0
    assert (reports / "report.html").stat().st_size > 1000 and (reports / "report.json").is_file()
