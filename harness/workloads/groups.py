"""The mlflow.* entry-point groups the installed MLflow loads, read from its source: a plugin's
entry point in a group this MLflow never loads is not checked, rather than failed."""

import os
import re

# How MLflow names a group it loads: get_entry_points("mlflow.x"), entry_points(group=...) or a
# registry's super().__init__("mlflow.x"), the name written there or in a variable of the file
_GROUP_NAME = r"""["'](mlflow\.[a-z_][\w.]*)["']"""
_GROUP_USE = re.compile(
    r"(?:get_entry_points\(|entry_points\(\s*group\s*=|super\(\)\.__init__\()"
    rf"\s*(?:{_GROUP_NAME}|(?:self\.)?(\w+)\s*\))"
)


def mlflow_groups(root: str) -> list[str]:
    """The mlflow.* entry-point groups the MLflow installed at ``root`` loads, read from its
    source (its tests aside)."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ("tests", "__pycache__", "node_modules")]
        for name in files:
            if name.endswith(".py"):
                found.update(_groups_in(os.path.join(folder, name)))
    return sorted(found)


def _groups_in(path: str) -> set[str]:
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if "entry_points(" not in text and "super().__init__(" not in text:
        return set()
    found: set[str] = set()
    for literal, variable in _GROUP_USE.findall(text):
        found.update(
            [literal] if literal else re.findall(rf"\b{variable}\s*=\s*{_GROUP_NAME}", text)
        )
    return found
