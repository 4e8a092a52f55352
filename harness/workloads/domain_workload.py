"""The domain workload: sequences of operations over every key, value and name MLflow accepts
(``domain_values``), run step by step on the plugin's stores and on MLflow's own beside them.

Hypothesis drives a stateful machine: each rule does one operation on every side, then reads
what it touched back through MLflow. The plugin's answer must equal that of one of MLflow's own
stores; where those disagree among themselves it is noted, never held against the plugin. A
difference is shrunk to a minimal sequence and answered as a standalone Python snippet that
replays it on fresh stores of both kinds. Failing examples are kept in the example database the
harness names, so the next run replays them first.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import math
import re
import tempfile
import time
from collections.abc import Callable
from typing import Any

import domain_values as dv
from hypothesis import HealthCheck, Phase, assume, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from mlflow import MlflowClient


# --- what is compared after each step; their source is also the snippet's -------------------
def norm(value: Any) -> Any:
    """Floats exactly (NaN equal to NaN, -0.0 apart from 0.0), mappings in key order."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): norm(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [norm(v) for v in value]
    return value


def outcome(fn: Callable[[], Any]) -> list[Any]:
    """["ok", what fn returned] or ["raised", MLflow's error code, else the exception's type]."""
    try:
        return ["ok", fn()]
    except Exception as exc:  # noqa: BLE001 - an answer to compare
        return ["raised", getattr(exc, "error_code", None) or type(exc).__name__]


def view_experiment(c: Any, experiment_id: str, by_name: bool = False) -> Any:
    e = c.get_experiment(experiment_id)
    tags = {k: v for k, v in e.tags.items() if not k.startswith("mlflow.")}
    seen = {"name": e.name, "stage": e.lifecycle_stage, "tags": tags}
    if by_name:  # found under its (new) name
        named = c.get_experiment_by_name(e.name)
        seen["by_name"] = named is not None and named.experiment_id == e.experiment_id
    return norm(seen)


def view_run(c: Any, run_id: str) -> Any:
    run = c.get_run(run_id)
    data = run.data
    tags = {k: v for k, v in data.tags.items() if k == "mlflow.runName" or k[:7] != "mlflow."}
    return norm(
        {"status": run.info.status, "params": data.params, "tags": tags, "metrics": data.metrics}
    )


def view_history(c: Any, run_id: str, key: str) -> Any:
    points = c.get_metric_history(run_id, key)
    return norm(sorted((m.step, m.timestamp, repr(m.value)) for m in points))


def view_search(c: Any, experiment_ids: list[str], filter_string: str, runs: list[str]) -> Any:
    found = {r.info.run_id for r in c.search_runs(experiment_ids, filter_string, max_results=1000)}
    return [i for i, run_id in enumerate(runs) if run_id in found]


def view_model(c: Any, name: str) -> Any:
    model = c.get_registered_model(name)
    aliases = dict(getattr(model, "aliases", None) or {})
    return norm({"name": model.name, "tags": model.tags, "aliases": aliases})


def view_artifacts(c: Any, run_id: str, path: str) -> Any:
    listed = sorted((f.path, f.is_dir, f.file_size) for f in c.list_artifacts(run_id, path or None))
    digests = {}
    with tempfile.TemporaryDirectory() as into:
        for name, is_dir, _size in listed:
            if not is_dir:
                with open(c.download_artifacts(run_id, name, into), "rb") as f:
                    digests[name] = hashlib.sha256(f.read()).hexdigest()[:16]
    return norm({"listed": listed, "content": digests})


SNIPPET_HELPERS = (
    norm,
    outcome,
    view_experiment,
    view_run,
    view_history,
    view_search,
    view_model,
    view_artifacts,
)


# --- the sides ------------------------------------------------------------------------------
class Side:
    """One set of stores: the plugin's, or one of MLflow's own."""

    def __init__(self, name: str, request: dict[str, Any]) -> None:
        self.name, self.workdir = name, request.get("workdir", "")
        self.tracking, self.registry = request["tracking_uri"], request["registry_uri"]
        self.artifacts = request["artifact_root"].rstrip("/")
        self.client: Any = None
        self.base = ""  # the experiment every example starts in

    def begin(self, name: str) -> None:
        """The client, and the experiment every example starts in."""
        self.client = MlflowClient(self.tracking, self.registry)
        self.base = self.client.create_experiment(name, artifact_location=f"{self.artifacts}/base")


