"""Discover the plugin's mlflow.* entry points and load each one, recording the warnings its own
code raises; the groups the installed MLflow loads; and facts on the plugin's packaging (top-level
names, imports no declared dependency provides, syntax newer than its Requires-Python)."""

import ast
import builtins
import contextlib
import dis
import functools
import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import re
import sys
import sysconfig
import textwrap
import traceback
import types
import warnings

from packaging.requirements import InvalidRequirement, Requirement  # MLflow requires packaging
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from own_stores import own_builders
from protocol import _describe, _short, import_break
from recorder import describe_error

PROVIDER_CALLS = {
    "mlflow.request_header_provider": ("in_context", "request_headers"),
    "mlflow.request_auth_provider": ("get_name", "get_auth"),
    "mlflow.default_experiment_provider": ("in_context", "get_experiment_id"),
    "mlflow.run_context_provider": ("in_context", "tags"),
}


# Where MLflow keeps what it registered from entry points (private; absent ones are not verified).
REGISTRIES = {
    "mlflow.tracking_store": "mlflow.tracking._tracking_service.utils:_tracking_store_registry",
    "mlflow.artifact_repository":
        "mlflow.store.artifact.artifact_repository_registry:_artifact_repository_registry",
    "mlflow.model_registry_store": "mlflow.tracking._model_registry.utils:_get_store_registry",
    "mlflow.run_context_provider": "mlflow.tracking.context.registry:_run_context_provider_registry",
    "mlflow.request_header_provider":
        "mlflow.tracking.request_header.registry:_request_header_provider_registry",
    "mlflow.request_auth_provider":
        "mlflow.tracking.request_auth.registry:_request_auth_provider_registry",
    "mlflow.default_experiment_provider":
        "mlflow.tracking.default_experiment.registry:_default_experiment_provider_registry",
    "mlflow.dataset_constructor": "mlflow.data.dataset_registry:_dataset_registry.constructors",
    "mlflow.dataset_source":
        "mlflow.data.dataset_source_registry:_dataset_source_registry.sources",
}


def _registered(group: str):
    """What MLflow registered for a group: scheme names, or provider 'module:Class' names."""
    module, _, attr = REGISTRIES[group].partition(":")
    attr, _, collection = attr.partition(".")  # "registry.collection": where the entries are
    try:
        registry = _import(f"{module}:{attr}")
        if callable(registry) and not hasattr(registry, "_registry"):
            registry = registry()
        entries = getattr(registry, collection or "_registry")
    except Exception:
        return None
    if isinstance(entries, dict):
        return {str(k): v for k, v in entries.items()}
    return {(p if isinstance(p, type) else type(p)): p for p in entries}


def _import(path: str):
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def _base(path):
    """The class ``path`` ("module:Class") names, or None where the installed MLflow lacks it
    (a group or base newer than this MLflow: no base to check against)."""
    if not path:
        return None
    try:
        return _import(path)
    except Exception:  # noqa: BLE001 - missing module or class, or MLflow's module failing
        return None


def _passed(keywords: tuple, base) -> tuple:
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


def _kind(obj) -> str:
    if inspect.isclass(obj):
        return "class"
    if isinstance(obj, types.ModuleType):
        return "module"
    return "callable" if callable(obj) else type(obj).__name__


def _abstract_left(cls) -> list:
    return sorted(
        name for name in dir(cls)
        if getattr(getattr(cls, name, None), "__isabstractmethod__", False)
    )


def _describe_value(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): [type(v).__name__, str(v)[:200]] for k, v in value.items()}
    return f"<{type(value).__name__}>"


def _call_provider(obj, group: str) -> dict:
    calls = {}
    instance = obj()
    for method in PROVIDER_CALLS[group]:
        try:
            value = getattr(instance, method)()
            calls[method] = {"type": type(value).__name__, "value": _describe_value(value),
                             "callable": callable(value)}
        except Exception as exc:
            calls[method] = {"error": describe_error(exc)}
    return calls


def _check_shape(obj, contract: dict, record: dict) -> None:
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
            inspect.signature(obj).bind(*positional, **{k: None for k in keywords})
        except TypeError as exc:
            call = ", ".join([*positional, *(f"{k}=..." for k in keywords)])
            problems.append(f"cannot be called as MLflow calls it, ({call}): {exc}")
        except ValueError:
            pass  # no introspectable signature (builtins)


