"""Bytecode is compiled once per installed file and linked into every environment holding it."""

import os
import subprocess
import sys
from pathlib import Path

from harness.env.bytecode import compile_site


def _site(root: Path, shared: Path) -> Path:
    """An environment's site-packages: a package hard-linked from ``shared`` (as uv installs from
    its cache) and a module of its own."""
    site = root / "site-packages"
    (site / "pkg").mkdir(parents=True)
    os.link(shared, site / "pkg" / "__init__.py")
    (site / "own.py").write_text(f"WHERE = {str(root)!r}\n")
    return site


def _pyc(site: Path, name: str) -> Path:
    [pyc] = (site / Path(name).parent / "__pycache__").glob(Path(name).stem + ".*.pyc")
    return pyc


def test_a_second_environment_links_the_shared_files_bytecode_and_compiles_its_own(tmp_path):
    shared = tmp_path / "cache" / "pkg.py"
    shared.parent.mkdir()
    shared.write_text("def where():\n    return __file__\n")
    store = tmp_path / "store"
    first, second = _site(tmp_path / "a", shared), _site(tmp_path / "b", shared)

    assert compile_site(first, store) == 2
    [pinned] = store.glob("*.py")  # the shared source, whose inode the key names
    assert pinned.samefile(shared) and len(list(store.glob("*.pyc"))) == 1
    assert compile_site(second, store) == 1  # only its own module
    assert (
        _pyc(second, "pkg/__init__.py").stat().st_ino
        == _pyc(first, "pkg/__init__.py").stat().st_ino
    )
    assert _pyc(second, "own.py").stat().st_ino != _pyc(first, "own.py").stat().st_ino
    assert compile_site(second, store) == 0  # once compiled, nothing left to do

    # The linked bytecode is valid there and names the second environment's file
    probe = "import pkg, own; print(pkg.where()); print(own.WHERE)"
    out = subprocess.run(
        [sys.executable, "-B", "-v", "-c", probe],
        env={"PYTHONPATH": str(second)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == [str(second / "pkg" / "__init__.py"), str(tmp_path / "b")]
    assert f"code object from '{_pyc(second, 'pkg/__init__.py')}'" in out.stderr


def test_an_edited_shared_file_is_compiled_afresh(tmp_path):
    shared = tmp_path / "cache" / "pkg.py"
    shared.parent.mkdir()
    shared.write_text("X = 1\n")
    store = tmp_path / "store"
    compile_site(_site(tmp_path / "a", shared), store)
    shared.write_text("X = 22\n")  # same inode, a new time and size: a new key
    assert compile_site(_site(tmp_path / "b", shared), store) == 2
