"""Group contracts and packaging facts: the pure helpers of the probe and of its groups and
packaging_facts modules (run here against the harness's own MLflow and small hand-made files and
distributions) and the entry-points check over them."""

import builtins
import importlib.metadata
import importlib.util
import os
import sys
from pathlib import Path

import pytest

from harness.checks import Evidence, run_check
from harness.checks.entry_points import packaging_problems
from harness.model.contracts import BY_NAME, GROUPS
from harness.model.results import Status

sys.path.insert(0, str(Path(__file__).parents[2] / "harness" / "workloads"))

import groups
import packaging_facts
import probe

MLFLOW_ROOT = os.path.dirname(importlib.util.find_spec("mlflow").origin)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- which groups MLflow loads ------------------------------------------------------------


def test_the_groups_mlflow_loads_are_read_from_every_way_its_source_names_them(tmp_path):
    write(tmp_path / "a.py", 'for ep in get_entry_points("mlflow.app"):\n    pass\n')
    write(
        tmp_path / "b.py",
        'ENTRY_POINT_GROUP = "mlflow.job_executors"\nfound = get_entry_points(ENTRY_POINT_GROUP)\n',
    )
    write(
        tmp_path / "c.py",
        "class R:\n    def __init__(self):\n"
        '        self.group_name = "mlflow.scorer_store"\n'
        "    def load(self):\n        get_entry_points(self.group_name)\n",
    )
    write(
        tmp_path / "d.py",
        '_GROUP = "mlflow.workspace_provider"\nclass W(StoreRegistry):\n'
        "    def __init__(self):\n        super().__init__(_GROUP)\n",
    )
    write(
        tmp_path / "e.py",
        "class T(StoreRegistry):\n    def __init__(self):\n"
        '        super().__init__("mlflow.tracking_store")\n',
    )
    write(tmp_path / "f.py", 'eps = entry_points(group="mlflow.old_style")\n')
    # a tag named like an entry point, and the tests' own groups, are not groups MLflow loads
    write(
        tmp_path / "g.py",
        'MLFLOW_PROJECT_ENTRY_POINT = "mlflow.project.entryPoint"\nprint(get_entry_points)\n',
    )
    write(tmp_path / "tests" / "h.py", 'get_entry_points("mlflow.test_only")\n')
    assert groups.mlflow_groups(str(tmp_path)) == [
        "mlflow.app",
        "mlflow.job_executors",
        "mlflow.old_style",
        "mlflow.scorer_store",
        "mlflow.tracking_store",
        "mlflow.workspace_provider",
    ]


def test_every_group_the_installed_mlflow_loads_has_a_contract():
    loaded = groups.mlflow_groups(MLFLOW_ROOT)
    assert {
        "mlflow.job_executors",
        "mlflow.workspace_provider",
        "mlflow.app.client",
        "mlflow.scorer_store",
        "mlflow.labeling_store",
        "mlflow.gateway.providers",
        "mlflow.tracking_store",
        "mlflow.deployments",
    } <= set(loaded)
    assert set(loaded) <= set(BY_NAME), set(loaded) - set(BY_NAME)


def test_every_contract_base_exists_in_the_installed_mlflow():
    bases = [g.base for g in GROUPS if g.base]
    assert [b for b in bases if probe._base(b) is None] == []
    assert {
        "mlflow.job_executors",
        "mlflow.workspace_provider",
        "mlflow.scorer_store",
        "mlflow.labeling_store",
        "mlflow.gateway.providers",
    } <= {g.name for g in GROUPS if g.base and g.constructor}


# --- shapes -------------------------------------------------------------------------------


def test_a_base_missing_from_this_mlflow_is_not_checked_and_does_not_crash():
    assert probe._base("mlflow.server.no_such_module:AbstractJobExecutor") is None
    assert probe._base("mlflow.store.workspace.abstract_store:NoSuchClass") is None

    class Store:
        def __init__(self, store_uri):
            pass

    record = {"problems": [], "abstract_left": []}
    probe._check_shape(
        Store, {"base": "mlflow.no_such:Base", "constructor": [[], ["workspace_uri"]]}, record
    )
    assert record["problems"] == [
        "cannot be called as MLflow calls it, (workspace_uri=...): "
        "missing a required argument: 'store_uri'"
    ]