def _registration_problems(ep, obj, registered, import_warnings: list) -> list:
    if ep.group not in REGISTRIES or registered is None:
        return []
    key = (ep.name.lower() if ep.group in SCHEME_GROUPS
           else ep.name if ep.group == "mlflow.dataset_constructor" else obj)
    if key in registered:
        if ep.group in SCHEME_GROUPS and registered[key] is not obj:
            return [f"scheme {ep.name!r} is served by {registered[key]!r}, not this entry point"]
        return []
    why = [str(w.message) for w in import_warnings if f'"{ep.name}"' in str(w.message)]
    return ["MLflow did not register it at `import mlflow`"
            + (f": {why[0]}" if why else " (no warning given)")]


SCHEME_GROUPS = {"mlflow.tracking_store", "mlflow.artifact_repository", "mlflow.model_registry_store"}


def _probe(ep, contract: dict, registered, import_warnings: list, plugin_files: set) -> dict:
    record = {"group": ep.group, "name": ep.name, "value": ep.value, "loaded": False,
              "error": None, "problems": [], "abstract_left": [], "calls": None}
    try:
        with warnings.catch_warnings(record=True) as load_warnings:
            warnings.simplefilter("always")
            obj = ep.load()
    except Exception as exc:
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
            problem = (f"warns at import ({w.filename.rsplit('/', 1)[-1]}:{w.lineno}): "
                       f"{w.category.__name__}: {w.message}")
            if problem not in record["problems"]:
                record["problems"].append(problem)
    if contract:
        _check_shape(obj, contract, record)
    if ep.group in PROVIDER_CALLS and not record["problems"]:
        try:
            record["calls"] = _call_provider(obj, ep.group)
        except Exception as exc:
            record["problems"].append(f"cannot be instantiated: {describe_error(exc)}")
    return record


def _unimportable(request: dict, why: str) -> dict:
    """The answer when `import mlflow` itself fails: no entry point can load."""
    dist = importlib.metadata.distribution(request["plugin"])
    return {
        "name": dist.metadata["Name"],
        "version": dist.version,
        "mlflow_version": None,
        "import_mlflow_error": why,
        "entry_points": [
            {"group": ep.group, "name": ep.name, "value": ep.value, "loaded": False,
             "error": why, "problems": [], "abstract_left": [], "calls": None}
            for ep in sorted((ep for ep in dist.entry_points if ep.group.startswith("mlflow.")),
                             key=lambda ep: (ep.group, ep.name))
        ],
    }


def _answer(request: dict, plugin_files: set) -> dict:
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
        for contract in request["groups"].values():
            _base(contract.get("base"))  # MLflow's own import-time warnings, recorded here
    dist = importlib.metadata.distribution(request["plugin"])
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
    records = [_probe(ep, request["groups"].get(ep.group), registered.get(ep.group),
                      import_warnings, plugin_files) for ep in entry_points]
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


def run(request: dict) -> dict:
    """The plugin's entry points as MLflow loads them (the imports of the plugin's own files
    traced meanwhile), the groups this MLflow loads, and the plugin's packaging."""
    dist = importlib.metadata.distribution(request["plugin"])
    plugin_files = {str(dist.locate_file(f)) for f in dist.files or () if str(f).endswith(".py")}
    imported: dict = {}
    with _traced_imports(plugin_files, imported):
        answer = _answer(request, plugin_files)
    spec = importlib.util.find_spec("mlflow")
    answer["mlflow_groups"] = (mlflow_groups(os.path.dirname(spec.origin))
                               if spec and spec.origin else None)
    answer["packaging"] = _packaging(dist, plugin_files, imported)
    return answer


# How MLflow names a group it loads: get_entry_points("mlflow.x"), entry_points(group=...) or a
# registry's super().__init__("mlflow.x"), the name written there or in a variable of the file
_GROUP_NAME = r"""["'](mlflow\.[a-z_][\w.]*)["']"""
_GROUP_USE = re.compile(r"(?:get_entry_points\(|entry_points\(\s*group\s*=|super\(\)\.__init__\()"
                        rf"\s*(?:{_GROUP_NAME}|(?:self\.)?(\w+)\s*\))")


