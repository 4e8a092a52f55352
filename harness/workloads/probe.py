"""Discover the plugin's mlflow.* entry points and load each one as MLflow does, recording the
warnings its own code raises and checking it against its group's contract; the answer adds the
groups the installed MLflow loads (``groups``) and the plugin's packaging (``packaging_facts``)."""

import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import sysconfig
import traceback
import types
import warnings
from typing import Any

import packaging_facts
from groups import mlflow_groups
from own_stores import REGISTRIES, own_builders, registry_of
from protocol import _describe, _short, import_break, needs
from recorder import describe_error

PROVIDER_CALLS = {
    "mlflow.request_header_provider": ("in_context", "request_headers"),
    "mlflow.request_auth_provider": ("get_name", "get_auth"),
    "mlflow.default_experiment_provider": ("in_context", "get_experiment_id"),
    "mlflow.run_context_provider": ("in_context", "tags"),
}


def _registered(group: str) -> dict[Any, Any] | None:
    """What MLflow registered for a group: scheme names, or provider 'module:Class' names."""
    collection = REGISTRIES[group].partition(":")[2].partition(".")[2]  # "registry.collection"
    try:
        entries = getattr(registry_of(group), collection or "_registry")
    except Exception:  # noqa: BLE001 - another MLflow version's internals: not verified
        return None
    if isinstance(entries, dict):
        return {str(k): v for k, v in entries.items()}
    return {(p if isinstance(p, type) else type(p)): p for p in entries}


def _import(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def _base(path: str | None) -> Any:
    """The class ``path`` ("module:Class") names, or None where the installed MLflow lacks it
    (a group or base newer than this MLflow: no base to check against)."""
    if not path:
        return None
    try:
        return _import(path)
    except Exception:  # noqa: BLE001 - missing module or class, or MLflow's module failing
        return None


def _passed(keywords: tuple[str, ...], base: Any) -> tuple[str, ...]:
    """The keywords this MLflow passes: those its own base class's constructor takes (an older
    MLflow's base taking fewer is an older MLflow passing fewer); all of them where the base has
    no constructor of its own, one without parameters, or one taking **kwargs."""
    init = getattr(base, "__init__", object.__init__) if base is not None else object.__init__
    try:
        params = list(inspect.signature(init).parameters.values())[1:]
    except (TypeError, ValueError):
        return keywords
    if init is object.__init__ or not params or any(p.kind is p.VAR_KEYWORD for p in params):
        return keywords
    return tuple(k for k in keywords if k in {p.name for p in params})


def _kind(obj: Any) -> str:
    if inspect.isclass(obj):
        return "class"
    if isinstance(obj, types.ModuleType):
        return "module"
    return "callable" if callable(obj) else type(obj).__name__


def _abstract_left(cls: type) -> list[str]:
    return sorted(
        name
        for name in dir(cls)
        if getattr(getattr(cls, name, None), "__isabstractmethod__", False)
    )


def _describe_value(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): [type(v).__name__, str(v)[:200]] for k, v in value.items()}
    return f"<{type(value).__name__}>"


def _call_provider(obj: Any, group: str) -> dict[str, Any]:
    calls: dict[str, Any] = {}
    instance = obj()
    for method in PROVIDER_CALLS[group]:
        try:
            value = getattr(instance, method)()
            calls[method] = {
                "type": type(value).__name__,
                "value": _describe_value(value),
                "callable": callable(value),
            }
        except Exception as exc:  # noqa: BLE001 - what the plugin's provider raised
            calls[method] = {"error": describe_error(exc), "needs": needs(exc)}
    return calls


def _check_shape(obj: Any, contract: dict[str, Any], record: dict[str, Any]) -> None:
    problems = record["problems"]
    for attr in contract.get("module_attrs") or ():
        if not isinstance(obj, types.ModuleType):
            problems.append(f"must be a module, got {type(obj).__name__}")
            break
        if not hasattr(obj, attr):
            problems.append(f"module lacks {attr}")
    base = _base(contract.get("base"))
    if base is not None and inspect.isclass(obj):
        if not issubclass(obj, base):
            problems.append(f"{obj.__name__} does not subclass {base.__module__}.{base.__name__}")
        record["abstract_left"] = _abstract_left(obj)
    elif base is not None and not callable(obj):
        problems.append(f"must be a class or factory, got {type(obj).__name__}")
    signature = contract.get("constructor")
    if signature is not None and callable(obj):
        positional, keywords = signature[0], _passed(tuple(signature[1]), base)
        try:
            inspect.signature(obj).bind(*positional, **dict.fromkeys(keywords))
        except TypeError as exc:
            call = ", ".join([*positional, *(f"{k}=..." for k in keywords)])
            problems.append(f"cannot be called as MLflow calls it, ({call}): {exc}")
        except ValueError:
            pass  # no introspectable signature (builtins)