def test_a_workspace_store_taking_store_uri_cannot_be_built_as_mlflow_builds_it():
    from mlflow.store.workspace.abstract_store import AbstractStore

    class Positional(AbstractStore):
        def __init__(self, store_uri):
            pass

    class Keyword(AbstractStore):
        def __init__(self, workspace_uri):
            pass

    group = BY_NAME["mlflow.workspace_provider"]
    contract = {"base": group.base, "constructor": group.constructor}
    bad, good = ({"problems": [], "abstract_left": []} for _ in range(2))
    probe._check_shape(Positional, contract, bad)
    probe._check_shape(Keyword, contract, good)
    assert len(bad["problems"]) == 1 and "(workspace_uri=...)" in bad["problems"][0]
    assert good["problems"] == [] and good["abstract_left"] == ["get_workspace", "list_workspaces"]


def test_only_the_keywords_this_mlflows_own_base_takes_are_required():
    class Old:  # an MLflow 2 ArtifactRepository: MLflow 2 passes the URI alone
        def __init__(self, artifact_uri):
            pass

    class New:
        def __init__(self, artifact_uri, tracking_uri=None, registry_uri=None):
            pass

    class Bare:  # no constructor of its own (MLflow's AbstractStore of workspaces)
        pass

    class Empty:  # a constructor without parameters (MLflow's tracking AbstractStore)
        def __init__(self):
            pass

    keywords = ("tracking_uri", "registry_uri")
    assert probe._passed(keywords, Old) == ()
    assert probe._passed(keywords, New) == keywords
    assert probe._passed(keywords, Bare) == keywords
    assert probe._passed(keywords, Empty) == keywords
    assert probe._passed(keywords, None) == keywords


# --- load errors --------------------------------------------------------------------------