def mlflow_groups(root: str) -> list:
    """The mlflow.* entry-point groups the MLflow installed at ``root`` loads, read from its
    source (its tests aside)."""
    found: set = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ("tests", "__pycache__", "node_modules")]
        for name in files:
            if name.endswith(".py"):
                found.update(_groups_in(os.path.join(folder, name)))
    return sorted(found)


def _groups_in(path: str) -> set:
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if "entry_points(" not in text and "super().__init__(" not in text:
        return set()
    found = set()
    for literal, variable in _GROUP_USE.findall(text):
        found.update([literal] if literal
                     else re.findall(rf"\b{variable}\s*=\s*{_GROUP_NAME}", text))
    return found


_STDLIB = sysconfig.get_paths()["stdlib"] + os.sep


def _load_error(exc: BaseException, plugin_files: set) -> str:
    """What an entry point raised while loading, and where: the innermost line in the plugin's
    own files, else the innermost line outside the standard library and this probe."""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = (exc.filename, exc.lineno or 0)
    else:
        frames = [(f.filename, f.lineno or 0) for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename != __file__ and not f.filename.startswith("<")
                  and not (f.filename.startswith(_STDLIB) and "site-packages" not in f.filename)]
        ours = [f for f in frames if f[0] in plugin_files] or frames
        where = ours[-1] if ours else None
    return f"{_describe(exc)} ({_short(where[0])}:{where[1]})" if where else _describe(exc)


def _missing_module(exc) -> str | None:
    """The top-level module whose absence raised ``exc`` (or one of its causes), if one did."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            return exc.name.partition(".")[0]
        exc = exc.__cause__ or exc.__context__
    return None


_IMPORT_NAME = dis.opmap["IMPORT_NAME"]


@contextlib.contextmanager
def _traced_imports(plugin_files: set, imported: dict):
    """While inside, every absolute import statement of the plugin's own files that succeeds is
    recorded: top-level module -> {(file, line)}. One that raised is not: caught, it is an
    optional dependency; uncaught, the entry point fails to load and says so. Imports C code
    makes while the plugin's line runs (unpickling, say) are no statement of the plugin's."""
    original = builtins.__import__

    def traced(name, globals=None, locals=None, fromlist=(), level=0):
        module = original(name, globals, locals, fromlist, level)
        if level == 0:
            caller = sys._getframe(1)
            code = caller.f_code
            if code.co_filename in plugin_files and code.co_code[caller.f_lasti] == _IMPORT_NAME:
                imported.setdefault(name.partition(".")[0], set()).add(
                    (code.co_filename, caller.f_lineno))
        return module

    builtins.__import__ = traced
    try:
        yield
    finally:
        builtins.__import__ = original


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(dist, extras: tuple = ()) -> list:
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


def _declared(dist) -> set:
    """Canonical names of the distributions the plugin declares, and theirs, recursively (those
    installed: an absent one declares nothing here)."""
    installed = {_canonical(d.metadata["Name"]): d for d in importlib.metadata.distributions()
                 if d.metadata["Name"]}
    declared, done, todo = set(), set(), [(dist, ())]
    while todo:
        current, extras = todo.pop()
        for req in _requirements(current, extras):
            name, asked = _canonical(req.name), tuple(sorted(req.extras))
            declared.add(name)
            if (name, asked) not in done and name in installed:
                done.add((name, asked))
                todo.append((installed[name], asked))
    return declared


def _extras(dist) -> dict:
    """Canonical distribution name -> the plugin's extras that alone require it."""
    base = {_canonical(r.name) for r in _requirements(dist)}
    found: dict = {}
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


