"""A workload kind added from outside the harness runs for real: its own script, in a real plugin
environment with a real MLflow, judged by its own check. Nothing of the harness is edited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from harness.checks import REGISTRY, Evidence, check, verdict
from harness.kinds import KINDS, WorkloadKind, register
from harness.model.results import Status
from harness.model.specs import WorkloadSpec
from harness.planning.scenario import select
from harness.run.session import Options, Session
from tests.helpers import PLUGINS

SCRIPT = '''\
"""Writes one tag per word through MLflow, on the plugin's tracking store."""
import mlflow
from session import configure


def run(request):
    configure(request)
    with mlflow.start_run() as run:
        for word in request["options"]["words"]:
            mlflow.set_tag(f"echo.{word}", word)
    tags = mlflow.MlflowClient().get_run(run.info.run_id).data.tags
    return {"words": request["options"]["words"], "read": sorted(tags.values()),
            "tracking_uri": mlflow.get_tracking_uri()}
'''


class Echo(WorkloadSpec):
    """Tags a run with each word."""

    kind: Literal["echo"]
    words: list[str]


@pytest.fixture
def echo_kind(tmp_path: Path) -> Iterator[WorkloadKind]:
    script = tmp_path / "kinds" / "echo_workload.py"
    script.parent.mkdir()
    script.write_text(SCRIPT)

    @check("echoed")
    def echoed(evidence: Evidence) -> tuple[Status, str]:
        """Every word is a tag of the run, as read back through MLflow."""
        answer = evidence.observed["echo"]
        problems = [w for w in answer["words"] if w not in answer.get("read", [])]
        return verdict([f"tag {w} missing" for w in problems], "every word echoed")

    kind = register(WorkloadKind("echo", Echo, ("echoed",), script))
    yield kind
    del KINDS["echo"], REGISTRY["echoed"]


def test_a_kind_registered_outside_the_harness_runs_in_a_real_plugin_environment(
    tmp_path: Path, echo_kind: WorkloadKind
) -> None:
    spec = tmp_path / "echo.yaml"
    spec.write_text(
        "description: echo\nworkloads:\n  - kind: echo\n    words: [alpha, beta]\n"
        "checks: [echoed]\n"
    )
    options = Options(str(PLUGINS / "reference-plugin"), [str(spec)], report_dir=tmp_path)
    with Session(options) as session:
        [scenario] = select([str(spec)])
        result = session.run(scenario, None)
    assert result.status is Status.PASSED, result.reason
    assert [(c.name, c.detail) for c in result.checks] == [("echoed", "every word echoed")]
    assert result.stores["tracking"].startswith("harness-ref:"), result.stores  # the plugin's
