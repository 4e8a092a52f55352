"""The domain workload: every key, value and name MLflow accepts, in generated sequences of
operations, on the plugin's stores and on MLflow's own side by side (Hypothesis)."""

from __future__ import annotations

import dataclasses
import os
import random
import shutil
import stat
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from harness.env.environment import cache_root
from harness.kinds.base import Context, WorkloadKind, register, script
from harness.model.contracts import builtin_name
from harness.model.specs import WorkloadSpec

SCRIPT = script("domain_workload")
# what is kept of a plugin's failing examples: Hypothesis writes a few small files per example
KEPT_FILES, KEPT_BYTES = 1000, 1 << 20


class Domain(WorkloadSpec):
    """Generated sequences of operations over every key, value and name the installed MLflow
    accepts, on the plugin's stores and on MLflow's own side by side; a difference is shrunk to
    a minimal example, given as a script that replays it."""

    kind: Literal["domain"]
    examples: int = Field(30, ge=1, le=100_000, description="examples to try (--examples)")
    steps: int = Field(10, ge=1, le=200, description="operations per example, at most")
    seed: int | None = Field(None, description="default: a random one, in the report (--seed)")
    seconds: float = Field(
        30, gt=0, le=3600, description="search and shrinking stop after this long"
    )


def perform(workload: Domain, ctx: Context) -> None:
    """The search, run in the plugin's environment over all sides at once."""
    options = {**workload.model_dump(), **ctx.knobs}
    options["seed"] = options["seed"] if options["seed"] is not None else random.randrange(2**32)
    ctx.say(f"domain workload (seed {options['seed']}, up to {options['examples']} examples)")
    own = [
        {**oracle.request, "workdir": str(oracle.workdir), "name": _named(oracle.stores)}
        for oracle in ctx.oracles
    ]
    request = {
        "options": options,
        "roles": list(ctx.side.stores.plugin_roles),
        "own": own,
        "workdir": str(ctx.side.workdir),
        # where the plugin took one of MLflow's schemes, MLflow's sides still get MLflow's store
        "keep_own": ctx.oracles[0].request.get("own_schemes", {}),
        "database": str(ctx.side.workdir / "hypothesis"),  # where a sandbox can write
    }
    env = {k: v for oracle in ctx.oracles for k, v in oracle.env.items()}
    request["env"] = {k: v for k, v in env.items() if k.startswith("MLFLOW_")}  # for the script
    side = dataclasses.replace(ctx.side, env={**env, **ctx.side.env})
    kept = cache_root() / "hypothesis" / ctx.side.request["plugin"]
    _copy_examples(kept, Path(request["database"]), owner=ctx.side.workdir)
    try:
        answer = ctx.attempt("workload:domain", side, "domain", request, SCRIPT)
    finally:
        _keep_examples(Path(request["database"]), kept)
    if answer is None:
        return
    if found := answer.get("difference"):  # the example as a script, beside the report
        name = f"domain/{ctx.scenario.name}-mlflow-{ctx.mlflow_version}.py"
        (ctx.report_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (ctx.report_dir / name).write_text(found.pop("snippet"))
        ctx.attachments["replay script"] = found["script"] = name
        ctx.attempts.outputs.append(
            f"--- domain: the example (seed {answer['seed']}) replays with {name} ---\n"
            + "\n".join(found["steps"])[-4000:]
        )
    ctx.evidence.observed["domain"] = answer


def _copy_examples(source: Path, target: Path, owner: Path | None = None) -> None:
    """The example database's regular files (no links: the plugin wrote them), bounded in count
    and size, owned as ``owner`` is (the sandbox's user must write to them)."""
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for top, dirs, files in os.walk(source):  # links to directories are not followed
        here = target / Path(top).relative_to(source)
        if not here.is_dir():  # past the bound
            dirs[:] = []
            continue
        for name in [*dirs, *files]:
            info = os.lstat(Path(top) / name)
            if copied >= KEPT_FILES or info.st_size > KEPT_BYTES:
                continue
            if stat.S_ISDIR(info.st_mode):
                (here / name).mkdir(exist_ok=True)
            elif stat.S_ISREG(info.st_mode):
                shutil.copyfile(Path(top) / name, here / name, follow_symlinks=False)
            copied += 1
    if owner is not None and os.geteuid() == 0:
        ids = owner.stat()
        for top, dirs, files in os.walk(target):
            for name in [".", *dirs, *files]:
                os.lchown(Path(top) / name, ids.st_uid, ids.st_gid)


def _keep_examples(database: Path, kept: Path) -> None:
    """The run's example database becomes the plugin's kept one (a cache: a lost race keeps
    the other run's)."""
    partial = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
    shutil.rmtree(partial, ignore_errors=True)
    _copy_examples(database, partial)
    old = kept.with_name(f"{kept.name}.{os.getpid()}.old")
    try:
        if kept.exists():
            kept.rename(old)
        partial.rename(kept)
    except OSError:
        pass
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(partial, ignore_errors=True)


def _named(stores: Any) -> str:

    names = [builtin_name(role, getattr(stores, role)) for role in ("tracking", "artifacts")]
    return " + ".join(dict.fromkeys(names))


register(WorkloadKind("domain", Domain, ("domain",), SCRIPT, oracle=True, perform=perform))