def _registration_problems(
    ep: importlib.metadata.EntryPoint,
    obj: Any,
    registered: dict[Any, Any] | None,
    import_warnings: list[warnings.WarningMessage],
) -> list[str]:
    if ep.group not in REGISTRIES or registered is None:
        return []
    key = (
        ep.name.lower()
        if ep.group in SCHEME_GROUPS
        else ep.name
        if ep.group == "mlflow.dataset_constructor"
        else obj
    )
    if key in registered:
        if ep.group in SCHEME_GROUPS and registered[key] is not obj:
            return [f"scheme {ep.name!r} is served by {registered[key]!r}, not this entry point"]
        return []
    why = [str(w.message) for w in import_warnings if f'"{ep.name}"' in str(w.message)]
    return [
        "MLflow did not register it at `import mlflow`"
        + (f": {why[0]}" if why else " (no warning given)")
    ]


SCHEME_GROUPS = {
    "mlflow.tracking_store",
    "mlflow.artifact_repository",
    "mlflow.model_registry_store",
}


def _probe(
    ep: importlib.metadata.EntryPoint,
    contract: dict[str, Any],
    registered: dict[Any, Any] | None,
    import_warnings: list[warnings.WarningMessage],
    plugin_files: set[str],
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "group": ep.group,
        "name": ep.name,
        "value": ep.value,
        "loaded": False,
        "error": None,
        "problems": [],
        "abstract_left": [],
        "calls": None,
    }
    try:
        with warnings.catch_warnings(record=True) as load_warnings:
            warnings.simplefilter("always")
            obj = ep.load()
    except Exception as exc:  # noqa: BLE001 - an entry point failing to load is the answer
        record["error"] = _load_error(exc, plugin_files)
        record["missing"] = _missing_module(exc)
        return record
    record["loaded"] = True
    record["kind"] = _kind(obj)
    unregistered = _registration_problems(ep, obj, registered, import_warnings)
    record["registered"] = not unregistered  # MLflow serves its scheme or calls it
    record["problems"].extend(unregistered)
    module_file = getattr(inspect.getmodule(obj), "__file__", None) or ""
    # A warning is the plugin's when its own code raised it (MLflow's and other libraries'
    # import-time warnings are not the plugin's defect).
    for w in [*import_warnings, *load_warnings]:
        if w.filename in plugin_files and (w.filename == module_file or w in load_warnings):
            problem = (
                f"warns at import ({w.filename.rsplit('/', 1)[-1]}:{w.lineno}): "
                f"{w.category.__name__}: {w.message}"
            )
            if problem not in record["problems"]:
                record["problems"].append(problem)
    if contract:
        _check_shape(obj, contract, record)
    if ep.group in PROVIDER_CALLS and not record["problems"]:
        try:
            record["calls"] = _call_provider(obj, ep.group)
        except Exception as exc:  # noqa: BLE001 - the plugin's provider cannot be created
            if need := needs(exc):  # it says what this machine lacks: untested, not broken
                record["calls"] = {"__init__": {"error": describe_error(exc), "needs": need}}
            else:
                record["problems"].append(f"cannot be instantiated: {describe_error(exc)}")
    return record


def _unimportable(request: dict[str, Any], why: str) -> dict[str, Any]:
    """The answer when `import mlflow` itself fails: no entry point can load."""
    dist = importlib.metadata.distribution(request["plugin"])
    return {
        "name": dist.metadata["Name"],
        "version": dist.version,
        "mlflow_version": None,
        "import_mlflow_error": why,
        "entry_points": [
            {
                "group": ep.group,
                "name": ep.name,
                "value": ep.value,
                "loaded": False,
                "error": why,
                "problems": [],
                "abstract_left": [],
                "calls": None,
            }
            for ep in sorted(
                (ep for ep in dist.entry_points if ep.group.startswith("mlflow.")),
                key=lambda ep: (ep.group, ep.name),
            )
        ],
    }


