"""The seed's last step, automated: the quickstart run is visible through the server's REST API
and on its UI page, rendered by headless Chromium (the DOM is read and a screenshot kept).

Runs on this machine, against the server's port on 127.0.0.1; the browser is started with no
proxy, a throw-away profile and a bounded time budget.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from harness.model.resources import script
from harness.services.server import LOCAL

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FIX = f"run `sudo {script('ensure-browser')}` (Debian: apt-get install chromium)"
ATTEMPTS = 3  # renders of the run page before its DOM counts as not showing the run


def browser() -> str | None:
    """Chromium's executable: MLFLOW_PLUGIN_HARNESS_CHROMIUM, else the first on PATH."""
    chosen = os.environ.get("MLFLOW_PLUGIN_HARNESS_CHROMIUM")
    if chosen:
        return chosen if shutil.which(chosen) else None
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def _get(url: str) -> tuple[int, str]:
    try:
        with LOCAL.open(url, timeout=30) as answer:
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _chromium(executable: str, url: str, *args: str, timeout: float = 90) -> str:
    with tempfile.TemporaryDirectory(prefix="mlflow-plugin-harness-browser-") as profile:
        done = subprocess.run(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-extensions",
                "--no-proxy-server",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--window-size=1400,2000",
                "--virtual-time-budget=20000",
                *args,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return done.stdout


def run_page(server: str, experiment_id: str, run_id: str) -> str:
    return f"{server}/#/experiments/{experiment_id}/runs/{run_id}"


def observe(server: str, manifest: dict[str, Any], screenshot: Path) -> dict[str, Any]:
    """What the server shows of the quickstart's run: REST answer, UI page, rendered DOM."""
    run_id, entry = next(iter(manifest["runs"].items()))
    observed: dict[str, Any] = {
        "run_id": run_id,
        "expected": {"params": entry["params"], "metrics": sorted(entry["metrics"])},
    }
    status, body = _get(
        f"{server}/api/2.0/mlflow/runs/get?" + urllib.parse.urlencode({"run_id": run_id})
    )
    observed["api"] = {"status": status}
    if status == 200:
        data = json.loads(body)["run"]["data"]
        observed["api"]["params"] = {p["key"]: p["value"] for p in data.get("params", [])}
        observed["api"]["metrics"] = {m["key"]: m["value"] for m in data.get("metrics", [])}
    status, body = _get(f"{server}/")
    observed["page"] = {"status": status, "is_mlflow": "mlflow" in body.lower()}
    page = run_page(server, entry["experiment_id"], run_id)
    executable = browser()
    if executable is None:
        observed["browser"] = {"missing": f"no Chromium found: {FIX}"}
        return observed
    served = observed["api"]["serves_run"] = "param1" in observed["api"].get(
        "params", {}
    ) and "foo" in observed["api"].get("metrics", {})
    try:  # a loaded machine may time the app out: render again what the REST API does serve
        for attempt in range(1, (ATTEMPTS if served else 1) + 1):  # noqa: B007 - read below
            dom = _chromium(executable, page, "--dump-dom")
            if all(word in dom for word in ("param1", "foo")):
                break
        observed["attempts"] = attempt
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        _chromium(executable, page, f"--screenshot={screenshot}")
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
        observed["browser"] = {"error": str(exc)[:400], "url": page}
        return observed
    observed["browser"] = {
        "url": page,
        "dom_chars": len(dom),
        "shows": {word: word in dom for word in ("param1", "foo")},
        "screenshot": str(screenshot) if screenshot.is_file() else None,
    }
    return observed
