"""The methods MLflow's store interfaces declare, which of them a store implements, and which
of them a workload called.

MLflow does not enforce its abstract methods, and most of the interface is not even marked
abstract: the base class's body is ``pass`` or ``raise NotImplementedError``, so a store that
lacks a method is created fine and fails (or silently does nothing) on first use. A method is
*missing* when the body a store would run is such a stub, whoever defines it.
"""

import ast
import functools
import importlib
import inspect
import textwrap
from collections.abc import Callable, Iterable
from typing import Any, cast

BASES = {
    "tracking": "mlflow.store.tracking.abstract_store:AbstractStore",
    "registry": "mlflow.store.model_registry.abstract_store:AbstractStore",
    "artifacts": "mlflow.store.artifact.artifact_repo:ArtifactRepository",
}


def _base(role: str) -> Any:
    module, name = BASES[role].split(":")
    return getattr(importlib.import_module(module), name)


def _function(attr: Any) -> Callable[..., Any] | None:
    attr = attr.__func__ if isinstance(attr, (staticmethod, classmethod)) else attr
    return attr if inspect.isfunction(attr) else None


def declared(role: str) -> dict[str, Callable[..., Any]]:
    """Public methods of the MLflow base class for ``role`` (and its MLflow bases), by name."""
    out: dict[str, Callable[..., Any]] = {}
    for klass in _base(role).__mro__[:-1]:
        for name, attr in vars(klass).items():
            fn = _function(attr)
            if fn is not None and not name.startswith("_") and name not in out:
                out[name] = fn
    return out


def is_stub(fn: Callable[..., Any]) -> bool:
    """True when the body does nothing: a docstring, ``pass``, ``...`` or NotImplementedError."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return False
    body = [
        s
        for s in cast("ast.FunctionDef", tree.body[0]).body
        if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    if not body:
        return True
    if len(body) > 1:
        return False
    statement = body[0]
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _missing(cls: type, names: Iterable[str]) -> list[str]:
    return sorted(
        name
        for name in names
        if (fn := _function(inspect.getattr_static(cls, name, None))) and is_stub(fn)
    )


def mlflow_base(cls: type, role: str) -> type | None:
    """The nearest of MLflow's own concrete stores ``cls`` extends (FileStore, SqlAlchemyStore,
    ...), or None when it extends only the abstract interface."""
    base = _base(role)
    for klass in cls.__mro__:
        if (
            klass.__module__.split(".")[0] == "mlflow"
            and klass is not base
            and issubclass(klass, base)
        ):
            return klass
    return None


def surface(cls: type, role: str) -> dict[str, Any]:
    """How many methods MLflow declares for ``role``, which ``cls`` leaves missing, and which of
    those it inherits missing from the MLflow store it extends (that store's own limits)."""
    names = declared(role)
    missing = _missing(cls, names)
    parent = mlflow_base(cls, role)
    inherited = sorted(set(missing) & set(_missing(parent, names))) if parent else []
    return {
        "class": f"{cls.__module__}:{cls.__qualname__}",
        "declared": len(names),
        "missing": missing,
        "inherited": inherited,
        "extends": parent.__qualname__ if parent else None,
    }


def _counting(fn: Callable[..., Any], name: str, called: set[str]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def counted(*args: Any, **kwargs: Any) -> Any:
        called.add(name)
        return fn(*args, **kwargs)

    counted.harness_counted = True  # type: ignore[attr-defined]  # a function attribute
    return counted


def instrument(cls: type, role: str, called: set[str]) -> None:
    """Wrap every declared method of ``cls`` so that calling it adds its name to ``called``."""
    for name in declared(role):
        attr = inspect.getattr_static(cls, name, None)
        if inspect.isfunction(attr) and not getattr(attr, "harness_counted", False):
            setattr(cls, name, _counting(attr, name, called))
