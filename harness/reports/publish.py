"""The report files of a run: JSON, JUnit XML and HTML, written together, secrets masked."""

from __future__ import annotations

from pathlib import Path

from harness.model.results import RunReport
from harness.reports.html import write_html
from harness.reports.report import Masker, write_json, write_junit


def write_reports(report: RunReport, report_dir: Path) -> Masker:
    """report.json, junit.xml and report.html in ``report_dir``, every secret masked; the mask,
    for whatever else the caller prints."""
    mask = Masker(report.secrets)
    report_dir.mkdir(parents=True, exist_ok=True)
    write_json(report, report_dir / "report.json", mask)
    write_junit(report, report_dir / "junit.xml", mask)
    write_html(report, report_dir / "report.html", mask)
    return mask
