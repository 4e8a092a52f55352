"""The plugin's packaging, as facts for the harness to judge: the top-level names it installs, the
imports of its own files (traced while its entry points load) that no declared dependency
provides, the dependencies only an extra requires, and syntax newer than its Requires-Python.
The plugin's own environment hides these defects; a user installing it elsewhere meets them."""

import ast
import builtins
import contextlib
import dis
import functools
import importlib.metadata
import re
import sys
import textwrap
from collections.abc import Iterator, Mapping
from importlib.metadata import Distribution
from typing import Any, cast

from packaging.requirements import InvalidRequirement, Requirement  # MLflow requires packaging
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from protocol import _short

_IMPORT_NAME = dis.opmap["IMPORT_NAME"]


@contextlib.contextmanager
def traced_imports(plugin_files: set[str], imported: dict[str, Any]) -> Iterator[None]:
    """While inside, every absolute import statement of the plugin's own files that succeeds is
    recorded: top-level module -> {(file, line)}. One that raised is not: caught, it is an
    optional dependency; uncaught, the entry point fails to load and says so. Imports C code
    makes while the plugin's line runs (unpickling, say) are no statement of the plugin's."""
    original = builtins.__import__

    def traced(
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        module = original(name, globals, locals, fromlist, level)
        if level == 0:
            caller = sys._getframe(1)
            code = caller.f_code
            if code.co_filename in plugin_files and code.co_code[caller.f_lasti] == _IMPORT_NAME:
                imported.setdefault(name.partition(".")[0], set()).add(
                    (code.co_filename, caller.f_lineno)
                )
        return module

    builtins.__import__ = traced
    try:
        yield
    finally:
        builtins.__import__ = original


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(dist: Distribution, extras: tuple[str, ...] = ()) -> list[Requirement]:
    """The requirements of ``dist`` that apply here: their markers hold, and those behind an
    extra only for the extras asked for."""
    found = []
    for text in dist.requires or ():
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *extras)):
            found.append(req)
    return found


def _declared(dist: Distribution) -> set[str]:
    """Canonical names of the distributions the plugin declares, and theirs, recursively (those
    installed: an absent one declares nothing here)."""
    installed = {
        _canonical(d.metadata["Name"]): d
        for d in importlib.metadata.distributions()
        if d.metadata["Name"]
    }
    declared: set[str] = set()
    done: set[tuple[str, tuple[str, ...]]] = set()
    todo: list[tuple[Distribution, tuple[str, ...]]] = [(dist, ())]
    while todo:
        current, extras = todo.pop()
        for req in _requirements(current, extras):
            name, asked = _canonical(req.name), tuple(sorted(req.extras))
            declared.add(name)
            if (name, asked) not in done and name in installed:
                done.add((name, asked))
                todo.append((installed[name], asked))
    return declared


def _extras(dist: Distribution) -> dict[str, list[str]]:
    """Canonical distribution name -> the plugin's extras that alone require it."""
    base = {_canonical(r.name) for r in _requirements(dist)}
    found: dict[str, list[str]] = {}
    for extra in dist.metadata.get_all("Provides-Extra") or ():
        for req in _requirements(dist, (extra,)):
            if _canonical(req.name) not in base:
                found.setdefault(_canonical(req.name), []).append(extra)
    return found


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(getattr(c, "id", getattr(c, "attr", None)) in _IMPORT_ERRORS for c in caught)


@functools.cache
def _optional_imports(path: str) -> frozenset[int]:
    """Lines of the imports in ``path`` that sit in a ``try`` catching ImportError."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return frozenset()
    tries = (ast.Try, getattr(ast, "TryStar", ast.Try))
    return frozenset(
        node.lineno
        for block in ast.walk(tree)
        if isinstance(block, tries) and any(map(_catches_import_error, block.handlers))
        for statement in block.body
        for node in ast.walk(statement)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    )


def _top_level(dist: Distribution) -> dict[str, bool]:
    """The importable top-level names the distribution installs -> whether each is a namespace
    package (one other distributions may share by design)."""
    names: dict[str, bool] = {}
    files = {str(f) for f in dist.files or ()}
    for f in dist.files or ():
        head = f.parts[0] if f.parts else ""
        if head == ".." or head.endswith((".dist-info", ".data", ".egg-info")):
            continue
        stem = head.split(".")[0]
        if len(f.parts) == 1 and f.suffix in (".py", ".so", ".pyd") and stem.isidentifier():
            names.setdefault(stem, False)
        elif len(f.parts) > 1 and f.suffix in (".py", ".so", ".pyd") and head.isidentifier():
            names.setdefault(
                head,
                f"{head}/__init__.py" not in files
                or _pkgutil_namespace(dist.locate_file(f"{head}/__init__.py")),
            )
    if not names:  # no RECORD (an editable or legacy install): what it says it installs
        text = dist.read_text("top_level.txt") or ""
        names = {n: False for n in text.split() if n.isidentifier()}
    return {n: ns for n, ns in names.items() if not n.startswith(("__editable__", "__pycache__"))}


def _pkgutil_namespace(init: Any) -> bool:
    try:
        with open(init, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    return "extend_path" in text or "declare_namespace" in text


def _undeclared(
    dist: Distribution,
    own: dict[str, bool],
    imported: dict[str, Any],
    providers: Mapping[str, list[str]],
) -> list[dict[str, Any]]:
    """Modules the plugin's files imported whose distribution the plugin does not declare, not
    even through its requirements' requirements (optional imports aside)."""
    declared = _declared(dist) | {_canonical(dist.metadata["Name"])}
    extras = _extras(dist)
    found = []
    for module, places in sorted(imported.items()):
        dists = providers.get(module, [])
        if (
            module in own
            or module in sys.stdlib_module_names
            or not dists
            or {_canonical(d) for d in dists} & declared
        ):
            continue
        kept = sorted((path, line) for path, line in places if line not in _optional_imports(path))
        if kept:  # several distributions may install it (mlflow, mlflow-skinny): its own name
            named = next((d for d in dists if _canonical(d) == _canonical(module)), dists[0])
            found.append(
                {
                    "module": module,
                    "where": f"{_short(kept[0][0])}:{kept[0][1]}",
                    "distribution": named,
                    "extras": extras.get(_canonical(named), []),
                }
            )
    return found


