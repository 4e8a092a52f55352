"""The fast tier leaves the user's cache alone: each test gets an empty one of its own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``MLFLOW_PLUGIN_HARNESS_CACHE``, empty: environments, transcripts, SQLite templates."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("MLFLOW_PLUGIN_HARNESS_CACHE", str(cache))
    return cache
