"""Installing a plugin runs its build backend: tests/plugins/broken/build-escapes writes outside
its build directory while it builds. Sandboxed, the build runs in a container and nothing
reaches the host; with ``--no-sandbox`` it runs on the host, and the file is there."""

from __future__ import annotations

import secrets
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PLUGINS

pytestmark = pytest.mark.xdist_group("build-escapes")  # the loot is one file on the host

PLUGIN = PLUGINS / "broken" / "build-escapes"
LOOT = Path("/var/tmp/mlflow-plugin-harness-build-loot")


@pytest.fixture
def sdist(tmp_path: Path) -> Iterator[Path]:
    """The plugin as an sdist, packed by hand (building one would run its backend here), with
    a token of its own so that no wheel or environment of an earlier run is reused."""
    LOOT.unlink(missing_ok=True)
    root = "broken_build_escapes-0.1.0"
    path = tmp_path / f"{root}.tar.gz"
    token = tmp_path / "token.py"
    token.write_text(f"TOKEN = {secrets.token_hex(8)!r}\n")
    info = tmp_path / "PKG-INFO"
    info.write_text("Metadata-Version: 2.1\nName: broken-build-escapes\nVersion: 0.1.0\n")
    with tarfile.open(path, "w:gz") as tar:
        for file in sorted(PLUGIN.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                tar.add(file, f"{root}/{file.relative_to(PLUGIN)}")
        tar.add(token, f"{root}/broken_build_escapes/token.py")
        tar.add(info, f"{root}/PKG-INFO")
    try:
        yield path
    finally:
        LOOT.unlink(missing_ok=True)


def _build(outcome: Any) -> str:
    (env,) = outcome.report["environments"]
    return str(env["plugin_build"])


def test_sandboxed_the_build_backend_writes_nothing_on_the_host(harness: Any, sdist: Path) -> None:
    outcome = harness("run", str(sdist), "-s", "entry-points")
    assert outcome.code == 0, outcome.stdout[-3000:]
    assert _build(outcome) == "built in the sandbox"
    assert not LOOT.exists(), LOOT.read_text()


def test_without_the_sandbox_the_build_backend_runs_on_the_host(harness: Any, sdist: Path) -> None:
    outcome = harness("run", str(sdist), "-s", "entry-points", "--no-sandbox")
    assert outcome.code == 0, outcome.stdout[-3000:]
    assert _build(outcome) == "built on the host (--no-sandbox)"
    assert "written by a build backend" in LOOT.read_text()