def _lowest_minor(spec: str | None) -> int | None:
    """The lowest Python 3 minor version a Requires-Python admits, up to this one's."""
    try:
        allowed = SpecifierSet(spec or "")
    except InvalidSpecifier:
        return None
    return next(
        (
            m
            for m in range(sys.version_info.minor + 1)
            if any(allowed.contains(f"3.{m}.{p}", prereleases=True) for p in (0, 99))
        ),
        None,
    )


def _rejected(source: str | bytes, minor: int) -> SyntaxError | None:
    try:
        ast.parse(source, feature_version=(3, minor))
    except SyntaxError as exc:
        return exc
    except ValueError:  # null bytes: not Python at all
        return None
    return None


def _child_statements(node: ast.AST) -> list[ast.stmt]:
    children: list[ast.stmt] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.stmt):
            children.append(child)
        elif isinstance(child, (ast.ExceptHandler, getattr(ast, "match_case", ast.ExceptHandler))):
            children.extend(cast("ast.ExceptHandler", child).body)  # or a match_case
    return children


def _culprit(source: bytes, minor: int) -> int | None:
    """The line of the innermost statement whose own source ``minor`` rejects (the parser's
    error points past the construct, at the token after it)."""
    try:
        text = source.decode("utf-8")
        statements, line = ast.parse(text).body, None
    except (UnicodeDecodeError, SyntaxError, ValueError):
        return None
    while statements:
        node = next(
            (
                n
                for n in statements
                if _rejected(
                    textwrap.dedent(ast.get_source_segment(text, n, padded=True) or ""), minor
                )
            ),
            None,
        )
        if node is None:
            break
        statements, line = _child_statements(node), node.lineno
    return line


def _newer_syntax(spec: str | None, plugin_files: set[str]) -> list[dict[str, Any]]:
    """The plugin's files whose syntax the oldest Python its Requires-Python admits rejects, and
    the version each needs (what ``ast``'s feature_version rejects; it is best-effort, so what it
    lets through is not reported)."""
    lowest = _lowest_minor(spec) if spec else None
    if lowest is None or lowest >= sys.version_info.minor:
        return []
    found = []
    for path in sorted(plugin_files):
        try:
            with open(path, "rb") as f:
                source = f.read()
        except OSError:
            continue
        error = _rejected(source, lowest)
        needs = (
            next(
                (
                    m
                    for m in range(lowest + 1, sys.version_info.minor + 1)
                    if _rejected(source, m) is None
                ),
                None,
            )
            if error
            else None
        )
        if (
            error is not None and needs is not None
        ):  # one that parses nowhere fails to import: reported on loading
            line = _culprit(source, lowest) or error.lineno
            found.append(
                {"where": f"{_short(path)}:{line}", "needs": f"3.{needs}", "error": error.msg}
            )
    return found


def facts(dist: Distribution, plugin_files: set[str], imported: dict[str, Any]) -> dict[str, Any]:
    """Facts on how the plugin is packaged; the harness judges them."""
    providers = importlib.metadata.packages_distributions()
    own = _canonical(dist.metadata["Name"])
    top = _top_level(dist)
    return {
        "top_level": [
            {
                "name": name,
                "namespace": namespace,
                "stdlib": name in sys.stdlib_module_names,
                "also_in": sorted({d for d in providers.get(name, ()) if _canonical(d) != own}),
            }
            for name, namespace in sorted(top.items())
        ],
        "undeclared_imports": _undeclared(dist, top, imported, providers),
        "extras": _extras(dist),
        "requires_python": dist.metadata["Requires-Python"],
        "newer_syntax": _newer_syntax(dist.metadata["Requires-Python"], plugin_files),
    }