def test_a_load_error_names_the_plugins_file_and_line_and_the_missing_module(tmp_path):
    plugin = write(tmp_path / "plugin_mod_x1.py", "import os\n\nfrom no_such_module_x1 import y\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(ImportError) as raised:
            importlib.import_module("plugin_mod_x1")
    finally:
        sys.path.remove(str(tmp_path))
    error = probe._load_error(raised.value, {str(plugin)})
    assert error.startswith("ModuleNotFoundError: No module named 'no_such_module_x1' (")
    assert error.endswith("plugin_mod_x1.py:3)")
    try:
        try:
            raise ModuleNotFoundError("No module named 'flask_wtf.csrf'", name="flask_wtf.csrf")
        except ImportError as exc:
            raise ImportError("MLflow's auth app requires Flask-WTF") from exc
    except ImportError as exc:
        assert probe._missing_module(exc) == "flask_wtf"
    assert probe._missing_module(ValueError("x")) is None


# --- imports ------------------------------------------------------------------------------


def test_imports_of_the_plugins_own_files_are_traced_and_failed_ones_are_not(tmp_path):
    package = tmp_path / "traced_pkg_x2"
    init = write(
        package / "__init__.py",
        "import json\nimport email.mime.text\nfrom . import sub\n"
        "try:\n    import no_such_module_x2\nexcept ImportError:\n    pass\n"
        "csv = __import__('csv')\n",
    )  # a call, not an import statement
    sub = write(package / "sub.py", "from collections import OrderedDict\n")
    imported: dict = {}
    sys.path.insert(0, str(tmp_path))
    try:
        with packaging_facts.traced_imports({str(init), str(sub)}, imported):
            importlib.import_module("traced_pkg_x2")
    finally:
        sys.path.remove(str(tmp_path))
    assert set(imported) == {"json", "email", "collections"}
    assert imported["email"] == {(str(init), 2)}
    assert builtins.__import__.__name__ == "__import__"  # restored on the way out


def test_imports_inside_a_try_catching_import_error_are_optional(tmp_path):
    path = write(
        tmp_path / "m.py",
        "\n".join(
            [
                "import a",
                "try:",
                "    import b",
                "except ImportError:",
                "    b = None",
                "try:",
                "    from c import d",
                "except (AttributeError, ModuleNotFoundError):",
                "    pass",
                "try:",
                "    import e",
                "except:",
                "    pass",
                "try:",
                "    import f",
                "except ValueError:",
                "    pass",
            ]
        )
        + "\n",
    )
    assert packaging_facts._optional_imports(str(path)) == frozenset({3, 7, 11})


def fake_distribution(tmp_path: Path, metadata: str, files: dict[str, str]):
    info = tmp_path / "fake_plugin-1.0.dist-info"
    write(info / "METADATA", "Metadata-Version: 2.1\nName: fake-plugin\nVersion: 1.0\n" + metadata)
    for name, text in files.items():
        write(tmp_path / name, text)
    write(info / "RECORD", "".join(f"{name},,\n" for name in [*files, f"{info.name}/METADATA"]))
    return importlib.metadata.PathDistribution(info)


def test_top_level_names_come_from_the_files_and_namespace_packages_are_marked(tmp_path):
    dist = fake_distribution(
        tmp_path,
        "",
        {
            "fake_plugin/__init__.py": "",
            "fake_plugin/store.py": "",
            "utils/__init__.py": "",
            "single.py": "",
            "google/cloud/fake/__init__.py": "",
            "legacy_ns/__init__.py": "__path__ = __import__('pkgutil').extend_path(__path__, "
            "__name__)\n",
            "../../bin/fake-cli": "",
            "fake_plugin/py.typed": "",
        },
    )
    assert packaging_facts._top_level(dist) == {
        "fake_plugin": False,
        "utils": False,
        "single": False,
        "google": True,
        "legacy_ns": True,
    }


def test_the_declared_closure_follows_requirements_but_not_extras_nobody_asked_for(tmp_path):
    dist = fake_distribution(
        tmp_path,
        "Requires-Dist: mlflow\nProvides-Extra: dev\n"
        "Requires-Dist: pytest>=8; extra == 'dev'\n"
        "Requires-Dist: nowhere-installed; python_version < '3'\n",
        {"fake_plugin/__init__.py": ""},
    )
    declared = packaging_facts._declared(dist)
    assert {"mlflow", "mlflow-skinny", "requests", "sqlalchemy"} <= declared
    assert "pytest" not in declared and "nowhere-installed" not in declared
    assert packaging_facts._extras(dist) == {"pytest": ["dev"]}


def test_an_import_no_declared_dependency_provides_is_reported_with_where_and_extra(tmp_path):
    source = "import json\nimport requests\nimport pytest\nimport fake_plugin.store\n"
    dist = fake_distribution(
        tmp_path,
        "Requires-Dist: mlflow\nProvides-Extra: dev\nRequires-Dist: pytest; extra == 'dev'\n",
        {"fake_plugin/__init__.py": source, "fake_plugin/store.py": ""},
    )
    init = str(tmp_path / "fake_plugin" / "__init__.py")
    imported = {
        "json": {(init, 1)},
        "requests": {(init, 2)},
        "pytest": {(init, 3)},
        "fake_plugin": {(init, 4)},
    }
    providers = importlib.metadata.packages_distributions()
    found = packaging_facts._undeclared(dist, packaging_facts._top_level(dist), imported, providers)
    [only] = found  # json: the standard library; requests: through mlflow; fake_plugin: its own
    assert only["where"].endswith("/fake_plugin/__init__.py:3")
    assert {**only, "where": ""} == {
        "module": "pytest",
        "where": "",
        "distribution": "pytest",
        "extras": ["dev"],
    }
    optional = write(
        tmp_path / "fake_plugin" / "opt.py",
        "try:\n    import pytest\nexcept ImportError:\n    pytest = None\n",
    )
    assert packaging_facts._undeclared(dist, {}, {"pytest": {(str(optional), 2)}}, providers) == []


# --- syntax against Requires-Python -------------------------------------------------------


def test_the_lowest_python_a_requires_python_admits():
    assert packaging_facts._lowest_minor(">=3.8") == 8
    assert packaging_facts._lowest_minor(">3.8") == 8
    assert packaging_facts._lowest_minor("~=3.9") == 9
    assert packaging_facts._lowest_minor(">=3.7,!=3.7.*") == 8
    assert packaging_facts._lowest_minor(">=4") is None
    assert packaging_facts._lowest_minor("not a specifier") is None


def test_syntax_newer_than_requires_python_is_found_at_its_statement(tmp_path):
    match = write(
        tmp_path / "pkg" / "stage.py",
        "import os\n\n\ndef stage(v):\n"
        "    match v:\n        case 'prod':\n            return 1\n"
        "        case _:\n            return 0\n\n\nX = 1\n",
    )
    walrus = write(
        tmp_path / "pkg" / "size.py", "def f(a):\n    if (n := len(a)) > 1:\n        return n\n"
    )
    broken = write(tmp_path / "pkg" / "broken.py", "def f(:\n")  # parses nowhere: not reported
    files = {str(match), str(walrus), str(broken)}
    found = packaging_facts._newer_syntax(">=3.7", files)
    assert [(f["where"].rsplit("/", 1)[-1], f["needs"]) for f in found] == [
        ("size.py:2", "3.8"),
        ("stage.py:5", "3.10"),
    ]
    assert found[1]["error"] == "Pattern matching is only supported in Python 3.10 and greater"
    assert packaging_facts._newer_syntax(">=3.10", files) == []
    assert packaging_facts._newer_syntax(None, files) == []


# --- the entry-points check ---------------------------------------------------------------


def entry(group: str, name: str = "x", loaded: bool = True, **fields) -> dict:
    return {
        "group": group,
        "name": name,
        "value": "m:C",
        "loaded": loaded,
        "error": None if loaded else "ImportError: nope (m.py:1)",
        "problems": [],
        "abstract_left": [],
        "calls": None,
        **fields,
    }


def everything(probe_answer: dict) -> Evidence:
    return Evidence(probe_answer, groups={g.name for g in GROUPS})  # the entry-points scenario


LOADED = ["mlflow.tracking_store", "mlflow.app", "mlflow.foo"]


def test_entry_points_without_a_contract_are_not_checked_and_never_pass_silently():
    answer = {
        "mlflow_version": "3.17.2",
        "mlflow_groups": LOADED,
        "name": "p",
        "entry_points": [
            entry("mlflow.tracking_store"),
            entry("mlflow.app"),
            entry("mlflow.foo", "bar"),
        ],
    }
    result = run_check("entry-points", everything(answer))
    assert result.status is Status.PASSED
    assert result.detail == (
        "2 entry point(s) load and fit their contract; 1 not checked: "
        "mlflow.foo:bar (the harness has no contract for mlflow.foo)"
    )
    alone = run_check(
        "entry-points", everything({**answer, "entry_points": [entry("mlflow.foo", "bar")]})
    )
    assert alone.status is Status.SKIPPED
    assert alone.detail == (
        "no entry point checked: 1 not checked: mlflow.foo:bar "
        "(the harness has no contract for mlflow.foo)"
    )
    broken = run_check(
        "entry-points",
        everything({**answer, "entry_points": [entry("mlflow.foo", "bar", loaded=False)]}),
    )  # MLflow loads the group: it must load
    assert broken.status is Status.FAILED and "mlflow.foo:bar (m:C) fails to load" in broken.detail


def test_a_group_this_mlflow_does_not_load_is_not_checked_not_failed():
    answer = {
        "mlflow_version": "2.22.1",
        "mlflow_groups": ["mlflow.tracking_store"],
        "entry_points": [
            entry("mlflow.tracking_store"),
            entry("mlflow.workspace_provider", "ws", loaded=False),
        ],
    }
    result = run_check("entry-points", everything(answer))
    assert result.status is Status.PASSED
    assert result.detail.endswith(
        "1 not checked: mlflow.workspace_provider:ws "
        "(MLflow 2.22 does not load mlflow.workspace_provider)"
    )
    without = {**answer, "mlflow_groups": None}  # an older probe: every group counts
    assert run_check("entry-points", everything(without)).status is Status.FAILED


def test_a_group_mlflow_takes_only_classes_for_rejects_a_factory():
    answer = {
        "entry_points": [
            entry("mlflow.job_executors", kind="callable"),
            entry("mlflow.gateway.providers", kind="class"),
        ]
    }
    result = run_check("entry-points", everything(answer))
    assert result.status is Status.FAILED
    assert result.problems == [
        "mlflow.job_executors:x: MLflow takes only a class for mlflow.job_executors, got a callable"
    ]


def test_a_module_missing_because_it_is_only_in_an_extra_says_so():
    answer = {
        "entry_points": [entry("mlflow.app", loaded=False, missing="flask_wtf")],
        "packaging": {"extras": {"flask-wtf": ["dev"]}},
    }
    result = run_check("entry-points", everything(answer))
    assert result.detail.endswith(
        "ImportError: nope (m.py:1), and flask_wtf is missing: the "
        "plugin lists flask-wtf only in its 'dev' extra"
    )


PACKAGING = {
    "top_level": [
        {"name": "plugin_pkg", "namespace": False, "stdlib": False, "also_in": []},
        {"name": "tests", "namespace": True, "stdlib": False, "also_in": []},
        {"name": "logging", "namespace": False, "stdlib": True, "also_in": []},
        {"name": "shared", "namespace": False, "stdlib": False, "also_in": ["other-dist"]},
        {"name": "google", "namespace": True, "stdlib": False, "also_in": ["protobuf"]},
    ],
    "undeclared_imports": [
        {
            "module": "flask_wtf",
            "where": "p/auth/app.py:5",
            "distribution": "Flask-WTF",
            "extras": ["dev"],
        },
        {"module": "boto3", "where": "p/s3.py:1", "distribution": "boto3", "extras": []},
    ],
    "requires_python": ">=3.8",
    "newer_syntax": [
        {
            "where": "p/stage.py:5",
            "needs": "3.10",
            "error": "Pattern matching is only supported in Python 3.10 and greater",
        }
    ],
}


def test_packaging_problems_name_each_defect():
    assert packaging_problems({"name": "p", "packaging": PACKAGING}) == [
        "p installs a top-level package 'tests': a generic name other distributions install "
        "too, and a user's own module of that name shadows it",
        "p installs a top-level 'logging', the name of a standard library module, which it shadows",
        "p installs a top-level 'shared' that other-dist also install(s): one overwrites the other",
        "p imports flask_wtf (from p/auth/app.py:5), which no declared dependency provides "
        "(Flask-WTF is only in the 'dev' extra)",
        "p imports boto3 (from p/s3.py:1), which no declared dependency provides (boto3 is "
        "installed here, but not required by the plugin or its dependencies)",
        "p declares requires-python >=3.8 but p/stage.py:5 uses syntax that needs Python 3.10 "
        "(Pattern matching is only supported in Python 3.10 and greater)",
    ]
    assert packaging_problems({"entry_points": []}) == []


def test_packaging_is_judged_where_every_group_is_and_nowhere_else():
    answer = {"name": "p", "entry_points": [entry("mlflow.tracking_store")], "packaging": PACKAGING}
    assert run_check("entry-points", everything(answer)).status is Status.FAILED
    workload = Evidence(answer, groups={g.name for g in GROUPS if g.scope is None})  # a workload
    assert run_check("entry-points", workload).status is Status.PASSED