def _answer(request: dict[str, Any], plugin_files: set[str]) -> dict[str, Any]:
    # Import MLflow as a user would: its registries load the plugin's entry points now and
    # turn failures into warnings, which are recorded here instead of shown.
    with warnings.catch_warnings(record=True) as import_warnings:
        warnings.simplefilter("always")
        try:
            import mlflow
        except Exception as exc:
            why = import_break(exc)
            if why is None:
                raise  # MLflow's own code: the environment is broken, not the plugin
            return _unimportable(request, why)

        registered = {group: _registered(group) for group in REGISTRIES}
        dist = importlib.metadata.distribution(request["plugin"])
        provided = {ep.group for ep in dist.entry_points}
        for group, contract in request["groups"].items():  # the plugin's groups' bases only:
            if group in provided:  # others (the server's, genai's) are seconds to import
                _base(contract.get("base"))  # MLflow's own import-time warnings, recorded here
    # Compile-time warnings fire only while bytecode is written: compile the sources here so
    # they are reported on every run, not only the first.
    for path in sorted(plugin_files):
        with warnings.catch_warnings(record=True) as compiled:
            warnings.simplefilter("always")
            try:
                with open(path, "rb") as f:
                    compile(f.read(), path, "exec")
            except (OSError, SyntaxError, ValueError):
                pass  # an import error, reported when the entry point loads
        import_warnings.extend(compiled)
    entry_points = sorted(
        (ep for ep in dist.entry_points if ep.group.startswith("mlflow.")),
        key=lambda ep: (ep.group, ep.name),
    )
    records = [
        _probe(
            ep,
            request["groups"].get(ep.group),
            registered.get(ep.group),
            import_warnings,
            plugin_files,
        )
        for ep in entry_points
    ]
    # a store registered under one of MLflow's own schemes replaces MLflow's store for it
    builtin = {group: sorted(builders) for group, builders in own_builders().items()}
    for record in records:
        record["overrides"] = record["name"].lower() in builtin.get(record["group"], ())
    return {
        "name": dist.metadata["Name"],
        "version": dist.version,
        "mlflow_version": mlflow.__version__,
        "builtin_schemes": builtin,
        "entry_points": records,
    }


def run(request: dict[str, Any]) -> dict[str, Any]:
    """The plugin's entry points as MLflow loads them (the imports of the plugin's own files
    traced meanwhile), the groups this MLflow loads, and the plugin's packaging."""
    dist = importlib.metadata.distribution(request["plugin"])
    plugin_files = {str(dist.locate_file(f)) for f in dist.files or () if str(f).endswith(".py")}
    imported: dict[str, Any] = {}
    with packaging_facts.traced_imports(plugin_files, imported):
        answer = _answer(request, plugin_files)
    spec = importlib.util.find_spec("mlflow")
    answer["mlflow_groups"] = (
        mlflow_groups(os.path.dirname(spec.origin)) if spec and spec.origin else None
    )
    answer["packaging"] = packaging_facts.facts(dist, plugin_files, imported)
    return answer


_STDLIB = sysconfig.get_paths()["stdlib"] + os.sep
_OURS = {__file__, packaging_facts.__file__}  # this probe, and the import tracer it installs


def _load_error(exc: BaseException, plugin_files: set[str]) -> str:
    """What an entry point raised while loading, and where: the innermost line in the plugin's
    own files, else the innermost line outside the standard library and the probe's own code."""
    where: tuple[str, int] | None
    if isinstance(exc, SyntaxError) and exc.filename:
        where = (exc.filename, exc.lineno or 0)
    else:
        frames = [
            (f.filename, f.lineno or 0)
            for f in traceback.extract_tb(exc.__traceback__)
            if f.filename not in _OURS
            and not f.filename.startswith("<")
            and not (f.filename.startswith(_STDLIB) and "site-packages" not in f.filename)
        ]
        ours = [f for f in frames if f[0] in plugin_files] or frames
        where = ours[-1] if ours else None
    return f"{_describe(exc)} ({_short(where[0])}:{where[1]})" if where else _describe(exc)


def _missing_module(exc: BaseException | None) -> str | None:
    """The top-level module whose absence raised ``exc`` (or one of its causes), if one did."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            return exc.name.partition(".")[0]
        exc = exc.__cause__ or exc.__context__
    return None