class Difference(AssertionError):
    """The plugin's store answered otherwise than every one of MLflow's own."""

    def __init__(self, operation: str, answers: dict[str, Any], what: str) -> None:
        super().__init__(f"{operation} ({what}): {answers}")
        self.operation, self.answers, self.what = operation, answers, what


class OutOfTime(KeyboardInterrupt):
    """The budget is spent: Hypothesis stops at once, as on Ctrl-C, keeping what it found."""


SIDES: list[Side] = []
ENV: dict[str, str] = {}  # what MLflow's own stores need set (e.g. to allow its file store)
ROLES: set[str] = set()
NOTES: dict[str, dict[str, Any]] = {}  # where MLflow's own stores disagree, by operation
COUNTS: dict[str, int] = {}
DEADLINE = [float("inf")]  # time.monotonic() when the search stops taking new work
SMALLEST: list[Any] = [None, None]  # the shortest example that showed a difference, and it


# --- the machine ----------------------------------------------------------------------------
class DomainMachine(RuleBasedStateMachine):
    """Every rule acts on all sides, then compares what each side shows of what it touched."""

    experiments = Bundle("experiments")
    runs = Bundle("runs")
    models = Bundle("models")

    def __init__(self) -> None:
        super().__init__()
        COUNTS["examples"] = COUNTS.get("examples", 0) + 1
        self.prefix = f"{COUNTS['examples']:07x}-"  # names are unique per store: per example
        self.steps: list[str] = []  # the example so far, as Python over a client `c`
        self.e: list[list[str]] = []  # for each experiment, its id on each side
        self.r: list[list[str]] = []
        self.m: list[list[str]] = []  # registered model names (the same on every side)
        self.versions: dict[int, str] = {}  # model -> its first version
        self.written: list[tuple[int, str, str, str]] = []  # (run, params|tags, key, value)
        self.named: list[tuple[str, int, str]] = []  # (kind, entity, name or key) as used
        # the sides in step with the plugin's, per store: one that parted on runs may still be
        # in step on the registry (a plugin's stores can be of different kinds)
        self.live = {store: list(range(len(SIDES))) for store in ("tracking", "registry")}
        self.final = ""

    def act(
        self,
        operation: str,
        code: str,
        do: Callable[[Side], Any],
        view: str = "",
        look: Callable[[Side, Any], Any] | None = None,
        store: str = "tracking",
    ) -> list[Any] | None:
        """Do it on every side still in step on ``store`` (artifacts follow their runs), then
        look; each side's result (None on the sides out of step) when it succeeded, None when
        it was refused everywhere alike."""
        if time.monotonic() > DEADLINE[0]:
            raise OutOfTime  # no new examples, no more shrinking: the smallest found so far stands
        COUNTS[operation] = COUNTS.get(operation, 0) + 1
        self.steps.append(code)
        live = self.live[store]
        done = {i: outcome(functools.partial(do, SIDES[i])) for i in live}
        status = {i: d if d[0] == "raised" else ["ok"] for i, d in done.items()}
        self._compare(operation, status, "outcome", "", store)
        if status[0][0] == "raised":
            return None
        if look is not None:
            seen = {i: outcome(functools.partial(look, SIDES[i], d[1])) for i, d in done.items()}
            self._compare(operation, seen, "read back", view, store)
        return [done[i][1] if i in live else None for i in range(len(SIDES))]

    def _compare(
        self, operation: str, answers: dict[int, Any], what: str, view: str, store: str
    ) -> None:
        """The plugin's answer against MLflow's own. Own stores that answer otherwise than the
        plugin while another of them agrees with it are noted and, once their state has
        parted from the plugin's (a different outcome), left out for the rest of the example."""
        plugin = answers[0]
        agree = [i for i in answers if i and answers[i] == plugin]
        by_store = {SIDES[i].name: a for i, a in answers.items()}
        if agree and len(agree) < len(answers) - 1:  # MLflow's own stores disagree
            example = "\n".join([*self.steps, f"# then: {view}" if view else ""]).strip()
            NOTES.setdefault(operation, {"what": what, "answers": by_store, "steps": example})
            if what == "outcome":
                self.live[store] = [0, *agree]
        if agree:
            return
        if what == "outcome" and plugin[0] == "ok":  # MLflow's stores refuse what it validated
            example = "\n".join(self.steps)
            NOTES.setdefault(
                operation,
                {"what": "MLflow's own stores refuse it", "answers": by_store, "steps": example},
            )
            assume(False)
        self.final = view
        found = Difference(operation, by_store, what)
        if SMALLEST[0] is None or len(self.steps) <= len(SMALLEST[0].steps):
            SMALLEST[:] = [self, found]
        raise found

    def _kept(self, entities: list[Any], made: list[Any] | None) -> Any:
        if made is None:
            return multiple()
        entities.append(made)
        return len(entities) - 1

    def _spelled(self, data: st.DataObject, kind: str, entity: int, fresh: Any) -> str:
        """A name or key from ``fresh`` or, one time in three, one spelled so that a backend's
        collation or a store's normalisation may take it for one already used (of this kind,
        on this entity): another case, a trailing space, the other Unicode normal form,
        full-width forms. Two must stay two where MLflow's own store keeps them apart."""
        used = [name for k, e, name in self.named if (k, e) == (kind, entity)]
        if used and data.draw(st.integers(0, 2), label="twin?") == 0:
            twins = [t for name in used for t in dv.twins(name) if dv.TWIN_CHECKS[kind](t)]
            if twins:
                return str(data.draw(st.sampled_from(twins), label=f"{kind} twin"))
        return str(data.draw(fresh, label=kind))

    # experiments -----------------------------------------------------------------------------
    @initialize(target=runs)
    def start(self) -> Any:
        """Every example starts with a run in the experiment made for the whole search (one
        per example would make a file store slower at every example); the rules make others."""
        self.e.append([s.base for s in SIDES])
        self.steps.append("e.append(BASE)")
        return self.create_run(0, "start")

    @rule(target=experiments, data=st.data())
    def create_experiment(self, data: st.DataObject) -> Any:
        drawn = self._spelled(data, "experiment", -1, dv.experiment_names)
        name, n = self.prefix + drawn, len(self.e)
        made = self.act(
            "create_experiment",
            f"e.append(c.create_experiment({name!r}, artifact_location=f'{{ART}}/e{n}'))",
            lambda s: s.client.create_experiment(name, artifact_location=f"{s.artifacts}/e{n}"),
            f"view_experiment(c, e[{n}])",
            lambda s, made: view_experiment(s.client, made),
        )
        self.named += [("experiment", -1, drawn)] if made else []
        return self._kept(self.e, made)

    @rule(
        experiment=experiments,
        name=dv.experiment_names,
        tag=st.booleans(),
        key=dv.tag_keys,
        value=dv.experiment_tag_values,
    )
    def change_experiment(
        self, experiment: int, name: str, tag: bool, key: str, value: str
    ) -> None:
        """Tag it, or rename it."""
        if tag:
            self.set_experiment_tag(experiment, key, value)
            return
        name, ids = self.prefix[:-1] + "~" + name, self.e[experiment]
        self.act(
            "rename_experiment",
            f"c.rename_experiment(e[{experiment}], {name!r})",
            lambda s: s.client.rename_experiment(ids[SIDES.index(s)], name),
            f"view_experiment(c, e[{experiment}], by_name=True)",
            lambda s, _: view_experiment(s.client, ids[SIDES.index(s)], by_name=True),
        )

    def set_experiment_tag(self, experiment: int, key: str, value: str) -> None:
        ids = self.e[experiment]
        self.act(
            "set_experiment_tag",
            f"c.set_experiment_tag(e[{experiment}], {key!r}, {value!r})",
            lambda s: s.client.set_experiment_tag(ids[SIDES.index(s)], key, value),
            f"view_experiment(c, e[{experiment}])",
            lambda s, _: view_experiment(s.client, ids[SIDES.index(s)]),
        )

    # runs ------------------------------------------------------------------------------------
    @rule(target=runs, experiment=experiments, name=dv.run_names)
    def create_run(self, experiment: int, name: str) -> Any:
        ids, n = self.e[experiment], len(self.r)
        made = self.act(
            "create_run",
            f"r.append(c.create_run(e[{experiment}], run_name={name!r}).info.run_id)",
            lambda s: s.client.create_run(ids[SIDES.index(s)], run_name=name).info.run_id,
            f"view_run(c, r[{n}])",
            lambda s, made: view_run(s.client, made),
        )
        return self._kept(self.r, made)

    def _on_run(self, operation: str, run: int, code: str, do: Callable[[Any, str], Any]) -> None:
        ids = self.r[run]
        self.act(
            operation,
            code,
            lambda s: do(s.client, ids[SIDES.index(s)]),
            f"view_run(c, r[{run}])",
            lambda s, _: view_run(s.client, ids[SIDES.index(s)]),
        )

    @precondition(lambda self: "tracking" in ROLES)
    @rule(run=runs, value=dv.param_values, data=st.data())
    def log_param(self, run: int, value: str, data: st.DataObject) -> None:
        key = self._spelled(data, "param", run, dv.param_keys)
        self._on_run(
            "log_param",
            run,
            f"c.log_param(r[{run}], {key!r}, {value!r})",
            lambda c, run_id: c.log_param(run_id, key, value),
        )
        self.written.append((run, "params", key, value))
        self.named.append(("param", run, key))

    @precondition(lambda self: "tracking" in ROLES)
    @rule(run=runs, value=dv.tag_values, data=st.data())
    def set_tag(self, run: int, value: str, data: st.DataObject) -> None:
        key = self._spelled(data, "tag", run, dv.tag_keys)
        self._on_run(
            "set_tag",
            run,
            f"c.set_tag(r[{run}], {key!r}, {value!r})",
            lambda c, run_id: c.set_tag(run_id, key, value),
        )
        self.written.append((run, "tags", key, value))
        self.named.append(("tag", run, key))

    @precondition(lambda self: "tracking" in ROLES and any(w[1] == "tags" for w in self.written))
    @rule(data=st.data())
    def delete_tag(self, data: st.DataObject) -> None:
        run, _, key, _ = data.draw(st.sampled_from([w for w in self.written if w[1] == "tags"]))
        self._on_run(
            "delete_tag",
            run,
            f"c.delete_tag(r[{run}], {key!r})",
            lambda c, run_id: c.delete_tag(run_id, key),
        )

    @precondition(lambda self: "tracking" in ROLES)
    @rule(run=runs, value=dv.metric_values, step=dv.steps, timestamp=dv.timestamps, data=st.data())
    def log_metric(
        self, run: int, value: float, step: int, timestamp: int, data: st.DataObject
    ) -> None:
        key, ids = self._spelled(data, "metric", run, dv.metric_keys), self.r[run]
        self.act(
            "log_metric",
            f"c.log_metric(r[{run}], {key!r}, {_py(value)}, timestamp={timestamp}, step={step})",
            lambda s: s.client.log_metric(ids[SIDES.index(s)], key, value, timestamp, step),
            f"[view_run(c, r[{run}]), view_history(c, r[{run}], {key!r})]",
            lambda s, _: [
                view_run(s.client, ids[SIDES.index(s)]),
                view_history(s.client, ids[SIDES.index(s)], key),
            ],
        )
        self.named.append(("metric", run, key))

    @precondition(lambda self: "tracking" in ROLES)
    @rule(
        run=runs,
        metrics=st.lists(
            st.tuples(dv.metric_keys, dv.metric_values, dv.timestamps, dv.steps), max_size=3
        ),
        params=st.lists(
            st.tuples(dv.param_keys, dv.param_values), max_size=3, unique_by=lambda p: p[0]
        ),
        tags=st.lists(st.tuples(dv.tag_keys, dv.tag_values), max_size=3, unique_by=lambda t: t[0]),
    )
    def log_batch(self, run: int, metrics: list[Any], params: list[Any], tags: list[Any]) -> None:
        from mlflow.entities import Metric, Param, RunTag

        code = (
            f"c.log_batch(r[{run}], metrics=[Metric(*m) for m in {_py(metrics)}], "
            f"params=[Param(*p) for p in {params!r}], tags=[RunTag(*t) for t in {tags!r}])"
        )
        self._on_run(
            "log_batch",
            run,
            code,
            lambda c, run_id: c.log_batch(
                run_id,
                [Metric(*m) for m in metrics],
                [Param(*p) for p in params],
                [RunTag(*t) for t in tags],
            ),
        )
        self.written += [(run, "params", k, v) for k, v in params]
        self.written += [(run, "tags", k, v) for k, v in tags]

    @precondition(lambda self: "tracking" in ROLES and bool(self.written))
    @rule(data=st.data(), pattern=st.one_of(st.none(), dv.pattern_pieces, dv.pattern_pieces))
    def search_runs(self, data: st.DataObject, pattern: str | None) -> None:
        """Runs whose param or tag equals a logged value or, with ``pattern``, is LIKE a piece
        of one or of punctuation (wildcards, quotes, escapes)."""
        _run, kind, key, value = data.draw(st.sampled_from(self.written))
        like = pattern is not None
        if pattern is not None:
            start = data.draw(st.integers(0, max(len(value) - 1, 0)))
            piece = value[start : start + 3] or pattern
            value = "%" + data.draw(st.sampled_from([pattern, piece])) + "%"
        quote = "'" if "'" not in value else '"'
        assume(quote not in value and "\\" not in value)
        field = {"params": "params", "tags": "tags"}[kind]
        query = f"{field}.`{key}` {'LIKE' if like else '='} {quote}{value}{quote}"
        experiments = list(range(len(self.e)))
        ids = f"[e[i] for i in {experiments}]"
        self.act(
            "search_runs",
            f"c.search_runs({ids}, {query!r})",
            lambda s: None,
            f"view_search(c, {ids}, {query!r}, r)",
            lambda s, _: view_search(
                s.client,
                [self.e[i][SIDES.index(s)] for i in experiments],
                query,
                [r[SIDES.index(s)] for r in self.r],
            ),
        )

    # the registry ----------------------------------------------------------------------------
    @precondition(lambda self: "registry" in ROLES)
    @rule(target=models, data=st.data())
    def create_registered_model(self, data: st.DataObject) -> Any:
        drawn = self._spelled(data, "model", -1, dv.model_names)
        name = self.prefix + drawn
        made = self.act(
            "create_registered_model",
            f"c.create_registered_model({name!r})",
            lambda s: s.client.create_registered_model(name) and name,
            f"view_model(c, {name!r})",
            lambda s, _: view_model(s.client, name),
            store="registry",
        )
        self.named += [("model", -1, drawn)] if made else []
        return self._kept(self.m, None if made is None else [name])

    @precondition(lambda self: "registry" in ROLES)
    @rule(model=models, key=dv.tag_keys, value=dv.registry_tag_values)
    def set_registered_model_tag(self, model: int, key: str, value: str) -> None:
        name = self.m[model][0]
        self.act(
            "set_registered_model_tag",
            f"c.set_registered_model_tag({name!r}, {key!r}, {value!r})",
            lambda s: s.client.set_registered_model_tag(name, key, value),
            f"view_model(c, {name!r})",
            lambda s, _: view_model(s.client, name),
            store="registry",
        )

    @precondition(lambda self: "registry" in ROLES)
    @rule(model=models, data=st.data())
    def set_registered_model_alias(self, model: int, data: st.DataObject) -> None:
        alias, name = self._spelled(data, "alias", model, dv.aliases), self.m[model][0]
        if model not in self.versions:
            made = self.act(
                "create_model_version",
                f"c.create_model_version({name!r}, f'{{ART}}/model')",
                lambda s: s.client.create_model_version(name, f"{s.artifacts}/model").version,
                store="registry",
            )
            if made is None:
                return
            self.versions[model] = str(made[0])
        version = self.versions[model]
        self.act(
            "set_registered_model_alias",
            f"c.set_registered_model_alias({name!r}, {alias!r}, {version!r})",
            lambda s: s.client.set_registered_model_alias(name, alias, version),
            f"view_model(c, {name!r})",
            lambda s, _: view_model(s.client, name),
            store="registry",
        )
        self.named.append(("alias", model, alias))

    # artifacts -------------------------------------------------------------------------------
    @precondition(lambda self: "artifacts" in ROLES)
    @rule(run=runs, directory=dv.directories, name=dv.file_names, content=dv.contents)
    def log_artifact(self, run: int, directory: str, name: str, content: bytes) -> None:
        ids = self.r[run]
        with tempfile.TemporaryDirectory() as here:
            local = f"{here}/{name}"
            with open(local, "wb") as f:
                f.write(content)
            path = f"LOCAL + {'/' + name!r}"
            make = f"open({path}, 'wb').write({content!r})"
            self.act(
                "log_artifact",
                f"({make}, c.log_artifact(r[{run}], {path}, {directory or None!r}))",
                lambda s: s.client.log_artifact(ids[SIDES.index(s)], local, directory or None),
                f"view_artifacts(c, r[{run}], {directory!r})",
                lambda s, _: view_artifacts(s.client, ids[SIDES.index(s)], directory),
            )


