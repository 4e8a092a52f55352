"""YAML loading that remembers the line of every key, for errors that point at the file."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from harness.model.errors import ScenarioError

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
    path: Path,
    lines: dict[Path_, int],
    error: ValidationError,
    tags: Mapping[str, type[BaseModel]] | None = None,
    model: type[BaseModel] | None = None,
) -> str:
    """Every error of a pydantic ValidationError, one ``file:line: key.path: problem`` line each.

    Unknown keys come first, each with a did-you-mean from the keys ``model`` knows at its
    level; a required key reported missing only because it was misspelled is left to that
    suggestion. ``tags`` are the discriminator values pydantic adds after a list index, with
    the model each one selects; they are not keys.
    """
    tags = tags or {}
    errors = [(item, _without_tags(tuple(item["loc"]), tags)) for item in error.errors()]
    unknown: list[tuple[int, str]] = []
    suggested: set[Path_] = set()
    for item, loc in errors:
        if item["type"] == "extra_forbidden":
            close = _suggestion(lines, loc, known_keys(model, tuple(item["loc"])[:-1], tags))
            suggested.update((*loc[:-1], match) for match in close)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            unknown.append((line_of(lines, loc), f"{_key(loc)}: unknown key{hint}"))
    other: list[tuple[int, str]] = []
    for item, loc in errors:
        if item["type"] == "extra_forbidden" or (item["type"] == "missing" and loc in suggested):
            continue
        at, problem = _problem(item, loc)
        other.append((line_of(lines, at), f"{_key(at)}: {problem}"))
    ordered = sorted(unknown, key=lambda e: e[0]) + sorted(other, key=lambda e: e[0])
    return "\n".join(f"{path}:{line}: {text}" for line, text in ordered)


def _without_tags(raw: Path_, tags: Mapping[str, type[BaseModel]]) -> Path_:
    """``raw`` without the discriminator values pydantic puts after a list index."""
    return tuple(
        p for i, p in enumerate(raw) if not (i and isinstance(raw[i - 1], int) and p in tags)
    )


def _key(loc: Path_) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _suggestion(lines: dict[Path_, int], loc: Path_, known: list[str]) -> list[str]:
    """The known key closest to the unknown one at ``loc``, among those not given beside it."""
    given = {at[-1] for at in lines if len(at) == len(loc) and at[:-1] == loc[:-1]}
    candidates = [key for key in known if key not in given]
    return difflib.get_close_matches(str(loc[-1]), candidates, n=1)


def _problem(item: ErrorDetails, loc: Path_) -> tuple[Path_, str]:
    """Where an error points (a key path) and what it says, in the file's terms."""
    kind, ctx = item["type"], item.get("ctx", {})
    field = str(ctx.get("discriminator", "")).strip("'")  # e.g. a workload's ``kind:``
    if kind == "missing":
        return loc, "required key is missing"
    if kind == "union_tag_not_found":
        return (*loc, field), "required key is missing"
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        known = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
        close = difflib.get_close_matches(tag, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
        return (*loc, field), f"unknown {field} {tag!r} ({hint})"
    return loc, item["msg"].removeprefix("Value error, ")


def known_keys(
    model: type[BaseModel] | None, raw: Path_, tags: Mapping[str, type[BaseModel]]
) -> list[str]:
    """The keys of the model a mapping at ``raw`` (a pydantic location) is validated by, or
    [] when that is not a model (or not known)."""
    current: Any = model
    for i, part in enumerate(raw):
        if i and isinstance(raw[i - 1], int) and isinstance(part, str) and part in tags:
            current = tags[part]
        else:
            current = _inner(current, part)
    current = _unwrapped(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner(annotation: Any, part: str | int) -> Any:
    """The type of ``part`` (a field, list index or dict key) of a value of ``annotation``."""
    annotation = _unwrapped(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field else None
    args = get_args(annotation)
    if get_origin(annotation) in (list, tuple, set, frozenset) and isinstance(part, int) and args:
        return args[0]
    if get_origin(annotation) is dict and len(args) == 2:
        return args[1]
    return None


def _unwrapped(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` and an optional ``| None``."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
            continue
        if get_origin(annotation) in (Union, UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) == 1:
                annotation = options[0]
                continue
        return annotation


def line_of(lines: dict[Path_, int], loc: Path_) -> int:
    """The line of the deepest known prefix of ``loc``."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1
