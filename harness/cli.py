"""The command line: ``mlflow-plugin-harness <command> [<args>]``."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from harness import __version__
from harness.model.errors import HarnessError, UsageError

if TYPE_CHECKING:
    from harness.model.results import RunReport
    from harness.planning.shard import ShardSpec
    from harness.run.session import Options

PROG = "mlflow-plugin-harness"
USAGE = f"""{PROG} [--version] <command> [<args>]

Test an MLflow plugin end to end against the services it targets.

commands:
   run         Install a plugin in an isolated environment and run scenarios against it
   scenarios   List the available scenarios
   validate    Check scenario files against the schema
   schema      Print the JSON Schema of scenario files
   doctor      Check Docker, service images, registry and CA set-up; print fixes
   images      Build (or fetch) the service images ahead of a run; list them
   cleanup     Remove containers, networks, volumes and temp dirs left by dead runs
   merge       Join the reports of sharded runs (run --shard K/N) into one

exit codes: 0 passed, 1 a check failed, a scenario was inconclusive or nothing passed,
2 bad input, 3 infrastructure error
See '{PROG} <command> --help' for the options of a command."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _progress(start: float) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(f"==> [{time.monotonic() - start:5.1f}s] {message}", file=sys.stderr, flush=True)

    return say


def _options(args: argparse.Namespace, started: float) -> Options:
    """What ``run`` was asked for."""
    from harness.planning.profiles import knobs
    from harness.run.session import Options

    versions = [
        v.strip() for item in args.mlflow_version or [] for v in item.split(",") if v.strip()
    ]
    return Options(
        plugin=args.plugin,
        scenarios=args.scenario or None,
        mlflow_versions=versions,
        config=args.config,
        report_dir=args.report_dir,
        progress=_progress(started),
        knobs=knobs(
            args.profile,
            {k: v for k in ("examples", "seed") if (v := getattr(args, k)) is not None},
        ),
        fresh_processes=args.fresh_processes,
        sandbox=not args.no_sandbox,
        scenario_dirs=args.scenario_dir or [],
        profile=args.profile,
        upgrade=args.upgrade,
        upgrade_plugin=args.upgrade_plugin,
    )


def _cmd_run(args: argparse.Namespace) -> int:
    from harness.model.plugin import parse_plugin
    from harness.planning.profiles import check_profile
    from harness.reports.publish import write_reports
    from harness.reports.report import LABELS, print_summary, sandbox_line, verdict
    from harness.run.session import execute

    started = time.monotonic()
    options = _options(args, started)
    try:
        check_profile(args.profile)
        if args.profile and args.scenario:
            raise UsageError(f"--profile {args.profile} picks the scenarios: give no --scenario")
        if args.profile == "quick" and args.workers not in (None, "1"):
            raise UsageError("--profile quick runs its few scenarios on one worker")
        options.shard = _shard(args)
        parse_plugin(args.plugin)  # a missing path is said before the workers are chosen
        if args.upgrade_plugin:
            if not args.upgrade:
                raise UsageError("--upgrade-plugin needs --upgrade FROM[:TO]")
            parse_plugin(args.upgrade_plugin)
        args.workers = _workers_for(args, options)
        if args.workers != "1":
            from harness.parallel import execute_parallel

            report = execute_parallel(options, args.workers)
        else:
            report = execute(options)
    except UsageError as exc:  # bad input, or a plugin that cannot be installed: exit 2
        _write_error_reports(args, exc)
        raise
    mask = write_reports(report, args.report_dir)
    print_summary(report, sys.stdout, mask)
    code, status, why = verdict(report)
    for env in report.environments:
        if env["installable"]:
            print(
                f"environment: {'reused' if env['reused'] else 'built'} in {env['seconds']} s "
                f"(MLflow {env['mlflow_version']}); processes: {env.get('processes', 'fresh')}"
            )
            print(f"sandbox: {sandbox_line(env.get('sandbox') or {})}")
    print(_time_line(report, time.monotonic() - started, args.workers))
    print(f"reports: {args.report_dir}/report.html, report.json, junit.xml")
    if report.shard:
        print(_shard_line(report.shard))
    print(f"{LABELS[status]}: {why}")
    return code