# --- running it -----------------------------------------------------------------------------
def _snippet(machine: DomainMachine, difference: Difference, seed: int) -> str:
    """The minimal example as Python that replays it on fresh stores of each kind."""
    helpers = "\n\n".join(inspect.getsource(fn) for fn in SNIPPET_HELPERS)
    sides = "\n".join(
        f"    {s.name!r}: ({_rooted(s.tracking, s)}, {_rooted(s.registry, s)}, "
        f"{_rooted(s.artifacts, s)}),"
        for s in SIDES
    )
    *before, last = [line for line in machine.steps if not line.startswith("# then")]
    body = "\n".join(f"    outcome(lambda: {line})" for line in before)
    final = machine.final or "None"
    env = ENV
    return f'''"""Replays what the harness's domain workload found (seed {seed}):
{difference.operation} ({difference.what}) differs between the plugin's store and MLflow's own.
Run it with the Python of an environment where the plugin is installed; stores on a service
need their URIs in SIDES."""
import hashlib
import os
import tempfile
from typing import Any, Callable

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

{helpers}


os.environ.update({env!r})
ROOT = tempfile.mkdtemp()
SIDES = {{
{sides}
}}
seen = {{}}
for side, (tracking, registry, ART) in SIDES.items():
    LOCAL = tempfile.mkdtemp()  # files to log, named as logged
    c, e, r = MlflowClient(tracking, registry), [], []
    BASE = c.create_experiment("domain", artifact_location=ART + "/base")
{body}
    done = outcome(lambda: {last})
    seen[side] = [done if done[0] == "raised" else ["ok"], outcome(lambda: {final})]
    print(side, seen[side])
plugin, *own = seen.values()
assert plugin in own, "the plugin's store answers otherwise than MLflow's own"
'''


