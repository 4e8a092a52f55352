"""Files the harness ships beside its code: the default scenarios and their JSON Schema, the
service images' build contexts and the setup scripts.

A wheel carries them inside the package, under ``harness/data/`` (mapped there at build time,
see ``pyproject.toml``); a checkout has them at the repository's top level. Either way they are
found through ``importlib.resources``, so the harness works from anywhere it is installed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def bundled(name: str) -> Path:
    """The directory ``name`` (``scenarios``, ``images`` or ``scripts``) of this installation."""
    packaged = Path(str(resources.files("harness") / "data" / name))
    if packaged.is_dir():
        return packaged
    return Path(str(resources.files("harness"))).resolve().parent / name


def script(name: str) -> str:
    """How to run one of the setup scripts from a shell, e.g. ``scripts/ensure-docker``."""
    path = bundled("scripts") / name
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    return str(shown)
