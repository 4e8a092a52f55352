"""What the wheel and the harness's own environment are made of: the shipped directories are
mapped into the package, every dependency is pinned by requirements.lock, and the lock names
no index (each machine reads its own from its pip configuration)."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = (ROOT / "requirements.lock").read_text()


def pinned() -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", LOCK, flags=re.M)
    return {canonicalize_name(name): version for name, version in found}


def test_the_wheel_maps_the_shipped_directories_into_the_package():
    mapping = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert mapping == {name: f"harness/data/{name}" for name in ("scenarios", "images", "scripts")}
    for source in mapping:
        assert (ROOT / source).is_dir()


def test_every_dependency_and_extra_is_pinned_by_the_lock():
    project = PYPROJECT["project"]
    wanted = list(project["dependencies"])
    for extra in ("test", "dev"):
        wanted += project["optional-dependencies"][extra]
    versions = pinned()
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in versions, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(versions[name], prereleases=True), (
            f"requirements.lock pins {name}=={versions[name]}, outside {requirement}: "
            "run `make lock`"
        )


def test_runtime_dependencies_leave_mlflow_to_the_plugin_environments():
    runtime = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    assert "mlflow" not in runtime and "hypothesis" not in runtime


def test_the_lock_names_no_index_or_download_address():
    assert not re.search(r"(--index-url|--extra-index-url|--find-links|https?://|file:)", LOCK)
