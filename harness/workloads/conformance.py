"""The contract workload: every feature of a store group, exercised step by step.

It runs twice with the same request shape: once on the plugin's stores, once on MLflow's own
stores for the same backend. Each step's observable outcome is normalised (ids become names
in order of appearance, times become facts) so the two transcripts can be compared exactly.
"""

import hashlib
import inspect
import math
import os
import random
import tempfile
import uuid
from collections.abc import Callable
from typing import Any

import surface
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from session import configure

try:  # MLflow 3
    from mlflow.entities import LoggedModelOutput
except ImportError:  # MLflow 2.x has no logged models
    LoggedModelOutput = None


class Transcript:
    """Steps of one feature: (label, normalised outcome); ids named by first appearance."""

    def __init__(self) -> None:
        self.steps: list[list[Any]] = []
        self.names: dict[tuple[str, str], str] = {}

    def name(self, kind: str, value: Any) -> str | None:
        if value is None:
            return None
        key = (kind, str(value))
        if key not in self.names:
            self.names[key] = f"{kind}#{sum(1 for k in self.names if k[0] == kind) + 1}"
        return self.names[key]

    def step(self, label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Record fn's outcome; an exception is recorded as its error code (or type)."""
        try:
            outcome = fn(*args, **kwargs)
        except MlflowException as exc:
            outcome = {"error": exc.error_code}
        except NotImplementedError:
            outcome = {"error": "NotImplementedError"}
        except Exception as exc:  # noqa: BLE001 - a plugin's crash is an observable outcome
            outcome = {"error": type(exc).__name__}
        self.steps.append([label, _jsonable(outcome)])
        return outcome


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return f"<{type(value).__name__}>"


def _float(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return repr(value)
    return value


# ---------------------------------------------------------------- tracking store features


def experiments(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    prefix = ctx["prefix"]
    a = client.create_experiment(f"{prefix}-a", artifact_location=ctx["artifacts"] + "/a")
    b = client.create_experiment(
        f"{prefix}-b", artifact_location=ctx["artifacts"] + "/b", tags={"team": "x"}
    )
    t.name("exp", a), t.name("exp", b)
    for i in range(3):
        client.create_experiment(
            f"{prefix}-page-{i}", artifact_location=ctx["artifacts"] + f"/p{i}"
        )
    t.step("get by id", lambda: _exp(t, client.get_experiment(b)))
    t.step("get by name", lambda: _exp(t, client.get_experiment_by_name(f"{prefix}-b")))
    t.step("get unknown name", lambda: client.get_experiment_by_name(f"{prefix}-nope"))
    t.step("create duplicate name", lambda: client.create_experiment(f"{prefix}-a"))
    t.step("rename", lambda: client.rename_experiment(b, f"{prefix}-b2"))
    t.step("old name after rename", lambda: client.get_experiment_by_name(f"{prefix}-b"))
    t.step("new name after rename", lambda: _exp(t, client.get_experiment_by_name(f"{prefix}-b2")))
    t.step("delete", lambda: client.delete_experiment(a))
    t.step("deleted is kept", lambda: _exp(t, client.get_experiment(a)))
    search = lambda view, **kw: sorted(
        e.name[len(prefix) :]
        for e in client.search_experiments(
            view_type=view, filter_string=f"name LIKE '{prefix}-%'", **kw
        )
    )
    t.step("search active", search, ViewType.ACTIVE_ONLY)
    t.step("search deleted", search, ViewType.DELETED_ONLY)
    t.step(
        "search by tag",
        lambda: [
            e.name[len(prefix) :]
            for e in client.search_experiments(
                filter_string=f"name LIKE '{prefix}-%' AND tags.team = 'x'"
            )
        ],
    )
    t.step("restore", lambda: client.restore_experiment(a))
    t.step("restored", lambda: _exp(t, client.get_experiment(a))["lifecycle_stage"])
    t.step(
        "pages of 2",
        lambda: _pages(
            lambda token: client.search_experiments(
                max_results=2,
                filter_string=f"name LIKE '{prefix}-%'",
                order_by=["name ASC"],
                page_token=token,
            ),
            lambda e: e.name[len(prefix) :],
        ),
    )
    t.step("get unknown id", lambda: client.get_experiment("987654321"))
    t.step("set tag", lambda: client.set_experiment_tag(b, "stage", "dev"))
    t.step("delete tag", lambda: client.delete_experiment_tag(b, "team"))
    t.step("tags now", lambda: _exp(t, client.get_experiment(b))["tags"])


def _exp(t: Transcript, e: Any) -> Any:
    if e is None:
        return None
    return {
        "id": t.name("exp", e.experiment_id),
        "name_suffix": e.name.rsplit("-", 1)[-1],
        "lifecycle_stage": e.lifecycle_stage,
        "tags": {k: v for k, v in e.tags.items() if not k.startswith("mlflow.")},
    }


def _pages(fetch: Callable[[Any], Any], key: Callable[[Any], Any], limit: int = 50) -> list[Any]:
    pages: list[Any] = []
    token = None
    for _ in range(limit):
        page = fetch(token)
        pages.append([key(item) for item in page])
        token = page.token
        if not token:
            break
    return pages


def _experiment(client: Any, ctx: dict[str, Any], label: str) -> Any:
    return client.create_experiment(
        f"{ctx['prefix']}-{label}", artifact_location=f"{ctx['artifacts']}/{label}"
    )


def _run_view(t: Transcript, run: Any) -> dict[str, Any]:
    info = run.info
    return {
        "id": t.name("run", info.run_id),
        "name": info.run_name,
        "status": info.status,
        "lifecycle_stage": info.lifecycle_stage,
        "ended_after_start": None if info.end_time is None else info.end_time >= info.start_time,
        "params": dict(run.data.params),
        "metrics": {k: _float(v) for k, v in run.data.metrics.items()},
        "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
    }


def runs(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    exp = _experiment(client, ctx, "runs")
    run = client.create_run(exp, run_name="first", tags={"k": "v"})
    rid = run.info.run_id
    t.step("created", lambda: _run_view(t, client.get_run(rid)))
    t.step("finish", lambda: client.set_terminated(rid, "FINISHED"))
    t.step("finished", lambda: _run_view(t, client.get_run(rid)))
    t.step("rename", lambda: client.update_run(rid, name="renamed"))
    t.step("renamed", lambda: client.get_run(rid).info.run_name)
    t.step("status FAILED", lambda: client.update_run(rid, status="FAILED"))
    t.step("failed", lambda: client.get_run(rid).info.status)
    t.step("delete", lambda: client.delete_run(rid))
    t.step("deleted", lambda: client.get_run(rid).info.lifecycle_stage)
    t.step("restore", lambda: client.restore_run(rid))
    t.step("restored", lambda: client.get_run(rid).info.lifecycle_stage)
    t.step("get unknown run", lambda: client.get_run(uuid.uuid4().hex))


def params(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    rid = client.create_run(_experiment(client, ctx, "params")).info.run_id
    t.step("log", lambda: client.log_param(rid, "p", "1"))
    t.step("same value again", lambda: client.log_param(rid, "p", "1"))
    t.step("changed value", lambda: client.log_param(rid, "p", "2"))
    t.step("value of 6000 chars", lambda: client.log_param(rid, "long", "x" * 6000))
    t.step("unicode", lambda: client.log_param(rid, "ключ é", "значение ✓"))
    t.step(
        "read",
        lambda: {
            k: (v if len(v) < 50 else f"{len(v)} chars")
            for k, v in client.get_run(rid).data.params.items()
        },
    )


def metrics(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    rid = client.create_run(_experiment(client, ctx, "metrics")).info.run_id
    rng = random.Random(7)
    points = [(step, 1_700_000_000_000 + step, rng.uniform(-1e6, 1e6)) for step in range(20)]
    for step, ts, value in points:
        client.log_metric(rid, "m", value, timestamp=ts, step=step)
    client.log_metric(rid, "m", -1.0, timestamp=1_700_000_000_000, step=3)  # same step twice
    for value in (float("nan"), float("inf"), float("-inf")):
        t.step(
            f"log {value!r}",
            lambda v=value: client.log_metric(
                rid, "special", v, step=0, timestamp=1_700_000_000_000
            ),
        )
    batch = [Metric("many", float(i), 1_700_000_000_000 + i, i) for i in range(1000)]
    t.step("1000 points in one batch", lambda: client.log_batch(rid, metrics=batch))
    history = lambda key: sorted(
        ([m.step, m.timestamp, _float(m.value)] for m in client.get_metric_history(rid, key)),
        key=repr,
    )
    t.step("history", history, "m")
    t.step("special values", history, "special")
    t.step("1000-point history", lambda: len(client.get_metric_history(rid, "many")))
    t.step(
        "latest values", lambda: {k: _float(v) for k, v in client.get_run(rid).data.metrics.items()}
    )


def tags(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    rid = client.create_run(_experiment(client, ctx, "tags")).info.run_id
    read: Callable[[], dict[str, str]] = lambda: {
        k: v for k, v in client.get_run(rid).data.tags.items() if not k.startswith("mlflow.")
    }
    t.step("set", lambda: client.set_tag(rid, "t", "1"))
    t.step("overwrite", lambda: client.set_tag(rid, "t", "2"))
    t.step("second", lambda: client.set_tag(rid, "u", "x" * 8000))
    t.step(
        "read", lambda: {k: (v if len(v) < 50 else f"{len(v)} chars") for k, v in read().items()}
    )
    t.step("delete", lambda: client.delete_tag(rid, "t"))
    t.step("after delete", lambda: sorted(read()))
    t.step("delete missing", lambda: client.delete_tag(rid, "never-set"))
    t.step("after delete missing", lambda: sorted(read()))


def log_batch(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    rid = client.create_run(_experiment(client, ctx, "batch")).info.run_id
    params_ = [Param(f"p{i}", str(i)) for i in range(100)]
    tags_ = [RunTag(f"t{i}", str(i)) for i in range(100)]
    metrics_ = [Metric(f"m{i % 10}", float(i), 1_700_000_000_000, i // 10) for i in range(800)]
    t.step(
        "limits: 100 params, 100 tags, 800 metrics",
        lambda: client.log_batch(rid, metrics=metrics_, params=params_, tags=tags_),
    )
    run = client.get_run(rid)
    t.step(
        "counts",
        lambda: [
            len(run.data.params),
            len([k for k in run.data.tags if not k.startswith("mlflow.")]),
            sum(len(client.get_metric_history(rid, f"m{i}")) for i in range(10)),
        ],
    )
    t.step(
        "101 params",
        lambda: client.log_batch(rid, params=[Param(f"q{i}", "v") for i in range(101)]),
    )
    t.step(
        "1001 metrics",
        lambda: client.log_batch(
            rid, metrics=[Metric("over", 1.0, 1_700_000_000_000, i) for i in range(1001)]
        ),
    )
    t.step("changed param in batch", lambda: client.log_batch(rid, params=[Param("p1", "other")]))
    if "synchronous" in inspect.signature(client.log_batch).parameters:  # MLflow >= 2.8
        t.step(
            "asynchronous batch",
            lambda: (
                client.log_batch(
                    rid,
                    metrics=[Metric("async", float(i), 1_700_000_000_000, i) for i in range(20)],
                    params=[Param("async", "yes")],
                    synchronous=False,
                ).wait()
                and None
            ),
        )
        t.step(
            "after asynchronous batch",
            lambda: [
                len(client.get_metric_history(rid, "async")),
                client.get_run(rid).data.params.get("async"),
            ],
        )


def search_runs(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    exp = _experiment(client, ctx, "search")
    for i in range(6):
        rid = client.create_run(exp, run_name=f"r{i}").info.run_id
        t.name("run", rid)
        client.log_batch(
            rid,
            metrics=[Metric("m", float(i), 1_700_000_000_000, 0)],
            params=[Param("p", "a" if i % 2 else "b")],
            tags=[RunTag("t", f"x{i}" if i < 4 else f"y{i}")],
        )
        if i < 3:
            client.set_terminated(rid, "FINISHED")
    names: Callable[[Any], list[str]] = lambda runs_: [r.info.run_name for r in runs_]
    search = lambda flt, order=("attributes.run_name ASC",), **kw: names(
        client.search_runs([exp], flt, order_by=list(order), **kw)
    )
    t.step("all, by name", search, "")
    t.step("metrics.m > 2", search, "metrics.m > 2")
    t.step("params.p = 'a'", search, "params.p = 'a'")
    t.step("tags.t LIKE 'x%'", search, "tags.t LIKE 'x%'")
    t.step("status FINISHED", search, "attributes.status = 'FINISHED'")
    t.step("combined", search, "metrics.m >= 1 AND params.p = 'b'")
    t.step("order by metric desc", search, "", ("metrics.m DESC",))
    t.step("max_results 2", search, "", max_results=2)
    t.step(
        "pages of 4",
        lambda: _pages(
            lambda token: client.search_runs(
                [exp], "", order_by=["attributes.run_name ASC"], max_results=4, page_token=token
            ),
            lambda r: r.info.run_name,
        ),
    )
    t.step("bad filter", search, "metrics.m >>> 1")
    t.step(
        "deleted view",
        lambda: (
            client.delete_run(
                client.search_runs([exp], "attributes.run_name = 'r5'")[0].info.run_id
            ),
            names(client.search_runs([exp], "", run_view_type=ViewType.DELETED_ONLY)),
        )[1],
    )


def inputs(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    from mlflow.entities import Dataset, DatasetInput, InputTag

    rid = client.create_run(_experiment(client, ctx, "inputs")).info.run_id
    dataset = Dataset(name="train", digest="abc123", source_type="local", source='{"uri": "x"}')
    t.step(
        "log_inputs",
        lambda: client.log_inputs(
            rid, [DatasetInput(dataset, tags=[InputTag("mlflow.data.context", "training")])]
        ),
    )
    t.step(
        "read",
        lambda: sorted(
            (
                d.dataset.name,
                d.dataset.digest,
                d.dataset.source_type,
                tuple((tag.key, tag.value) for tag in d.tags),
            )
            for d in client.get_run(rid).inputs.dataset_inputs
        ),
    )


def logged_models(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    if not hasattr(client, "create_logged_model"):
        t.step("logged models", lambda: "not in this MLflow version")
        return
    exp = _experiment(client, ctx, "models")
    model = t.step(
        "create",
        lambda: client.create_logged_model(exp, name="m1", params={"a": "1"}, tags={"k": "v"}),
    )
    if isinstance(model, dict):
        return
    mid = model.model_id
    view: Callable[[Any], dict[str, Any]] = lambda m: {
        "name": m.name,
        "status": str(m.status),
        "params": dict(m.params),
        "tags": {k: v for k, v in m.tags.items() if not k.startswith("mlflow.")},
    }
    t.step("get", lambda: view(client.get_logged_model(mid)))
    t.step("finalize", lambda: str(client.finalize_logged_model(mid, "READY").status))
    t.step("set tags", lambda: client.set_logged_model_tags(mid, {"k": "v2", "extra": "1"}))
    t.step("delete tag", lambda: client.delete_logged_model_tag(mid, "extra"))
    t.step("tags now", lambda: view(client.get_logged_model(mid))["tags"])
    rid = client.create_run(exp).info.run_id
    t.step("log as run output", lambda: client.log_outputs(rid, [LoggedModelOutput(mid, 0)]))
    t.step(
        "run outputs",
        lambda: [
            (t.name("model", o.model_id), o.step) for o in client.get_run(rid).outputs.model_outputs
        ],
    )
    t.step("search", lambda: [m.name for m in client.search_logged_models([exp])])
    t.step("delete", lambda: client.delete_logged_model(mid))
    t.step("search after delete", lambda: [m.name for m in client.search_logged_models([exp])])


TRACKING = {
    "tracking.experiments": experiments,
    "tracking.runs": runs,
    "tracking.params": params,
    "tracking.metrics": metrics,
    "tracking.tags": tags,
    "tracking.log-batch": log_batch,
    "tracking.search-runs": search_runs,
    "tracking.inputs": inputs,
    "tracking.logged-models": logged_models,
}

# ---------------------------------------------------------------- artifact repository features

FILES = {
    "text.txt": b"hello world!\n",
    "empty.bin": b"",
    "with space.txt": b"spaces",
    "données é.txt": "unicode ✓".encode(),
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _listing(repo: Any, path: str | None = None) -> list[Any]:
    out: list[Any] = []
    for info in repo.list_artifacts(path):
        out.append([info.path, info.is_dir, None if info.is_dir else info.file_size])
        if info.is_dir:
            out.extend(_listing(repo, info.path))
    return sorted(out)


def _downloaded(repo: Any, path: str) -> dict[str, str] | str:
    with tempfile.TemporaryDirectory() as dst:
        local = repo.download_artifacts(path, dst)
        if os.path.isdir(local):
            found: dict[str, str] = {}
            for root, _dirs, files in os.walk(local):
                for name in files:
                    with open(os.path.join(root, name), "rb") as f:
                        found[os.path.relpath(os.path.join(root, name), local)] = _sha(f.read())
            return dict(sorted(found.items()))
        with open(local, "rb") as f:
            return _sha(f.read())


def artifact_files(t: Transcript, repo: Any, workdir: str) -> None:
    src = os.path.join(workdir, "files")
    os.makedirs(src, exist_ok=True)
    big = random.Random(1).randbytes(3 * 1024 * 1024 + 17)
    for name, data in {**FILES, "big.bin": big}.items():
        with open(os.path.join(src, name), "wb") as f:
            f.write(data)
        t.step(f"log {name}", lambda n=name: repo.log_artifact(os.path.join(src, n), "files"))
    t.step("listing", _listing, repo)
    for name in [*FILES, "big.bin"]:
        t.step(f"download {name}", _downloaded, repo, f"files/{name}")


def artifact_trees(t: Transcript, repo: Any, workdir: str) -> None:
    tree = os.path.join(workdir, "tree")
    for rel, data in {
        "a.txt": b"a",
        "sub/b.txt": b"b",
        "sub/deeper/c.bin": bytes(range(256)),
        "sub/deeper/empty": b"",
    }.items():
        os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
        with open(os.path.join(tree, rel), "wb") as f:
            f.write(data)
    t.step("log tree", lambda: repo.log_artifacts(tree, "tree"))
    t.step("log tree at root", lambda: repo.log_artifacts(os.path.join(tree, "sub")))
    t.step("listing", _listing, repo)
    t.step(
        "list a subdirectory",
        lambda: sorted([i.path, i.is_dir] for i in repo.list_artifacts("tree/sub")),
    )
    t.step("list a missing path", lambda: [i.path for i in repo.list_artifacts("nope")])
    t.step("download a directory", _downloaded, repo, "tree")
    t.step("download a nested file", _downloaded, repo, "tree/sub/deeper/c.bin")


def artifact_delete(t: Transcript, repo: Any, workdir: str) -> None:
    path = os.path.join(workdir, "gone.txt")
    with open(path, "w") as f:
        f.write("bye")
    repo.log_artifact(path, "del")
    repo.log_artifact(path, "keep")
    t.step("delete a directory", lambda: repo.delete_artifacts("del"))
    t.step("listing", _listing, repo)


ARTIFACTS = {
    "artifacts.files": artifact_files,
    "artifacts.trees": artifact_trees,
    "artifacts.delete": artifact_delete,
}

# ---------------------------------------------------------------- model registry features


def registered_models(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    prefix = ctx["prefix"]
    view: Callable[[Any], dict[str, Any]] = lambda m: {
        "name": m.name[len(prefix) :],
        "description": m.description,
        "tags": dict(m.tags),
    }
    t.step(
        "create",
        lambda: view(
            client.create_registered_model(f"{prefix}-a", tags={"k": "v"}, description="first")
        ),
    )
    t.step("create duplicate", lambda: client.create_registered_model(f"{prefix}-a"))
    for i in range(3):
        client.create_registered_model(f"{prefix}-page-{i}")
    t.step("get", lambda: view(client.get_registered_model(f"{prefix}-a")))
    t.step(
        "update description", lambda: view(client.update_registered_model(f"{prefix}-a", "second"))
    )
    t.step("rename", lambda: client.rename_registered_model(f"{prefix}-a", f"{prefix}-b") and None)
    t.step("new name", lambda: view(client.get_registered_model(f"{prefix}-b")))
    t.step("old name", lambda: client.get_registered_model(f"{prefix}-a"))
    t.step(
        "search",
        lambda: sorted(
            m.name[len(prefix) :]
            for m in client.search_registered_models(f"name LIKE '{prefix}-%'")
        ),
    )
    t.step(
        "pages of 2",
        lambda: _pages(
            lambda token: client.search_registered_models(
                f"name LIKE '{prefix}-%'", max_results=2, order_by=["name ASC"], page_token=token
            ),
            lambda m: m.name[len(prefix) :],
        ),
    )
    t.step("delete", lambda: client.delete_registered_model(f"{prefix}-b"))
    t.step("get deleted", lambda: client.get_registered_model(f"{prefix}-b"))


def _version_fixture(client: Any, ctx: dict[str, Any], label: str) -> tuple[str, str]:
    name = f"{ctx['prefix']}-{label}"
    client.create_registered_model(name)
    return name, f"{ctx['artifacts']}/models/{label}"


def model_versions(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    name, source = _version_fixture(client, ctx, "mv")
    view: Callable[[Any], dict[str, Any]] = lambda v: {
        "version": str(v.version),
        "description": v.description,
        "source_suffix": (v.source or "").rsplit("/", 1)[-1],
        "status": v.status,
    }
    t.step("create v1", lambda: view(client.create_model_version(name, source + "/v1")))
    t.step(
        "create v2",
        lambda: view(client.create_model_version(name, source + "/v2", description="two")),
    )
    t.step("get v2", lambda: view(client.get_model_version(name, "2")))
    t.step("update", lambda: view(client.update_model_version(name, "1", description="one")))
    t.step(
        "search by name",
        lambda: sorted(str(v.version) for v in client.search_model_versions(f"name = '{name}'")),
    )
    t.step(
        "latest",
        lambda: (
            str(client.get_registered_model(name).latest_versions[-1].version)
            if client.get_registered_model(name).latest_versions
            else None
        ),
    )
    t.step(
        "get_latest_versions",
        lambda: sorted(str(v.version) for v in client.get_latest_versions(name)),
    )
    t.step(
        "download uri", lambda: client.get_model_version_download_uri(name, "2").rsplit("/", 1)[-1]
    )
    t.step(
        "copy to another model",
        lambda: view(client.copy_model_version(f"models:/{name}/2", f"{name}-copy")),
    )
    t.step("delete v1", lambda: client.delete_model_version(name, "1"))
    t.step(
        "after delete",
        lambda: sorted(str(v.version) for v in client.search_model_versions(f"name = '{name}'")),
    )
    t.step("get deleted", lambda: client.get_model_version(name, "1"))


def aliases(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    name, source = _version_fixture(client, ctx, "alias")
    client.create_model_version(name, source + "/v1")
    client.create_model_version(name, source + "/v2")
    t.step("set", lambda: client.set_registered_model_alias(name, "champion", "1"))
    t.step("get", lambda: str(client.get_model_version_by_alias(name, "champion").version))
    t.step("move", lambda: client.set_registered_model_alias(name, "champion", "2"))
    t.step("after move", lambda: str(client.get_model_version_by_alias(name, "champion").version))
    t.step("on the model", lambda: dict(client.get_registered_model(name).aliases))
    t.step("delete", lambda: client.delete_registered_model_alias(name, "champion"))
    t.step("after delete", lambda: client.get_model_version_by_alias(name, "champion"))


def registry_tags(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    name, source = _version_fixture(client, ctx, "tags")
    client.create_model_version(name, source + "/v1")
    t.step("model tag", lambda: client.set_registered_model_tag(name, "k", "v"))
    t.step("version tag", lambda: client.set_model_version_tag(name, "1", "vk", "vv"))
    t.step(
        "read",
        lambda: [
            dict(client.get_registered_model(name).tags),
            dict(client.get_model_version(name, "1").tags),
        ],
    )
    t.step("delete model tag", lambda: client.delete_registered_model_tag(name, "k"))
    t.step("delete version tag", lambda: client.delete_model_version_tag(name, "1", "vk"))
    t.step(
        "after delete",
        lambda: [
            dict(client.get_registered_model(name).tags),
            dict(client.get_model_version(name, "1").tags),
        ],
    )


def stages(t: Transcript, client: Any, ctx: dict[str, Any]) -> None:
    name, source = _version_fixture(client, ctx, "stages")
    client.create_model_version(name, source + "/v1")
    client.create_model_version(name, source + "/v2")
    if not hasattr(client, "transition_model_version_stage"):
        t.step("stages", lambda: "not in this MLflow version")
        return
    t.step(
        "to Staging",
        lambda: client.transition_model_version_stage(name, "1", "Staging").current_stage,
    )
    t.step(
        "to Production",
        lambda: client.transition_model_version_stage(name, "2", "Production").current_stage,
    )
    t.step(
        "v2 to Staging, archiving others",
        lambda: (
            client.transition_model_version_stage(
                name, "2", "Staging", archive_existing_versions=True
            ).current_stage
        ),
    )
    t.step(
        "stages now",
        lambda: {
            str(v.version): v.current_stage
            for v in client.search_model_versions(f"name = '{name}'")
        },
    )
    t.step("unknown stage", lambda: client.transition_model_version_stage(name, "1", "Nowhere"))


REGISTRY = {
    "registry.models": registered_models,
    "registry.versions": model_versions,
    "registry.aliases": aliases,
    "registry.tags": registry_tags,
    "registry.stages": stages,
}


def run(request: dict[str, Any]) -> dict[str, Any]:
    import warnings

    warnings.simplefilter("ignore")  # deprecation noise (stages) is not an outcome
    configure(request)
    client = MlflowClient(request["tracking_uri"], request["registry_uri"])
    ctx = {
        "prefix": f"{request['prefix']}-{uuid.uuid4().hex[:6]}",
        "artifacts": request["artifact_root"].rstrip("/"),
    }
    surfaces, called = _surfaces(client, ctx["artifacts"])
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for feature in request["features"]:
        if feature.endswith(".methods"):  # judged from the surfaces
            continue
        t = Transcript()
        try:
            if feature in TRACKING:
                TRACKING[feature](t, client, ctx)
            elif feature in REGISTRY:
                REGISTRY[feature](t, client, ctx)
            else:
                from mlflow.store.artifact.artifact_repository_registry import (
                    get_artifact_repository,
                )

                uri = f"{ctx['artifacts']}/{feature.split('.')[1]}-{uuid.uuid4().hex[:6]}"
                repo = get_artifact_repository(uri)
                with tempfile.TemporaryDirectory() as workdir:
                    ARTIFACTS[feature](t, repo, workdir)
        except Exception as exc:  # noqa: BLE001 - set-up outside a step failed: an outcome too
            t.steps.append(["set-up", {"error": type(exc).__name__}])
            errors[feature] = f"{type(exc).__name__}: {str(exc).strip()[:300]}"
        out[feature] = t.steps
    for role, calls in called.items():
        surfaces[role]["called"] = sorted(calls)
    return {"features": out, "errors": errors, "surfaces": surfaces}


def _surfaces(
    client: Any, artifact_root: str
) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]]:
    """Each store's declared surface, and its class instrumented to count calls."""
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    stores: dict[str, Callable[[], Any]] = {
        "tracking": lambda: client._tracking_client.store,
        "registry": lambda: client._get_registry_client().store,
        "artifacts": lambda: get_artifact_repository(artifact_root),
    }
    surfaces: dict[str, dict[str, Any]] = {}
    called: dict[str, set[str]] = {}
    for role, make in stores.items():
        try:
            cls = type(make())
        except Exception as exc:  # noqa: BLE001 - the feature steps report the store's failure
            surfaces[role] = {"error": f"{type(exc).__name__}: {str(exc).strip()[:300]}"}
            continue
        surfaces[role] = surface.surface(cls, role)
        called[role] = set()
        surface.instrument(cls, role, called[role])
    return surfaces, called
