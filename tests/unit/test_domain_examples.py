"""The domain workload's failing examples: kept between runs in the cache, copied into the
side's workdir (where a sandboxed run can read and add to them) and back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.kinds import domain


def test_examples_round_trip_through_the_workdir_without_links(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    (kept / "key").mkdir(parents=True)
    (kept / "key" / "example").write_bytes(b"\x01\x02")
    secret = tmp_path / "secret"
    secret.write_text("host file")
    (kept / "key" / "link").symlink_to(secret)
    (kept / "dir-link").symlink_to(tmp_path)
    workdir = tmp_path / "workdir" / "hypothesis"
    domain._copy_examples(kept, workdir, owner=tmp_path)
    assert sorted(p.relative_to(workdir).as_posix() for p in workdir.rglob("*")) == [
        "key",
        "key/example",
    ]
    (workdir / "key" / "found").write_bytes(b"\x03")  # the run adds one
    os.symlink(secret, workdir / "planted")  # and a plugin plants a link
    domain._keep_examples(workdir, kept)
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*")) == [
        "key",
        "key/example",
        "key/found",
    ]
    assert not list(tmp_path.glob("kept.*"))  # no partial copy left


def test_what_is_kept_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(domain, "KEPT_FILES", 3)
    monkeypatch.setattr(domain, "KEPT_BYTES", 10)
    source = tmp_path / "source"
    source.mkdir()
    for i in range(5):
        (source / f"e{i}").write_bytes(b"x")
    (source / "big").write_bytes(b"x" * 11)
    domain._copy_examples(source, tmp_path / "target")
    copied = list((tmp_path / "target").iterdir())
    assert len(copied) == 3 and all(p.stat().st_size == 1 for p in copied)
