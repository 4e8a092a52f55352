"""Plugin intake: what the user named (directory, archive or requirement) and its identity."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement

from harness.model.errors import UsageError

_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")
_SKIP_DIRS = {
    ".git",
    ".hg",
    "__pycache__",
    "build",
    "dist",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "reports",
    "mlflow-plugin-harness-reports",  # the GitHub Action's
}
# A folder holding both is a harness report (wherever --report-dir put it): not source.
_REPORT_FILES = ("report.json", "junit.xml")


@dataclass(frozen=True)
class PluginSource:
    """A plugin as the user gave it, resolved to something an installer accepts."""

    spec: str
    kind: Literal["directory", "archive", "requirement"]
    install: str  # the requirement line handed to the installer
    path: Path | None = None

    def content_hash(self) -> str:
        """Hash of what would be installed: file contents for paths, the spec otherwise."""
        digest = hashlib.sha256(self.kind.encode())
        if self.kind == "requirement" or self.path is None:
            digest.update(self.install.encode())
        elif self.path.is_file():
            digest.update(self.path.read_bytes())
        else:
            for file in source_files(self.path):
                digest.update(str(file.relative_to(self.path)).encode() + b"\0")
                digest.update(file.read_bytes())
        return digest.hexdigest()

    def settings_file(self) -> Path | None:
        """The plugin's own ``pyproject.toml``, where it can declare harness settings."""
        if self.kind == "directory" and self.path and (self.path / "pyproject.toml").is_file():
            return self.path / "pyproject.toml"
        return None


def source_files(root: Path) -> list[Path]:
    """A source tree's files, without VCS, build, cache, environment and report directories."""
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in _SKIP_DIRS
            and not d.endswith(".egg-info")
            and not all(Path(dirpath, d, f).is_file() for f in _REPORT_FILES)
        )
        files.extend(Path(dirpath, f) for f in sorted(filenames) if not f.endswith(".pyc"))
    return files


def _looks_like_path(spec: str) -> bool:
    return spec.startswith((".", "/", "~")) or os.sep in spec or spec.endswith(_ARCHIVES)


def parse_plugin(spec: str) -> PluginSource:
    """Classify ``spec``; raise UsageError for a missing path or an unparseable requirement."""
    spec = spec.strip()
    if not spec:
        raise UsageError("no plugin given: pass PLUGIN=<directory, wheel, sdist or requirement>")
    candidate = Path(spec).expanduser()
    if candidate.exists() or _looks_like_path(spec):
        if not candidate.exists():
            raise UsageError(f"plugin path not found: {spec}")
        path = candidate.resolve()
        if path.is_dir():
            if not any((path / f).is_file() for f in ("pyproject.toml", "setup.py", "setup.cfg")):
                raise UsageError(
                    f"plugin directory has no pyproject.toml, setup.py or setup.cfg: {spec}"
                )
            return PluginSource(spec, "directory", path.as_uri(), path)
        if not path.name.endswith(_ARCHIVES):
            raise UsageError(f"plugin file is not a wheel or sdist: {spec}")
        return PluginSource(spec, "archive", path.as_uri(), path)
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        raise UsageError(
            f"plugin is neither a path nor a valid requirement: {spec} ({exc})"
        ) from None
    return PluginSource(spec, "requirement", str(req))