def _py(value: Any) -> str:
    """``value`` as Python source (``float('nan')`` where repr is not)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, (list, tuple)):
        items = ", ".join(_py(v) for v in value)
        return (
            f"[{items}]"
            if isinstance(value, list)
            else f"({items}{',' if len(value) == 1 else ''})"
        )
    return repr(value)


def _rooted(uri: str, side: Side) -> str:
    """``uri`` as an f-string under a fresh ROOT instead of the scenario's workdir; a
    service's password left out (the script is shown in reports)."""
    if side.workdir and side.workdir in uri:
        return "f" + repr(uri.replace(side.workdir, "{ROOT}/" + _slug(side.name)))
    return repr(re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1<password>@", uri))


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name).strip("-").lower()


def _keep_own(taken: dict[str, list[str]]) -> None:
    """Where the plugin replaced MLflow's store for a scheme, build MLflow's own again for the
    URIs of MLflow's sides; the plugin's builder keeps every other URI."""
    import own_stores

    builders = own_stores.own_builders()
    mine = {uri for s in SIDES[1:] for uri in (s.tracking, s.registry)}
    roots = tuple(s.artifacts + "/" for s in SIDES[1:])

    def router(own: Any, plugin: Any) -> Any:
        def build(*args: Any, **kwargs: Any) -> Any:
            uri = str(args[0] if args else next(iter(kwargs.values()), ""))
            return (own if uri in mine or uri.startswith(roots) else plugin)(*args, **kwargs)

        return build

    for group, schemes in taken.items():
        registry = own_stores.registry_of(group)
        for scheme in schemes:
            registry.register(scheme, router(builders[group][scheme], registry._registry[scheme]))