@functools.lru_cache(maxsize=None)
def _optional_imports(path: str) -> frozenset:
    """Lines of the imports in ``path`` that sit in a ``try`` catching ImportError."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return frozenset()
    tries = (ast.Try, getattr(ast, "TryStar", ast.Try))
    return frozenset(
        node.lineno for block in ast.walk(tree)
        if isinstance(block, tries) and any(map(_catches_import_error, block.handlers))
        for statement in block.body for node in ast.walk(statement)
        if isinstance(node, (ast.Import, ast.ImportFrom)))


def _top_level(dist) -> dict:
    """The importable top-level names the distribution installs -> whether each is a namespace
    package (one other distributions may share by design)."""
    names: dict = {}
    files = {str(f) for f in dist.files or ()}
    for f in dist.files or ():
        head = f.parts[0] if f.parts else ""
        if head == ".." or head.endswith((".dist-info", ".data", ".egg-info")):
            continue
        stem = head.split(".")[0]
        if len(f.parts) == 1 and f.suffix in (".py", ".so", ".pyd") and stem.isidentifier():
            names.setdefault(stem, False)
        elif len(f.parts) > 1 and f.suffix in (".py", ".so", ".pyd") and head.isidentifier():
            names.setdefault(head, f"{head}/__init__.py" not in files
                             or _pkgutil_namespace(dist.locate_file(f"{head}/__init__.py")))
    if not names:  # no RECORD (an editable or legacy install): what it says it installs
        text = dist.read_text("top_level.txt") or ""
        names = {n: False for n in text.split() if n.isidentifier()}
    return {n: ns for n, ns in names.items() if not n.startswith(("__editable__", "__pycache__"))}


def _pkgutil_namespace(init) -> bool:
    try:
        with open(init, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    return "extend_path" in text or "declare_namespace" in text


def _undeclared(dist, own: dict, imported: dict, providers: dict) -> list:
    """Modules the plugin's files imported whose distribution the plugin does not declare, not
    even through its requirements' requirements (optional imports aside)."""
    declared = _declared(dist) | {_canonical(dist.metadata["Name"])}
    extras = _extras(dist)
    found = []
    for module, places in sorted(imported.items()):
        dists = providers.get(module, [])
        if (module in own or module in sys.stdlib_module_names or not dists
                or {_canonical(d) for d in dists} & declared):
            continue
        kept = sorted((path, line) for path, line in places
                      if line not in _optional_imports(path))
        if kept:
            found.append({"module": module, "where": f"{_short(kept[0][0])}:{kept[0][1]}",
                          "distribution": dists[0], "extras": extras.get(_canonical(dists[0]), [])})
    return found


def _lowest_minor(spec: str | None) -> int | None:
    """The lowest Python 3 minor version a Requires-Python admits, up to this one's."""
    try:
        allowed = SpecifierSet(spec or "")
    except InvalidSpecifier:
        return None
    return next((m for m in range(sys.version_info.minor + 1)
                 if any(allowed.contains(f"3.{m}.{p}", prereleases=True) for p in (0, 99))), None)


def _rejected(source, minor: int) -> SyntaxError | None:
    try:
        ast.parse(source, feature_version=(3, minor))
    except SyntaxError as exc:
        return exc
    except ValueError:  # null bytes: not Python at all
        return None
    return None


def _child_statements(node: ast.AST) -> list:
    children = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.stmt):
            children.append(child)
        elif isinstance(child, (ast.ExceptHandler, getattr(ast, "match_case", ast.ExceptHandler))):
            children.extend(child.body)
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
        node = next((n for n in statements if _rejected(textwrap.dedent(
            ast.get_source_segment(text, n, padded=True) or ""), minor)), None)
        if node is None:
            break
        statements, line = _child_statements(node), node.lineno
    return line


def _newer_syntax(spec: str | None, plugin_files: set) -> list:
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
        needs = next((m for m in range(lowest + 1, sys.version_info.minor + 1)
                      if _rejected(source, m) is None), None) if error else None
        if needs is not None:  # one that parses nowhere fails to import: reported on loading
            line = _culprit(source, lowest) or error.lineno
            found.append({"where": f"{_short(path)}:{line}", "needs": f"3.{needs}",
                          "error": error.msg})
    return found


def _packaging(dist, plugin_files: set, imported: dict) -> dict:
    """Facts on how the plugin is packaged; the harness judges them."""
    providers = importlib.metadata.packages_distributions()
    own = _canonical(dist.metadata["Name"])
    top = _top_level(dist)
    return {
        "top_level": [{"name": name, "namespace": namespace,
                       "stdlib": name in sys.stdlib_module_names,
                       "also_in": sorted({d for d in providers.get(name, ())
                                          if _canonical(d) != own})}
                      for name, namespace in sorted(top.items())],
        "undeclared_imports": _undeclared(dist, top, imported, providers),
        "extras": _extras(dist),
        "requires_python": dist.metadata["Requires-Python"],
        "newer_syntax": _newer_syntax(dist.metadata["Requires-Python"], plugin_files),
    }