def _workers_for(args: argparse.Namespace, options: Options) -> str:
    """``--workers`` as given; by default (and for ``auto``) as many as the CPUs, the
    scenarios, their work and the free memory allow (``auto_workers``). Under pytest-xdist
    the CPUs are shared with its other workers."""
    from harness.parallel import auto_workers

    if args.workers not in (None, "auto") or args.profile == "quick":
        return str(args.workers or "1")
    scenarios = options.select()
    if options.upgrade or any(s.upgrade for s in scenarios):
        options.progress("upgrade paths run on one worker; --workers is for the others")
        return "1"
    versions: list[str | None] = [*options.mlflow_versions] or [None]
    items = [(s, v) for v in versions for s in scenarios]
    if options.shard is not None:
        plan = options.shard.plan(scenarios, versions)
        items = [(s, v) for s, v in items if plan.takes(s.name, v)]
    shared = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    cpus = max(1, len(os.sched_getaffinity(0)) // shared)
    count, why = auto_workers([s for s, _ in items], cpus)
    if count > 1:
        options.progress(f"running on {count} workers ({why}); --workers 1 runs serially")
    return str(count)


def _shard(args: argparse.Namespace) -> ShardSpec | None:
    """``--shard`` with ``--durations``, or None; UsageError where they do not fit."""
    if args.shard is None:
        if args.durations is not None:
            raise UsageError("--durations balances the shards of --shard K/N: give both")
        return None
    if args.profile == "quick":
        raise UsageError("--profile quick is the edit-and-test loop, run whole: give no --shard")
    if args.upgrade:
        raise UsageError("--upgrade runs its paths whole, on one machine: give no --shard")
    spec: ShardSpec = args.shard
    return dataclasses.replace(spec, durations=args.durations)


def _shard_line(shard: dict[str, Any]) -> str:
    return (
        f"shard {shard['index']}/{shard['total']}: {len(shard['items'])} of {len(shard['of'])} "
        f"work item(s) of selection {shard['selection'][:8]}; join every shard's report.json "
        f"with `{PROG} merge`"
    )


def _cmd_merge(args: argparse.Namespace) -> int:
    """``merge REPORT.json...``: one report from the shards' (and selections')."""
    from harness.reports.merge import MergeError, check_output, copy_attachments, merge, read_parts
    from harness.reports.publish import write_reports
    from harness.reports.report import LABELS, print_summary, verdict

    try:
        check_output(args.reports, args.report_dir)
        parts = read_parts(args.reports)
        report = merge(parts)
    except MergeError as exc:
        for problem in exc.problems:
            print(f"{PROG}: error: {problem}", file=sys.stderr)
        return exc.exit_code
    try:
        copy_attachments(parts, args.report_dir)  # first: report.html embeds the screenshots
        mask = write_reports(report, args.report_dir)
    except OSError as exc:
        raise UsageError(f"cannot write the reports in {args.report_dir}: {exc}") from None
    print_summary(report, sys.stdout, mask)
    code, status, why = verdict(report)
    selections = len({p.selection for p in parts})
    print(f"merged: {len(parts)} report(s), {selections} selection(s), each complete")
    print(f"reports: {args.report_dir}/report.html, report.json, junit.xml")
    print(f"{LABELS[status]}: {why}")
    return code


def _write_error_reports(args: argparse.Namespace, exc: UsageError) -> None:
    """Reports naming the error, so CI has something to publish; never in its way."""
    from harness.model.errors import PluginInstallError
    from harness.reports.html import write_error_html
    from harness.reports.report import Masker, write_error_reports

    kind = "install" if isinstance(exc, PluginInstallError) else "usage"
    with contextlib.suppress(OSError):
        args.report_dir.mkdir(parents=True, exist_ok=True)
        write_error_reports(args.plugin, kind, str(exc), exc.exit_code, args.report_dir, Masker())
        write_error_html(args.plugin, str(exc), args.report_dir / "report.html", Masker())


def _time_line(report: RunReport, wall: float, workers: str | None) -> str:
    """Where the time went: the environments, the services, the work in the plugin's
    environment, and the rest (the harness's own overhead)."""
    t = report.timings
    parts = (
        f"environments {t.environments_s:.1f} s, services {t.services_s:.1f} s, "
        f"workloads {t.workloads_s:.1f} s"
    )
    if workers not in (None, "1"):
        return f"time: {wall:.1f} s on {workers} workers (summed over them: {parts})"
    rest = wall - t.environments_s - t.services_s - t.workloads_s
    return f"time: {wall:.1f} s = {parts}, harness {rest:.1f} s ({rest / wall:.0%})"


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from harness.planning.scenario import available, directories, load_scenario

    for name, path in available(directories(args.plugin, args.scenario_dir or [])).items():
        print(f"  {name:<22} {load_scenario(path).description}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from harness.model.errors import ScenarioError
    from harness.planning.scenario import load_scenario

    bad = 0
    for file in args.files:
        try:
            load_scenario(Path(file))
            print(f"{file}: ok")
        except ScenarioError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            bad += 1
    return 2 if bad else 0


def _cmd_schema(_args: argparse.Namespace) -> int:
    from harness.planning.scenario import json_schema

    sys.stdout.write(json_schema())
    return 0


def _cmd_doctor(_args: argparse.Namespace) -> int:
    from harness.doctor import diagnose

    findings = diagnose()
    for f in findings:
        print(f"  {f.status.upper():<4}  {f.topic:<14} {f.detail}")
        if f.fix:
            print(f"        {'':<14} fix: {f.fix}")
    return 3 if any(f.status == "fail" for f in findings) else 0


def _cmd_images(args: argparse.Namespace) -> int:
    from harness.model.catalog import CATALOG
    from harness.services import engine, images, service_class

    local = ["mlflow-server", "plugin-build"]  # always local: they carry the plugin's code
    known = [*CATALOG, *local]
    if args.action == "list" and args.services:
        raise UsageError("images list takes no SERVICE")
    unknown = [n for n in args.services if n not in known]
    if unknown:
        raise UsageError(f"unknown service {unknown[0]!r} (known: {', '.join(known)})")
    client = engine.connect()
    if args.action == "list":
        print("\n".join(images.built(client)))
        return 0
    say = _progress(time.monotonic())
    for name in args.services or known:
        if name in local:
            print(f"  {name:<9} {images.build_service(client, name, say)} (built)")
            continue
        try:
            got = images.resolve(client, service_class(name).image_spec, None, say)
        except images.ImageUnavailable as exc:
            print(f"  {name:<9} unavailable: {exc}")
            continue
        instead = f", stands in for {got.substitute_for}" if got.substitute_for else ""
        print(f"  {name:<9} {got.image} ({got.source}{instead})")
    return 0


def _cmd_cleanup(_args: argparse.Namespace) -> int:
    from harness.run.session import sweep_temp_dirs
    from harness.services import engine

    removed = sweep_temp_dirs()
    client = engine.connect()
    removed += engine.remove_run(client, only_dead=True)
    for item in removed:
        print(f"  removed {item}")
    print(f"{len(removed)} object(s) left by dead runs removed; live runs untouched")
    return 0


def _add_run(sub: Any) -> None:
    """``run``, the command most users type."""
    run = sub.add_parser(
        "run",
        help="run scenarios against a plugin",
        usage=f"{PROG} run PLUGIN [--scenario NAME]... [options]",
        description="Install PLUGIN (a source directory, a wheel or sdist, or a "
        "pip requirement) with MLflow in a cached isolated environment, "
        "then run scenarios against it and write reports.",
    )
    run.add_argument("plugin", metavar="PLUGIN")
    run.add_argument(
        "-s",
        "--scenario",
        action="append",
        metavar="NAME",
        help="scenario name or YAML file (repeatable; default: all)",
    )
    _add_scenario_dir(run)
    run.add_argument(
        "--mlflow-version",
        action="append",
        metavar="VERSION[,VERSION...]",
        help="MLflow version(s) to test against, each in its own cached "
        "environment; several make a compatibility matrix (default: newest)",
    )
    run.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="YAML settings: URI templates per scheme, extra environment",
    )
    _add_report_dir(run, "")
    run.add_argument(
        "-j",
        "--workers",
        type=_workers,
        metavar="N",
        help="run scenarios on N pytest-xdist workers, each with its own services "
        "(default: auto, one per CPU while the scenarios, their work and the free memory "
        "repay it; 1 runs serially)",
    )
    run.add_argument(
        "--upgrade",
        type=_upgrade_path,
        metavar="FROM[:TO]",
        help="run the scenarios that write stored data as an upgrade path: written under "
        "MLflow FROM, upgraded, read back and written again under TO (default: newest); "
        "without --mlflow-version, only the path runs",
    )
    run.add_argument(
        "--upgrade-plugin",
        metavar="REQUIREMENT-OR-PATH",
        help="with --upgrade: the older plugin release that writes under FROM",
    )
    _add_tuning(run)
    _add_sharding(run)
    run.set_defaults(func=_cmd_run)


def _add_sharding(run: Any) -> None:
    """``run --shard K/N``: one machine's share of a CI matrix."""
    run.add_argument(
        "--shard",
        type=_shard_spec,
        metavar="K/N",
        help="run only shard K of N of the selected scenario and MLflow version pairs, split "
        "the same way on every machine; join the shards' reports with 'merge'",
    )
    run.add_argument(
        "--durations",
        type=Path,
        metavar="FILE",
        help="a previous report.json (a merged one too) whose durations balance the shards "
        "(default: a static estimate per scenario)",
    )


def _shard_spec(value: str) -> ShardSpec:
    from harness.planning.shard import ShardSpec

    try:
        return ShardSpec.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_report_dir(parser: Any, which: str) -> None:
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help=f"where {which}report.html, report.json and junit.xml go (default: reports)",
    )


