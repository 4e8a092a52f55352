"""The pure logic behind fast runs: the quick profile's choice, overlapping time counted once,
transcript keys, and which scripts the fork server hands to a fresh interpreter."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from harness.env.environment import PluginEnv
from harness.env.processes import NATIVE, ForkServer
from harness.model.config import SchemeTemplates, Settings
from harness.model.errors import UsageError
from harness.model.results import Timings
from harness.planning.profiles import FULL_EXAMPLES, check_profile, knobs, quick
from harness.planning.scenario import select
from harness.run.transcripts import Transcripts, identity


def _entry_point(group: str, name: str) -> dict[str, object]:
    return {"group": group, "name": name, "value": "p:Store", "loaded": True, "error": None}


def test_quick_takes_the_local_scenarios_and_one_service_scenario_cut_to_its_quickstart() -> None:
    tracking = [_entry_point("mlflow.tracking_store", "acme")]
    settings = Settings(schemes={"acme": SchemeTemplates(tracking="acme:{postgres.uri}")})
    chosen = quick(select(None), tracking, settings)
    names = [s.name for s in chosen]
    assert names[:4] == ["entry-points", "quickstart", "logging", "conformance"]
    assert names[4:] == ["postgres-tracking"]
    service = chosen[4]
    assert [w.kind for w in service.workloads] == ["quickstart"]
    assert "domain" not in service.checks and "runs" in service.checks
    assert not any(c.startswith("tracking.") for c in service.checks)  # the contract's


def test_quick_skips_service_scenarios_the_plugin_has_no_store_for() -> None:
    artifacts = [_entry_point("mlflow.artifact_repository", "acme")]
    settings = Settings(schemes={"acme": SchemeTemplates(artifacts="acme://{minio.bucket}/a")})
    names = [s.name for s in quick(select(None), artifacts, settings)]
    assert "postgres-tracking" not in names and names[-1] == "minio-artifacts"


def test_an_unknown_profile_is_a_usage_error() -> None:
    check_profile("quick")
    check_profile("full")
    with pytest.raises(UsageError, match="unknown profile 'slow' \\(known: quick, full\\)"):
        check_profile("slow")


def test_the_default_set_leaves_the_load_benchmark_to_full() -> None:
    default = [s.name for s in select(None)]
    everything = [s.name for s in select(None, everything=True)]
    assert "load" not in default and "domain" in default
    assert [n for n in everything if n != "load"] == default and "load" in everything
    assert [s.name for s in select(["load"])] == ["load"]  # named, it runs


def test_full_searches_the_domain_longer_unless_told() -> None:
    assert knobs("full", {})["examples"] == FULL_EXAMPLES > 30
    assert knobs("full", {"examples": 5, "seed": 1}) == {"examples": 5, "seed": 1}
    assert knobs(None, {"seed": 1}) == knobs("quick", {"seed": 1}) == {"seed": 1}


def test_overlapping_blocks_count_once() -> None:
    timings = Timings()

    def work() -> None:
        with timings.measure("workloads_s"):
            time.sleep(0.2)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0.19 < timings.workloads_s < 0.35


def _env(tmp_path: Path, lock: str, plugin: str = "my-plugin") -> PluginEnv:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "harness-lock.txt").write_text(lock)
    return PluginEnv(tmp_path, plugin, "3.17.2", True, 0.0)


def test_a_transcript_key_ignores_the_plugin_but_not_what_mlflow_runs_with(tmp_path: Path) -> None:
    lock = "mlflow==3.17.2\nsqlalchemy==2.0.1\nmy-plugin @ file:///src/p\n"
    base = identity(_env(tmp_path / "a", lock))
    assert identity(_env(tmp_path / "b", lock.replace("file:///src/p", "file:///src/q"))) == base
    assert identity(_env(tmp_path / "c", lock.replace("2.0.1", "2.0.2"))) != base
    cache = Transcripts(base, root=tmp_path / "cache")
    parts = {"kind": "conformance", "images": ["postgres:1"]}
    assert cache.key(parts) != cache.key({**parts, "images": ["postgres:2"]})
    assert cache.get(cache.key(parts)) is None
    cache.put(cache.key(parts), {"features": {"a": 1}})
    assert cache.get(cache.key(parts)) == {"features": {"a": 1}}
    fresh = Transcripts(base, reuse=False, root=tmp_path / "cache")
    assert fresh.get(fresh.key(parts)) is None  # written, never read


def test_mlflows_migrated_sqlite_schema_is_shared_by_environments_of_one_identity(
    tmp_path: Path,
) -> None:
    """A new or edited plugin migrates nothing its identity migrated before; fresh runs
    migrate in their own environment, as with no cache at all."""
    lock = "mlflow==3.17.2\nsqlalchemy==2.0.1\nmy-plugin @ file:///src/p\n"
    one, edited = _env(tmp_path / "a", lock), _env(tmp_path / "b", lock.replace("/p", "/q"))
    other = _env(tmp_path / "c", lock.replace("2.0.1", "2.0.2"))
    shared = Transcripts(identity(one), root=tmp_path / "cache").templates(one)
    assert shared == Transcripts(identity(edited), root=tmp_path / "cache").templates(edited)
    assert shared.parent == tmp_path / "templates"
    assert shared != Transcripts(identity(other), root=tmp_path / "cache").templates(other)
    assert Transcripts(identity(one), reuse=False).templates(one) == one.path


def test_a_script_runs_fresh_when_a_variable_read_at_preload_differs() -> None:
    base = {"PATH": "/bin", **NATIVE, "PANDAS_COPY_ON_WRITE": "0"}
    server = ForkServer(Path("/nonexistent/python"), base, "p")
    server.environ = frozenset({"PANDAS_COPY_ON_WRITE", *NATIVE})
    assert server.differs({**base, "AWS_ACCESS_KEY_ID": "x", "MLFLOW_X": "y"}) is None
    assert server.differs({**base, "PANDAS_COPY_ON_WRITE": "1"}) == "PANDAS_COPY_ON_WRITE"
    assert server.differs({k: v for k, v in base.items() if k != "OPENBLAS_NUM_THREADS"}) == (
        "OPENBLAS_NUM_THREADS"
    )