def run(request: dict[str, Any]) -> dict[str, Any]:
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    options = request["options"]
    SIDES[:] = [Side("plugin", {**request, "workdir": request.get("workdir", "")})]
    SIDES.extend(Side(own["name"], own) for own in request["own"])
    ROLES.update(request["roles"])
    ENV.update(request.get("env", {}))
    if request.get("keep_own"):
        _keep_own(request["keep_own"])
    seed = int(options["seed"])
    for side in SIDES:
        side.begin(f"domain-{seed}-{time.time_ns()}")
    DEADLINE[0] = time.monotonic() + float(options.get("seconds", 45))
    config = settings(
        max_examples=int(options["examples"]),
        stateful_step_count=int(options["steps"]),
        deadline=None,
        database=DirectoryBasedExampleDatabase(request["database"]),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # not explain
    )
    answer: dict[str, Any] = {"seed": seed, "sides": [s.name for s in SIDES]}
    try:
        run_state_machine_as_test(seeded(seed)(DomainMachine), settings=config)
    except (Difference, OutOfTime) as stopped:
        answer["out_of_time"] = isinstance(stopped, OutOfTime)
    machine, found = SMALLEST
    if found is not None:
        answer["difference"] = {
            "operation": found.operation,
            "what": found.what,
            "answers": found.answers,
            "steps": [line for line in machine.steps if line],
            "snippet": _snippet(machine, found, seed),
            "shrunk": not answer.get("out_of_time"),
        }
    answer["counts"] = dict(COUNTS)
    answer["disagreements"] = NOTES
    return answer
