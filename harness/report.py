"""Reports: the console summary, JUnit XML and JSON, all with secrets masked."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TextIO

from harness.results import Blame, RunReport, ScenarioResult, Status

_MARK = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.SKIPPED: "SKIP", Status.ERROR: "ERROR"}


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


def _testcase(suite: ET.Element, classname: str, name: str, status: Status, detail: str,
              seconds: float, output: str = "", blame: Blame | None = None,
              notes: list[str] | None = None) -> None:
    """One testcase; a failure's or error's ``type`` names who is blamed (``blame:plugin``),
    upstream notes are properties."""
    case = ET.SubElement(suite, "testcase", classname=classname, name=name, time=f"{seconds:.3f}")
    if notes:
        props = ET.SubElement(case, "properties")
        for note in notes:
            ET.SubElement(props, "property", name="upstream-note", value=note)
    kind = f"blame:{(blame or (Blame.PLUGIN if status is Status.FAILED else Blame.INFRASTRUCTURE)).value}"
    message = f"[{kind}] {detail}"
    if status is Status.FAILED:
        ET.SubElement(case, "failure", message=message, type=kind).text = output or detail
    elif status is Status.ERROR:
        ET.SubElement(case, "error", message=message, type=kind).text = output or detail
    elif status is Status.SKIPPED:
        ET.SubElement(case, "skipped", message=detail)


def write_junit(report: RunReport, path: Path, mask: Masker) -> None:
    """One testsuite per scenario and MLflow version; one testcase per check."""
    root = ET.Element("testsuites", name="mlflow-plugin-harness")
    for result in report.results:
        suite = ET.SubElement(root, "testsuite", name=f"{result.scenario}[mlflow {result.mlflow_version}]")
        classname = f"{report.plugin.name}.{result.scenario}"
        checks = result.checks or []
        if not checks:  # skipped or errored before any check ran
            _testcase(suite, classname, "scenario", result.status, result.reason, result.duration_s)
        share = result.duration_s / max(len(checks), 1)
        attached = "\n".join([result.output, *(f"--- log of {name} (last lines) ---\n{text}"
                                               for name, text in result.logs.items())]).strip()
        for c in checks:
            _testcase(suite, classname, c.name, c.status, c.detail, share,
                      attached if c.status in (Status.FAILED, Status.ERROR) else "", c.blame,
                      c.notes)
        counts = {s: sum(1 for c in checks if c.status is s) for s in Status}
        suite.set("tests", str(max(len(checks), 1)))
        suite.set("failures", str(counts[Status.FAILED]))
        suite.set("errors", str(counts[Status.ERROR] + (not checks and result.status is Status.ERROR)))
        suite.set("skipped", str(counts[Status.SKIPPED] + (not checks and result.status is Status.SKIPPED)))
        suite.set("time", f"{result.duration_s:.3f}")
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, 0)) for suite in root)))
    root.set("time", f"{sum(r.duration_s for r in report.results):.3f}")
    props = ET.Element("properties")
    ET.SubElement(props, "property", name="upstream-notes", value=str(len(report.notes())))
    for party, count in report.blames().items():
        ET.SubElement(props, "property", name=f"blame:{party}", value=str(count))
    root.insert(0, props)
    ET.indent(root)
    path.write_text(mask(ET.tostring(root, encoding="unicode", xml_declaration=True)) + "\n")


def _line(result: ScenarioResult) -> str:
    return f"  {_MARK[result.status]:<5} {result.scenario:<22} {result.duration_s:6.1f}s  MLflow {result.mlflow_version}"


def print_summary(report: RunReport, out: TextIO, mask: Masker) -> None:
    """A table a person reads: one line per scenario, then the checks that did not pass."""
    plugin = report.plugin
    print(f"\nplugin {plugin.name} {plugin.version} ({plugin.spec})", file=out)
    for ep in plugin.entry_points:
        state = "ok" if ep.loaded else f"FAILED: {ep.error}"
        print(f"  {ep.group:<34} {ep.name:<20} {state}", file=out)
    print("", file=out)
    for result in report.results:
        print(mask(_line(result)), file=out)
        if result.services:
            served = ", ".join(f"{s.name}={s.image}" + (f" (stand-in for {s.substitute_for})"
                                                       if s.substitute_for else "")
                               for s in result.services)
            print(mask(f"        services: {served}"), file=out)
        if result.status is Status.SKIPPED:
            print(mask(f"        skipped: {result.reason}"), file=out)
        elif result.status is Status.ERROR and not result.checks:
            print(mask(f"        error: {result.reason}"), file=out)
        for c in result.checks:
            if c.status in (Status.FAILED, Status.ERROR):
                blame = c.blame.value if c.blame else "?"
                print(mask(f"        {_MARK[c.status]} {c.name} [blame: {blame}]: {c.detail}"),
                      file=out)
            for note in c.notes:
                print(mask(f"        NOTE {c.name}: {note}"), file=out)
    versions = report.versions()
    if len(versions) > 1:
        width = max(len(s) for s in report.matrix()) + 2
        print("\ncompatibility matrix", file=out)
        print(f"  {'scenario':<{width}}" + "".join(f"{v:<10}" for v in versions), file=out)
        for scenario, cells in report.matrix().items():
            marks = [_MARK[Status(cells[v]["status"])] if v in cells else "-" for v in versions]
            print(f"  {scenario:<{width}}" + "".join(f"{m:<10}" for m in marks), file=out)
    counts = report.summary()
    blamed = ", ".join(f"{party} {n}" for party, n in report.blames().items() if n)
    print("\n" + ", ".join(f"{n} {k}" for k, n in counts.items())
          + (f"; checks blamed on: {blamed}" if blamed else "")
          + f"; {len(report.notes())} upstream note(s) (MLflow's own stores do the same)",
          file=out)