def _add_merge(sub: Any) -> None:
    merge = sub.add_parser(
        "merge",
        help="join the reports of sharded runs",
        usage=f"{PROG} merge REPORT.json... [--report-dir DIR]",
        description="Join the report.json of every shard (run --shard K/N) into one report.json, "
        "junit.xml and report.html, as one run would have written them. Every shard of every "
        "selection must be there, once (exit code 2 otherwise); the exit code is then the run's.",
    )
    merge.add_argument("reports", nargs="+", type=Path, metavar="REPORT.json")
    _add_report_dir(merge, "the merged ")
    merge.set_defaults(func=_cmd_merge)


def _add_scenario_dir(parser: Any) -> None:
    parser.add_argument(
        "--scenario-dir",
        action="append",
        type=Path,
        metavar="DIR",
        help="more scenarios: every *.yaml in DIR (repeatable); scenarios/ in the plugin's "
        "directory is read too",
    )


def _add_tuning(run: Any) -> None:
    """How ``run`` runs: a profile, the domain workload's search, how processes start."""
    run.add_argument(
        "--profile",
        metavar="NAME",
        help="instead of --scenario: 'quick', entry points, quickstart, logging and the "
        "contract suite on local stores, and one service scenario cut to its quickstart (the "
        "edit-and-test loop); 'full', every scenario, the load benchmark too, and a longer "
        "domain search (release CI)",
    )
    run.add_argument(
        "--examples",
        type=_positive,
        metavar="N",
        help="domain workload: examples to try (default: the scenario's)",
    )
    run.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="domain workload: the seed to search with (default: random; in every report)",
    )
    run.add_argument(
        "--fresh-processes",
        action="store_true",
        help="start every script in a new interpreter instead of forking it from a server "
        "that preloaded MLflow's dependencies (slower; the verdicts are the same)",
    )
    run.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the plugin's code on the host as the invoking user, not in the locked-down "
        "sandbox container (only for plugins you trust; the verdicts are the same)",
    )


