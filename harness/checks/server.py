"""Server mode: the seed's "look at the UI" step, judged from what the server showed."""

from __future__ import annotations

from harness.checks.base import Evidence, Verdict, check, verdict
from harness.checks.facts import no_manifest
from harness.model.results import Blame, Status


def _no_ui(evidence: Evidence) -> str:
    """Why there is no UI observation: the ui workload looks at the quickstart's run."""
    return (
        no_manifest(evidence, "quickstart")
        or "no evidence: the ui workload did not run (it needs a server)"
    )


@check("server-api")
def server_api(evidence: Evidence) -> tuple[Status, str]:
    """The quickstart's run, read through the server's REST API, has its params and metrics;
    the UI page is served."""
    ui = evidence.observed.get("ui")
    if not ui:
        return Status.SKIPPED, _no_ui(evidence)
    api, expected, problems = ui["api"], ui["expected"], []
    if api["status"] != 200:
        problems.append(f"runs/get of the quickstart's run {ui['run_id']} answered {api['status']}")
    else:
        problems += [
            f"param {k} is {api['params'].get(k)!r} through the server, not {v!r}"
            for k, v in expected["params"].items()
            if api["params"].get(k) != v
        ]
        problems += [
            f"metric {k} missing through the server"
            for k in expected["metrics"]
            if k not in api["metrics"]
        ]
    if ui["page"]["status"] != 200 or not ui["page"]["is_mlflow"]:
        problems.append(f"the UI page answered {ui['page']['status']} without MLflow's app")
    shown = ", ".join(f"{k}={v}" for k, v in expected["params"].items())
    return verdict(
        problems,
        f"run {ui['run_id']} read through the REST API ({shown}; metrics "
        f"{', '.join(expected['metrics'])}); the UI page is served",
    )


@check("ui-screenshot")
def ui_screenshot(evidence: Evidence) -> tuple[Status, str]:
    """The run page, rendered by headless Chromium, shows ``param1`` and ``foo``."""
    ui = evidence.observed.get("ui")
    if not ui:
        return Status.SKIPPED, _no_ui(evidence)
    browser = ui["browser"]
    if "missing" in browser:
        return Status.SKIPPED, browser["missing"]
    if "error" in browser:
        return Status.ERROR, f"the browser failed on {browser['url']}: {browser['error']}"
    absent = [word for word, seen in browser["shows"].items() if not seen]
    if absent and ui.get("api", {}).get("serves_run"):  # the store answered: the UI did not
        return Verdict(
            Status.ERROR,
            (
                f"the REST API answers param1 and foo, but the run page {browser['url']} rendered "
                f"without {' and '.join(absent)} ({browser['dom_chars']} characters, "
                f"{ui.get('attempts', 1)} attempt(s)): the browser or MLflow's own UI, not the "
                "plugin's store"
            ),
            blame=Blame.HARNESS,
        )
    if absent:
        return Status.FAILED, (
            f"the run page {browser['url']} rendered without "
            f"{' and '.join(absent)} ({browser['dom_chars']} characters)"
        )
    if not browser["screenshot"]:
        return Status.ERROR, "the browser rendered the page but wrote no screenshot"
    return Status.PASSED, f"the run page shows param1 and foo ({browser['url']})"
