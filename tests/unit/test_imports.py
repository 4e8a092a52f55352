"""The harness's modules import one another one way: no import cycle, lazy imports (inside
functions) included; imports for type checking only (``if TYPE_CHECKING:``) are not run and
do not count. ``harness/workloads`` is not part of the graph: its scripts run inside the
plugin's environment and import MLflow, the stdlib and each other, never ``harness``."""

from __future__ import annotations

import ast
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "harness"


def _name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The nodes under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(test):  # type: ignore[arg-type]
            skipped |= {id(inner) for inner in ast.walk(node)}
    return skipped


def graph(root: Path, apart: tuple[str, ...] = ("workloads",)) -> dict[str, set[str]]:
    """Each module under ``root`` -> the modules under ``root`` it imports."""
    modules = {
        _name(root, path): path
        for path in sorted(root.rglob("*.py"))
        if path.relative_to(root).parts[0] not in apart
    }
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        skipped = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for named in targets:
                target = named
                while target and target not in modules:  # `from a.b import name`: a.b
                    target = target.rpartition(".")[0]
                if target and target not in (name, root.name):  # the top package: empty
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_harness_has_no_import_cycle() -> None:
    edges = graph(HARNESS)
    assert len(edges) > 50 and "harness.kinds.base" in edges["harness.kinds.domain"]
    assert cycles(edges) == []


def test_a_planted_cycle_is_found_lazy_imports_included_type_checking_ones_not(
    tmp_path: Path,
) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("from pkg.sub import low\n")
    (root / "sub" / "low.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg import top\n"  # not run: no arrow
    )
    (root / "top.py").write_text("from pkg.sub.low import x\n")
    assert cycles(graph(root, apart=())) == []
    (root / "sub" / "low.py").write_text("def f():\n    from pkg import top\n")  # lazy: runs
    assert cycles(graph(root, apart=())) == [["pkg.sub.low", "pkg.top"]]


def allowed(root: Path) -> dict[str, set[str]]:
    """Each package of ``root`` -> the packages its docstring's ``Imports:`` line names."""
    rules: dict[str, set[str]] = {}
    for init in sorted(root.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        line = next((x for x in doc.splitlines() if x.startswith("Imports:")), None)
        assert line is not None, f"{init}: its docstring has no 'Imports:' line"
        named = line.removeprefix("Imports:").split("(")[0].strip().rstrip(".")
        rules[init.parent.name] = set() if named.startswith("nothing") else set(named.split(", "))
    return rules


def upward(edges: dict[str, set[str]], rules: dict[str, set[str]]) -> list[str]:
    """Imports across packages that the importing package's rule does not allow. A top-level
    module (an entry point) may import every package."""

    def package(module: str) -> str | None:
        parts = module.split(".")
        return parts[1] if len(parts) > 2 or parts[-1] in rules else None

    found = []
    for source, targets in sorted(edges.items()):
        mine = package(source)
        for target in sorted(targets):
            theirs = package(target)
            if mine is not None and theirs != mine and theirs not in rules.get(mine, set()):
                found.append(f"{source} -> {target}")
    return found


def test_every_package_imports_only_the_packages_its_docstring_allows() -> None:
    rules = allowed(HARNESS)
    assert {"model", "env", "services", "checks", "kinds", "planning", "run", "reports"} <= set(
        rules
    )
    assert rules["model"] == set() and rules["workloads"] == set()
    assert upward(graph(HARNESS, apart=()), rules) == []
    top = {p.stem for p in HARNESS.glob("*.py")}
    assert top <= {"__init__", "__main__", "cli", "pytest_plugin", "parallel", "doctor"}, top


def test_a_planted_upward_import_is_found(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    for name, rule in (("low", "nothing"), ("high", "low")):
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text(f'"""{name}.\nImports: {rule}.\n"""\n')
    (root / "__init__.py").write_text("")
    (root / "high" / "a.py").write_text("from pkg.low import b\n")
    (root / "low" / "b.py").write_text("X = 1\n")
    (root / "cli.py").write_text("from pkg.high import a\n")  # an entry point: anything
    assert upward(graph(root, apart=()), allowed(root)) == []
    (root / "low" / "b.py").write_text("def f():\n    from pkg.high.a import g\n")  # lazy, up
    assert upward(graph(root, apart=()), allowed(root)) == ["pkg.low.b -> pkg.high.a"]