def _upgrade_path(value: str) -> tuple[str, str | None]:
    before, _, after = value.partition(":")
    if not before.strip():
        raise argparse.ArgumentTypeError(f"expected FROM[:TO], e.g. 2.22.1:3.17.2, got {value!r}")
    return before.strip(), after.strip() or None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG, usage=USAGE, add_help=True, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(  # listed once, in the description: not again by argparse
        dest="command", metavar="<command>", parser_class=_Parser, prog=PROG, help=argparse.SUPPRESS
    )

    _add_run(sub)
    _add_merge(sub)

    scenarios = sub.add_parser(
        "scenarios",
        help="list scenarios",
        usage=f"{PROG} scenarios [PLUGIN] [--scenario-dir DIR]...",
        description="List the scenarios a run would choose from: the harness's own, those in "
        "PLUGIN's scenarios/ directory and those in each --scenario-dir.",
    )
    scenarios.add_argument("plugin", metavar="PLUGIN", nargs="?")
    _add_scenario_dir(scenarios)
    scenarios.set_defaults(func=_cmd_scenarios)
    validate = sub.add_parser(
        "validate", help="validate scenario files", usage=f"{PROG} validate FILE..."
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=_cmd_validate)
    sub.add_parser("schema", help="print the scenario JSON Schema").set_defaults(func=_cmd_schema)
    sub.add_parser(
        "doctor",
        help="check this machine's set-up",
        description="Check the Docker engine, the service images, registry "
        "reachability, debootstrap and the CA bundle; print the fix for each problem.",
    ).set_defaults(func=_cmd_doctor)
    images = sub.add_parser(
        "images",
        help="prepare service images",
        usage=f"{PROG} images build [SERVICE...]\n       {PROG} images list",
        description="build: use each service's official image when present or pullable, else "
        "build it from images/ (tagged by content hash). list: the images this version built "
        "here and would reuse, one per line (what a CI cache keeps: docker save $(... list)).",
    )
    images.add_argument("action", choices=["build", "list"], metavar="build|list")
    images.add_argument("services", nargs="*", metavar="SERVICE", help="build: default all")
    images.set_defaults(func=_cmd_images)
    sub.add_parser(
        "cleanup",
        help="remove what dead runs left",
        description="Remove the containers, networks, volumes and temp dirs of harness "
        "runs whose process is gone (e.g. after kill -9). Live runs are untouched.",
    ).set_defaults(func=_cmd_cleanup)
    return parser


def _workers(value: str) -> str:
    from harness.parallel import workers_argument

    try:
        return workers_argument(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _interrupt_on_term(signum: int, _frame: object) -> NoReturn:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt_on_term)  # clean up as on Ctrl-C
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        print(f"usage: {USAGE}")
        return 2
    try:
        command: Callable[[argparse.Namespace], int] = args.func
        return command(args)
    except HarnessError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; what this run created has been removed", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`... | head`): end quietly, as git does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
