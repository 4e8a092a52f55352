"""Bytecode for a read-only environment, compiled once per installed file, not per environment.

uv installs a package by hard-linking its files from uv's cache, so every environment with the
same MLflow holds the same source files (the same inodes). A source file's bytecode is kept in
a store keyed by that file (device, inode, modification time, size) and linked into every
environment that installs it: a new environment compiles only the files that are its alone
(the plugin's, and packages not seen before). The store links the source too, so the inode in
a key can never be freed and reused by another file. Python still validates each ``.pyc``
against its source's time and size at import, and fixes its code's file names."""

from __future__ import annotations

import compileall
import contextlib
import importlib.util
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

CHUNK = 64  # files per task handed to a compiling process


def compile_site(site: Path, store: Path) -> int:
    """Give every source under ``site`` its bytecode, linked from ``store`` where the same file
    was compiled before; store what was compiled here. Returns how many files were compiled."""
    store.mkdir(parents=True, exist_ok=True)
    missing = [(source, key) for source, key in _sources(site, store) if not _link(key, source)]
    if missing:
        with ProcessPoolExecutor() as pool:
            list(pool.map(_compile, [str(s) for s, _ in missing], chunksize=CHUNK))
    for source, key in missing:
        if key is not None:
            _store(source, key)
    return len(missing)


def _store(source: Path, key: Path) -> None:
    """Keep ``source``'s bytecode under ``key``, with a link to the source itself, which pins
    the inode the key names (it cannot be freed and given to another file)."""
    pinned = key.with_suffix(".py")
    with contextlib.suppress(OSError):  # pinned before, or no links across file systems
        os.link(source, pinned)
    if pinned.exists() and pinned.samefile(source):
        with contextlib.suppress(OSError):  # stored meanwhile by another run
            os.link(_pyc(source), key.with_suffix(".pyc"))


def _sources(site: Path, store: Path) -> Iterator[tuple[Path, Path | None]]:
    """Sources without bytecode, each with its key in the store (None: a file of this
    environment alone, which no other environment could share)."""
    for source in site.rglob("*.py"):
        if _pyc(source).exists() or not source.is_file():
            continue
        st = source.stat()
        if st.st_nlink < 2:
            yield source, None
        else:
            yield source, store / f"{st.st_dev:x}-{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}"


def _link(key: Path | None, source: Path) -> bool:
    if key is None:
        return False
    pyc = _pyc(source)
    try:
        pyc.parent.mkdir(exist_ok=True)
        os.link(key.with_suffix(".pyc"), pyc)
    except OSError:  # not stored yet, or the store is on another file system
        return False
    return True


def _pyc(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def _compile(source: str) -> bool:
    return bool(compileall.compile_file(source, quiet=2))
