"""YAML loading that remembers the line of every key, for errors that point at the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.errors import ScenarioError

Path_ = tuple[str | int, ...]


def load_with_lines(path: Path) -> tuple[Any, dict[Path_, int]]:
    """Parse a YAML file; return the data and a map from key path to 1-based line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{where}: invalid YAML: {problem}") from None
    lines: dict[Path_, int] = {}
    scalars = yaml.SafeLoader("")
    data = _convert(node, (), lines, scalars) if node is not None else None
    return data, lines


def _convert(node: yaml.Node, at: Path_, lines: dict[Path_, int], scalars: yaml.SafeLoader) -> Any:
    lines.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = scalars.construct_object(key_node, deep=True)
            lines[(*at, key)] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, (*at, key), lines, scalars)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*at, i), lines, scalars) for i, item in enumerate(node.value)]
    return scalars.construct_object(node, deep=True)


def describe_validation_error(
    path: Path, lines: dict[Path_, int], error: Any, tags: tuple[str, ...] = ()
) -> str:
    """``file:line: key.path: problem (+N more)`` for a pydantic ValidationError.

    ``tags`` are discriminator values pydantic adds after a list index; they are not keys.
    """
    errors = error.errors()
    first = errors[0]
    raw = tuple(first["loc"])
    loc = tuple(
        p for i, p in enumerate(raw) if not (i and isinstance(raw[i - 1], int) and p in tags)
    )
    key = ".".join(str(p) for p in loc) or "(top level)"
    msg = {"extra_forbidden": "unknown key", "missing": "required key is missing"}.get(
        first["type"], first["msg"].removeprefix("Value error, ")
    )
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{path}:{line_of(lines, loc)}: {key}: {msg}{more}"


def line_of(lines: dict[Path_, int], loc: Path_) -> int:
    """The line of the deepest known prefix of ``loc``."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1
