"""Verdicts do not depend on how or where scripts start: forked from the fork server inside the
sandbox (the default), or each in a new interpreter on the host (``--fresh-processes
--no-sandbox``). For every plugin under tests/plugins, on the scenarios that show what it does,
the exit code, each scenario's status and each check's status and blame are the same in both."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PLUGINS, ROOT, Outcome, runs_of, sharing
from tests.integration.test_broken_plugins import (
    CASES,
    CONTRACT_CASES,
    NOT_FAILED_FOR,
    SERVER_CASES,
)
from tests.integration.test_domain import BROKEN as DOMAIN_CASES
from tests.integration.test_domain import seed
from tests.integration.test_reference_plugin import LOCAL

SCENARIOS = ROOT / "tests" / "scenarios"
SHORT = str(SCENARIOS / "quickstart-short.yaml")  # a 20 s timeout, for plugins that hang
DOMAIN = str(SCENARIOS / "domain-quick.yaml")
MINIO = str(SCENARIOS / "minio-quickstart.yaml")  # the cheapest scenario on a service
CHEAPER = {
    "writes-local-disk": [MINIO],
    "misbehaving": ["providers"],
    "build-escapes": ["entry-points"],
    "stale-reader": ["quickstart", "server-local"],
    "relayout": ["entry-points"],  # its defect shows across an upgrade only (test_upgrades)
}
LOOT = Path("/var/tmp/mlflow-plugin-harness-loot")  # what broken/misbehaving gets on the host


def _broken() -> dict[str, list[str]]:
    """Each broken plugin's first scenario as the other tests run it (the one that shows its
    defect; the cheapest where its defect shows on several)."""
    chosen: dict[str, list[str]] = dict(CHEAPER)
    for plugin, name, *_ in [*CASES, *NOT_FAILED_FOR]:
        scenario = str(ROOT / name) if name.startswith("tests/") else name
        chosen.setdefault(plugin, [scenario])
    for plugin in CONTRACT_CASES:
        chosen.setdefault(plugin, []).append("conformance")
    for plugin in SERVER_CASES:
        chosen.setdefault(plugin, []).append("server-postgres-minio")
    for plugin in DOMAIN_CASES:
        chosen.setdefault(plugin, []).append(DOMAIN)
    for plugin in ("crashes", "hangs"):
        chosen[plugin] = [SHORT]
    for path in sorted((PLUGINS / "broken").iterdir()):  # the rest: what every plugin runs
        chosen.setdefault(path.name, ["entry-points", "quickstart"])
    return {f"broken/{name}": scenarios for name, scenarios in chosen.items()}


PLAN = {
    "reference-plugin": list(LOCAL),  # as test_reference_plugin runs it
    "builtin-stores": ["quickstart", "conformance"],
    "example-shaped": ["entry-points", "quickstart"],
    "needs-auth-token": ["providers"],
    "needs-credentials": ["quickstart"],
    "needs-deployment-key": ["deployments"],
    "needs-project-token": ["projects"],
    "needs-upgrade-command": ["entry-points"],  # upgrade paths: test_upgrades
    "not-a-plugin": ["entry-points"],
    "pins-old-mlflow": ["entry-points"],
    "relayout-1": ["entry-points"],
    "scheme-override": ["entry-points", "conformance"],
    "uri-form": ["quickstart", "providers"],
    **_broken(),
}


def test_the_plan_covers_every_plugin() -> None:
    present = {p.name for p in PLUGINS.iterdir() if p.is_dir() and p.name != "broken"}
    present |= {f"broken/{p.name}" for p in (PLUGINS / "broken").iterdir() if p.is_dir()}
    assert set(PLAN) == present


def _verdicts(outcome: Outcome) -> dict[str, Any]:
    """Exit code, statuses, checks and blame: what a verdict is."""
    report = outcome.report
    return {
        "exit": outcome.code,
        "error": report.get("error", ""),
        "results": {
            (r["scenario"], r["mlflow_version"]): (
                r["status"],
                sorted((c["name"], c["status"], c.get("blame")) for c in r["checks"]),
            )
            for r in report.get("results", [])
        },
    }


@pytest.mark.parametrize("plugin", [sharing(p) for p in sorted(PLAN)])
def test_verdicts_are_the_same_forked_in_the_sandbox_and_fresh_on_the_host(
    harness: Any, plugin: str
) -> None:
    args = ["run", str(PLUGINS / plugin), *(a for s in PLAN[plugin] for a in ("-s", s))]
    if DOMAIN in PLAN[plugin]:
        args += ["--seed", seed(plugin)]  # the domain workload's search, the same in both
    forked = harness(*args, timeout=900, share=True)  # the run the other tests of it make
    try:
        fresh = harness(*args, "--fresh-processes", "--no-sandbox", timeout=900)
    finally:
        LOOT.unlink(missing_ok=True)
    assert _verdicts(forked) == _verdicts(fresh), forked.stdout[-3000:] + fresh.stdout[-3000:]
    for env in forked.report.get("environments", []):
        if env.get("installable"):
            assert env["sandbox"]["mode"] == "sandboxed", env
            assert env["processes"].startswith("sandboxed; fork server"), env
    for env in fresh.report.get("environments", []):
        if env.get("installable"):
            assert env["sandbox"]["mode"] == "none", env
            assert env["processes"].startswith("fresh processes"), env


@runs_of("reference-plugin")
def test_verdicts_are_the_same_on_the_default_workers_and_on_one(harness: Any) -> None:
    """The default (``auto``: here every CPU, as outside pytest-xdist) against one worker."""
    plugin = "reference-plugin"
    args = ["run", str(PLUGINS / plugin), *(a for s in PLAN[plugin] for a in ("-s", s))]
    serial = harness(*args, timeout=900, share=True)  # the run the other tests of it make
    auto = harness(*args, env={"PYTEST_XDIST_WORKER_COUNT": "1"}, timeout=900)
    assert _verdicts(serial) == _verdicts(auto), serial.stdout[-3000:] + auto.stdout[-3000:]
    if len(os.sched_getaffinity(0)) > 1:
        assert "workers (" in auto.stderr and "--workers 1 runs serially" in auto.stderr


def test_a_forked_child_keeps_the_fresh_process_contract(tmp_path: Path) -> None:
    """Its own process group, a hang's stacks and kill, a crash's signal, its own output."""
    from harness.env.environment import ensure_environment, script_environment
    from harness.env.processes import Died, ForkServer
    from harness.model.plugin import parse_plugin

    env = ensure_environment(parse_plugin(str(PLUGINS / "reference-plugin")), None)
    server = ForkServer(env.python, script_environment({}, env.path / "bin"), env.plugin_name)
    server.begin()
    environ = script_environment({"EXTRA": "yes"}, env.path / "bin")
    script, python = tmp_path / "child.py", str(env.python)
    try:
        script.write_text(
            "import os, sys\n"
            "print(os.getpgid(0) == os.getpid(), os.getcwd(), sys.argv[1:], os.environ['EXTRA'])\n"
            "print('mlflow' in sys.modules, 'pandas' in sys.modules)\n"
        )
        out = server.run("child", [python, str(script), "a"], tmp_path, environ, 60)
        assert out.splitlines() == [f"True {tmp_path} ['a'] yes", "False True"]

        script.write_text("import os, signal\nprint('bye')\nos.kill(os.getpid(), signal.SIGSEGV)\n")
        with pytest.raises(Died, match="killed by SIGSEGV") as crashed:
            server.run("child", [python, str(script)], tmp_path, environ, 60)
        assert "bye" in crashed.value.output

        script.write_text(
            "import faulthandler, signal, time\n"
            "faulthandler.register(signal.SIGTERM, all_threads=True)\n"
            "def stuck_here():\n    time.sleep(600)\n"
            "stuck_here()\n"
        )
        with pytest.raises(Died, match="hung: no answer within 2 s") as hung:
            server.run("child", [python, str(script)], tmp_path, environ, 2)
        assert "stuck_here" in hung.value.output  # its stack, before it was killed

        script.write_text("import sys\nsys.exit(4)\n")
        with pytest.raises(Died, match="exited with code 4"):
            server.run("child", [python, str(script)], tmp_path, environ, 60)

        script.write_text(  # the interpreter's exit: threads joined, atexit run, files flushed
            "import atexit, threading, time\n"
            "kept = open('unclosed.txt', 'w')\nkept.write('flushed at exit')\n"
            "atexit.register(print, 'atexit ran')\n"
            "threading.Thread(target=lambda: (time.sleep(0.3), print('thread joined'))).start()\n"
        )
        out = server.run("child", [python, str(script)], tmp_path, environ, 60)
        assert out.splitlines() == ["thread joined", "atexit ran"]
        assert (tmp_path / "unclosed.txt").read_text() == "flushed at exit"
        assert server.counts["forked"] == 5
        changed = {**environ, "OPENBLAS_NUM_THREADS": "4"}  # read when numpy loaded
        script.write_text("print('fresh')\n")
        assert server.run("child", [python, str(script)], tmp_path, changed, 60) == "fresh\n"
        assert "fresh (OPENBLAS_NUM_THREADS differs from the server's)" in server.summary()
    finally:
        server.close()
    assert server._proc is None and not server.socket_path.parent.exists()
