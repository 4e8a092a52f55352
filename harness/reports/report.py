"""Reports: the console summary, JUnit XML and JSON, all with secrets masked."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, TextIO

from harness.checks.domain import AMONG_THEMSELVES
from harness.model.results import Blame, PluginInfo, RunReport, ScenarioResult, Status

_MARK = {
    Status.PASSED: "PASS",
    Status.FAILED: "FAIL",
    Status.SKIPPED: "SKIP",
    Status.ERROR: "ERROR",
    Status.INCONCLUSIVE: "INCONCLUSIVE",
}
_ORDER = (Status.PASSED, Status.FAILED, Status.INCONCLUSIVE, Status.SKIPPED, Status.ERROR)


WIDTH = 200  # the longest line a note gets on the console; reports keep it whole


def console_notes(check: str, notes: list[str], width: int = WIDTH) -> list[str]:
    """A check's notes as the console shows them: one line per kind (a note's words before its
    first ``": "``), naming what each note of that kind is about; report.json and the HTML keep
    every note whole."""
    kinds: dict[str, list[str]] = {}
    for note in notes:
        kinds.setdefault(note.partition(": ")[0], []).append(note)
    lines = []
    for kind, same in kinds.items():
        if len(same) == 1:
            line = f"NOTE {check}: {same[0]}"
        else:
            about = [n.partition(": ")[2].split(": ", 1)[0] for n in same]
            subjects = ", ".join(dict.fromkeys(about))  # each once: several notes on one run
            line = f"NOTE {check}: {kind} ({len(same)}): {subjects}"
        lines.append(_clip(line, width, "; whole in report.html"))
    return lines


def _clip(line: str, width: int, more: str) -> str:
    """``line`` up to ``width`` characters, cut at a word, saying where the rest is."""
    if len(line) <= width:
        return line
    cut = line[: width - len(more) - 2].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut} …{more}"


def totals(report: RunReport) -> str:
    """``1 passed, 0 failed, 2 inconclusive, 0 skipped, 0 error``."""
    counts = report.summary()
    return ", ".join(f"{counts[s.value]} {s.value}" for s in _ORDER)


def verdict(report: RunReport) -> tuple[int, Status, str]:
    """The exit code, the status the run stands for (its label: ``LABELS``) and why, with
    what was tested and what was not."""
    code, status, why = report.outcome()
    return code, status, f"{why}; {tested}" if (tested := coverage(report)) else why


LABELS = {
    Status.PASSED: "OK",
    Status.FAILED: "FAILED",
    Status.INCONCLUSIVE: "INCONCLUSIVE",
    Status.ERROR: "ERROR",
}


_UNTESTED = (Status.SKIPPED, Status.INCONCLUSIVE, Status.ERROR)


def coverage(report: RunReport) -> str:
    """What reached a verdict, on which backends, and what that applies to the plugin did not,
    by reason: ``tested: 6 scenario(s) on local files; not tested: postgres-tracking,
    mysql-tracking (needs a URI template)``. Scenarios that do not apply are left out."""
    done = [r for r in report.results if r.status in (Status.PASSED, Status.FAILED)]
    names = list(dict.fromkeys(r.scenario for r in done))
    untested: dict[str, list[str]] = {}
    for r in report.results:
        if r.status in _UNTESTED and r.scenario not in names and "not applicable" not in r.reason:
            scenarios = untested.setdefault(_short_reason(r), [])
            scenarios.extend([r.scenario] if r.scenario not in scenarios else [])
    if not names and not untested:
        return ""
    on = list(dict.fromkeys(s.name for r in done for s in r.services))
    if any(not r.services and r.checks and r.scenario != "entry-points" for r in done):
        on.insert(0, "local files")
    where = f" on {', '.join(on)}" if on else f" ({', '.join(names)})"
    parts = [f"tested: {len(names)} scenario(s){where}" if names else "tested: nothing"]
    if untested:
        parts.append(
            "not tested: " + "; ".join(f"{_few(s)} ({why})" for why, s in untested.items())
        )
    return "; ".join(parts)


def _few(names: list[str], shown: int = 4) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _short_reason(result: ScenarioResult) -> str:
    """A skip, inconclusive or error reason cut to its head: ``needs env:CRUSOE_API_KEY``."""
    reason = result.reason
    for check in result.checks:  # a reason rolled up from one check: "deployments: needs ..."
        reason = reason.removeprefix(f"{check.name}: ")
    head = re.split(r" \(|: |; ", reason, maxsplit=1)[0].strip() or result.status.value
    head = head if len(head) <= 60 else head[:57].rsplit(" ", 1)[0] + " …"
    return f"error: {head}" if result.status is Status.ERROR else head


class Masker:
    """Replaces every registered secret with ``****``."""

    def __init__(self, secrets: set[str] | None = None) -> None:
        self.secrets = {s for s in (secrets or set()) if len(s) >= 4}

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "****")
        return text


def write_json(report: RunReport, path: Path, mask: Masker) -> None:
    path.write_text(mask(json.dumps(report.to_dict(), indent=2, default=str)) + "\n")


def _testcase(
    suite: ET.Element,
    classname: str,
    name: str,
    status: Status,
    detail: str,
    seconds: float,
    output: str = "",
    blame: Blame | None = None,
    notes: list[str] | None = None,
) -> None:
    """One testcase; a failure's or error's ``type`` names who is blamed (``blame:plugin``),
    upstream notes are properties.

    An inconclusive one is a ``<failure type="inconclusive">``, no blame: it is not a pass and
    makes the exit code 1, like a failure, so CI must not show it green (``<skipped>`` would,
    and hide it among scenarios that do not apply); nor is it an ``<error>``, which here means
    the harness or infrastructure broke (exit code 3). The type tells it from a defect."""
    case = ET.SubElement(suite, "testcase", classname=classname, name=name, time=f"{seconds:.3f}")
    if notes:
        props = ET.SubElement(case, "properties")
        for note in notes:
            ET.SubElement(props, "property", name="upstream-note", value=note)
    party = blame or (Blame.PLUGIN if status is Status.FAILED else Blame.INFRASTRUCTURE)
    kind = f"blame:{party.value}"
    message = f"[{kind}] {detail}"
    if status is Status.FAILED:
        ET.SubElement(case, "failure", message=message, type=kind).text = output or detail
    elif status is Status.ERROR:
        ET.SubElement(case, "error", message=message, type=kind).text = output or detail
    elif status is Status.INCONCLUSIVE:
        ET.SubElement(
            case, "failure", message=f"[inconclusive] {detail}", type="inconclusive"
        ).text = output or detail
    elif status is Status.SKIPPED:
        ET.SubElement(case, "skipped", message=detail)


def write_junit(report: RunReport, path: Path, mask: Masker) -> None:
    """One testsuite per scenario and MLflow version; one testcase per check."""
    root = ET.Element("testsuites", name="mlflow-plugin-harness")
    for result in report.results:
        _junit_suite(root, f"{report.plugin.name}.{result.scenario}", result)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, 0)) for suite in root)))
    root.set("time", f"{sum(r.duration_s for r in report.results):.3f}")
    props = ET.Element("properties")
    ET.SubElement(props, "property", name="upstream-notes", value=str(len(report.notes())))
    ET.SubElement(
        props,
        "property",
        name="inconclusive",  # counted in failures, not blamed
        value=str(report.summary()["inconclusive"]),
    )
    for party, count in report.blames().items():
        ET.SubElement(props, "property", name=f"blame:{party}", value=str(count))
    root.insert(0, props)
    ET.indent(root)
    path.write_text(mask(ET.tostring(root, encoding="unicode", xml_declaration=True)) + "\n")


def _junit_suite(root: ET.Element, classname: str, result: ScenarioResult) -> None:
    """One scenario under one MLflow version: a testcase per check, the output and container
    logs attached where something went wrong."""
    suite = ET.SubElement(
        root, "testsuite", name=f"{result.scenario}[mlflow {result.mlflow_version}]"
    )
    checks = result.checks or []
    logs = (f"--- log of {name} (last lines) ---\n{text}" for name, text in result.logs.items())
    attached = "\n".join([result.output, *logs]).strip()
    shown = (Status.FAILED, Status.ERROR, Status.INCONCLUSIVE)
    # skipped, errored or inconclusive before any check ran, or for a reason no check has
    if not checks or (
        result.status is not Status.PASSED and all(c.status is not result.status for c in checks)
    ):
        _testcase(
            suite,
            classname,
            "scenario",
            result.status,
            result.reason,
            result.duration_s if not checks else 0.0,
            attached if result.status in shown else "",
        )
    share = result.duration_s / max(len(checks), 1)
    for c in checks:
        shared = attached if c.status in shown else ""
        _testcase(suite, classname, c.name, c.status, c.detail, share, shared, c.blame, c.notes)
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for key, tag in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
        suite.set(key, str(sum(1 for case in cases if case.find(tag) is not None)))
    suite.set("time", f"{result.duration_s:.3f}")


def write_error_reports(
    plugin: str, kind: str, message: str, exit_code: int, report_dir: Path, mask: Masker
) -> None:
    """The run ended before any scenario (``kind``: "usage", bad input; "install", a plugin
    that cannot be installed): a report.json with no results and an ``error``, and a
    junit.xml whose one testcase carries the error, so CI still has something to publish."""
    data = RunReport(PluginInfo(plugin, "", "", []), []).to_dict()
    data["error"] = {"kind": kind, "message": message, "exit_code": exit_code}
    (report_dir / "report.json").write_text(mask(json.dumps(data, indent=2)) + "\n")
    counts = {"tests": "1", "failures": "0", "errors": "1", "skipped": "0", "time": "0.000"}
    root = ET.Element("testsuites", {"name": "mlflow-plugin-harness", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "harness.run", **counts})
    case = ET.SubElement(
        suite,
        "testcase",
        classname="harness.run",
        name="plugin-install" if kind == "install" else "usage",
        time="0.000",
    )
    ET.SubElement(case, "error", message=message, type=kind).text = message
    ET.indent(root)
    (report_dir / "junit.xml").write_text(
        mask(ET.tostring(root, encoding="unicode", xml_declaration=True)) + "\n"
    )


def _line(result: ScenarioResult, width: int) -> str:
    return (
        f"  {_MARK[result.status]:<{width}} {result.scenario:<22} {result.duration_s:6.1f}s  "
        f"MLflow {result.mlflow_version}"
    )


def _notes(result: ScenarioResult) -> list[str]:
    """What ran a scenario: its services, the transcripts it reused, what it tried to reach."""
    notes = []
    if result.services:
        served = ", ".join(
            f"{s.name}={s.image}"
            + (f" (stand-in for {s.substitute_for})" if s.substitute_for else "")
            for s in result.services
        )
        notes.append(f"services: {served}")
    if result.reused:
        notes.append(f"reused from the cache: {'; '.join(result.reused)}")
    if result.sandbox:
        notes.append(
            "sandbox: " + "; ".join(f"{a['attempt']} ({a['outcome']})" for a in result.sandbox)
        )
    return notes


def _ending(result: ScenarioResult) -> str:
    """How a scenario ended when its reason says why (and no check does), or ``""``."""
    if result.status is Status.SKIPPED:
        return "skipped"
    if result.status is Status.ERROR and not result.checks:
        return "error"
    if result.status is Status.INCONCLUSIVE and all(
        c.status is not Status.INCONCLUSIVE for c in result.checks
    ):
        return "inconclusive"
    return ""


def _alike(results: list[ScenarioResult]) -> dict[tuple[str, str], list[str]]:
    """The scenarios each ending and reason are shared by: the console says it once."""
    alike: dict[tuple[str, str], list[str]] = {}
    for result in results:
        if label := _ending(result):
            names = alike.setdefault((label, result.reason), [])
            if result.scenario not in names:
                names.append(result.scenario)
    return alike


def print_summary(report: RunReport, out: TextIO, mask: Masker) -> None:
    """A table a person reads: one line per scenario, then the checks that did not pass."""
    plugin = report.plugin
    print(f"\nplugin {plugin.name} {plugin.version} ({plugin.spec})", file=out)
    for ep in plugin.entry_points:
        state = "ok" if ep.loaded else f"FAILED: {ep.error}"
        if ep.overrides:
            state += f" (replaces MLflow's own {ep.name} store)"
        print(f"  {ep.group:<34} {ep.name:<20} {state}", file=out)
    print("", file=out)
    width = max([5, *(len(_MARK[r.status]) for r in report.results)])
    alike = _alike(report.results)
    among: dict[str, list[str]] = {}  # check -> notes about MLflow's stores only
    for result in report.results:
        print(mask(_line(result, width)), file=out)
        for note in _notes(result):  # whole in the reports
            print(_clip(mask(f"        {note}"), WIDTH, ""), file=out)
        label = _ending(result)
        if label and (names := alike.pop((label, result.reason), None)) is not None:
            which = f" ({len(names)} scenarios: {', '.join(names)})" if len(names) > 1 else ""
            print(_clip(mask(f"        {label}{which}: {result.reason}"), WIDTH, ""), file=out)
        for c in result.checks:
            if c.status is Status.INCONCLUSIVE:  # no verdict, so nobody to blame
                print(mask(f"        {_MARK[c.status]} {c.name}: {c.detail}"), file=out)
            elif c.status in (Status.FAILED, Status.ERROR):
                blame = c.blame.value if c.blame else "?"
                print(
                    mask(f"        {_MARK[c.status]} {c.name} [blame: {blame}]: {c.detail}"),
                    file=out,
                )
            theirs = [n for n in c.notes if n.startswith(AMONG_THEMSELVES)]
            among.setdefault(c.name, []).extend(n for n in theirs if n not in among[c.name])
            mine = [mask(n) for n in c.notes if n not in theirs]
            for line in console_notes(c.name, mine):
                print(f"        {line}", file=out)
    _among_themselves(among, out, mask)
    versions = report.versions()
    if len(versions) > 1:
        width = max(len(s) for s in report.matrix()) + 2
        cell = max(
            10, *(len(v) + 2 for v in versions), *(len(_MARK[r.status]) + 2 for r in report.results)
        )
        print("\ncompatibility matrix", file=out)
        print(f"  {'scenario':<{width}}" + "".join(f"{v:<{cell}}" for v in versions), file=out)
        for scenario, cells in report.matrix().items():
            marks = [_MARK[Status(cells[v]["status"])] if v in cells else "-" for v in versions]
            print(f"  {scenario:<{width}}" + "".join(f"{m:<{cell}}" for m in marks), file=out)
    blamed = ", ".join(f"{party} {n}" for party, n in report.blames().items() if n)
    print(
        "\n"
        + totals(report)
        + (f"; checks blamed on: {blamed}" if blamed else "")
        + f"; {len(report.notes())} upstream note(s) (MLflow's own stores do the same)",
        file=out,
    )


def _among_themselves(among: dict[str, list[str]], out: TextIO, mask: Masker) -> None:
    """Notes on MLflow's own stores disagreeing with each other: nothing about the plugin, so
    apart from its results, one line per check, each kind once (whole in the reports)."""
    for check, notes in among.items():
        if notes:
            kinds = sorted({n.removeprefix(f"{AMONG_THEMSELVES}: ").split(": ")[0] for n in notes})
            line = (
                f"\nnot about the plugin: {AMONG_THEMSELVES} among themselves in {check} "
                f"({len(notes)}): {', '.join(kinds)}"
            )
            print(_clip(mask(line), WIDTH, "; whole in report.html"), file=out)


def sandbox_line(sandbox: dict[str, Any]) -> str:
    """The mode an environment ran in and what the plugin could reach in it, in one line."""
    if sandbox.get("mode") == "sandboxed":
        return f"sandboxed as {sandbox['user']}; {sandbox['network']}; {sandbox['limits']}"
    if sandbox:
        return f"not sandboxed (--no-sandbox): the plugin could reach {sandbox['reach']}"
    return "not recorded"
