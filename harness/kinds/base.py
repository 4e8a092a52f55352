"""The parts every workload kind is made of: ``WorkloadKind``, the ``Context`` it runs in, and
the ``KINDS`` registry the scenario model and the docs are derived from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field, TypeAdapter, ValidationInfo, ValidatorFunctionWrapHandler

from harness.env.processes import WORKLOADS
from harness.model.results import Status
from harness.model.specs import WorkloadSpec

if TYPE_CHECKING:
    from harness.checks import Evidence
    from harness.model.config import Settings
    from harness.model.results import Timings
    from harness.planning.scenario import Scenario
    from harness.run.attempts import Attempts
    from harness.run.faults import FaultWindow
    from harness.run.sides import Side
    from harness.run.transcripts import Transcripts


@dataclass
class Context:
    """What a kind sees of the scenario being run; the runner makes one per scenario."""

    scenario: Scenario
    side: Side  # the plugin's stores
    oracles: list[Side]  # MLflow's own stores beside them (for kinds compared with an oracle)
    evidence: Evidence  # where answers go, for the checks
    attempts: Attempts  # where failures go
    settings: Settings
    faults: FaultWindow
    run: Callable[[Side, str, dict[str, Any], Path | None], dict[str, Any]]
    progress: Callable[[str], None]
    mlflow_version: str
    report_dir: Path
    timings: Timings
    attachments: dict[str, str] = field(default_factory=dict)
    knobs: dict[str, Any] = field(default_factory=dict)  # workload options given on the CLI
    transcripts: Transcripts | None = None  # oracle answers kept between runs
    images: list[str] = field(default_factory=list)  # the scenario's services, as run
    reused: list[str] = field(default_factory=list)  # oracle transcripts taken from the cache
    overlap: bool = False  # independent processes may run at once (not with --fresh-processes)

    def attempt(
        self,
        name: str,
        side: Side,
        command: str,
        request: dict[str, Any],
        script: Path | None = None,
        status: Status = Status.FAILED,
    ) -> dict[str, Any] | None:
        """Run a script on ``side``: its answer, or None once its failure is recorded."""
        return self.attempts.attempt(name, self.run, side, command, request, script, status=status)

    def say(self, message: str) -> None:
        """A progress line about this scenario."""
        self.progress(f"{self.scenario.name}: {message}")


def options(workload: WorkloadSpec, _settings: Settings) -> dict[str, Any]:
    """The default request: the workload's own options."""
    return {"options": workload.model_dump()}


@dataclass(frozen=True)
class WorkloadKind:
    """One kind of workload.

    By default a kind runs ``script`` in the plugin's environment with ``request(workload,
    settings)``; with ``readback`` its answer is a manifest of what it wrote, read back through
    MLflow into ``evidence.pairs`` (and re-run on MLflow's own stores when a check over stored
    data fails), otherwise its answer is kept as ``evidence.observed[name]``. ``perform``
    replaces all of that for a kind that works differently (``oracle`` ones compare with MLflow's
    own stores, which the runner then provisions). ``constraint`` checks the kind's place in a
    scenario (raise ValueError).
    """

    name: str
    model: type[WorkloadSpec]
    checks: tuple[str, ...]
    script: Path | None = None
    readback: bool = False
    oracle: bool = False
    request: Callable[[Any, Settings], dict[str, Any]] = options
    perform: Callable[[Any, Context], None] | None = None
    constraint: Callable[[Scenario, int], None] | None = None
    opens_window: bool = False  # a fault: it lasts while the next workload runs

    def __call__(self, workload: WorkloadSpec, ctx: Context) -> None:
        """Run ``workload``: answers go to ``ctx.evidence``, failures to ``ctx.attempts``."""
        if self.perform is not None:
            self.perform(workload, ctx)
            return
        ctx.say(f"{self.name} workload")
        request = self.request(workload, ctx.settings)
        answer = ctx.attempt(f"workload:{self.name}", ctx.side, self.name, request, self.script)
        if answer is None:
            return
        if not self.readback:
            ctx.evidence.observed[self.name] = answer
            return
        ctx.say("reading back through MLflow")
        observed = ctx.attempt(f"readback:{self.name}", ctx.side, "readback", {"manifest": answer})
        if observed is not None:
            ctx.evidence.pairs.append((answer, observed))

    @property
    def description(self) -> str:
        """The first sentence of the model's docstring."""
        doc = " ".join((self.model.__doc__ or "").split()).replace("``", "`")
        return doc.split(". ")[0].rstrip(".") + "." if doc else ""


KINDS: dict[str, WorkloadKind] = {}


def register(kind: WorkloadKind) -> WorkloadKind:
    """Add ``kind``; scenarios may use it from now on."""
    KINDS[kind.name] = kind
    return kind


def script(name: str) -> Path:
    """A workload script of the harness's own."""
    return WORKLOADS / f"{name}.py"


def validate(value: Any, _handler: ValidatorFunctionWrapHandler, _info: ValidationInfo) -> Any:
    """Validate ``workloads:`` against the kinds registered now (errors keep their location)."""
    return adapter(tuple(KINDS)).validate_python(value)


_ADAPTERS: dict[tuple[str, ...], TypeAdapter[list[WorkloadSpec]]] = {}


def adapter(names: tuple[str, ...]) -> TypeAdapter[list[WorkloadSpec]]:
    """A validator of a list of workloads of these kinds, told apart by ``kind``."""
    if names not in _ADAPTERS:
        _ADAPTERS[names] = TypeAdapter(listed(names))
    return _ADAPTERS[names]


def listed(names: tuple[str, ...]) -> Any:
    """The type of a list of workloads of these kinds, told apart by ``kind``: built at run
    time, as the kinds are, so it is a value to mypy."""
    models = tuple(KINDS[name].model for name in names)
    return list[Annotated[Union[models], Field(discriminator="kind")]]  # type: ignore[valid-type]  # noqa: UP007


def uses(readback: bool = False, oracle: bool = False) -> tuple[str, ...]:
    """The names of the kinds with these traits."""
    return tuple(
        n for n, k in KINDS.items() if (not readback or k.readback) and (not oracle or k.oracle)
    )


def table() -> str:
    """The table of workload kinds in ``docs/scenarios.md`` (``make schema`` writes it)."""
    rows = [
        "| kind | runs | evidence | read by | what it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind in KINDS.values():
        where = "harness" if kind.script is None else f"`{kind.script.name}` (plugin env)"
        evidence = (
            "manifest, read back"
            if kind.readback
            else "both sides, compared"
            if kind.oracle
            else "fault window"
            if kind.opens_window
            else "observations"
        )
        checks = ", ".join(f"`{c}`" for c in kind.checks[:4])
        if kind.checks[4:]:
            checks += f", ... ({len(kind.checks)} in all)"
        rows.append(
            f"| `{kind.name}` | {where} | {evidence} | {checks or '-'} | {kind.description} |"
        )
    return "\n".join(rows) + "\n"


BEGIN, END = "<!-- workload kinds: begin (make schema) -->", "<!-- workload kinds: end -->"


def with_table(page: str) -> str:
    """``page`` (``docs/scenarios.md``) with the table of kinds between its markers brought up
    to date."""
    head, _, rest = page.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}{END}{tail}"
