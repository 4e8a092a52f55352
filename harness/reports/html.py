"""The HTML report: one self-contained file (styles inline, screenshots embedded, no script,
nothing fetched) with the verdict, the compatibility matrix, environments, and each scenario's
checks, services, container log excerpts and screenshots. Secrets are masked before any image
is embedded."""

from __future__ import annotations

import base64
import datetime as dt
from html import escape
from pathlib import Path

from harness.model.results import RunReport, ScenarioResult, Status
from harness.reports.report import LABELS, Masker, sandbox_line, totals, verdict

LEGEND = {  # what each status means, shown under the verdict
    Status.PASSED: "every check held",
    Status.FAILED: "a check found a defect in the plugin",
    Status.INCONCLUSIVE: "the plugin could not be put to the test (the reason says what the "
    "harness lacks): not a pass, not a defect",
    Status.SKIPPED: "does not apply to this plugin",
    Status.ERROR: "the harness or the infrastructure broke",
}

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f5f5f5}
.passed{background:#e6f4ea;color:#137333}.failed{background:#fce8e6;color:#a50e0e}
.skipped{background:#f1f3f4;color:#5f6368}.error{background:#fef7e0;color:#8a4b00}
.inconclusive{background:#f3e8fd;color:#681da8}
.badge{display:inline-block;padding:0 .5em;border-radius:3px;font-weight:600}
.verdict{font-size:1.2em;padding:.4em .8em;border-radius:4px;display:inline-block;
white-space:pre-line}
pre{background:#f8f8f8;border:1px solid #eee;padding:.6em;overflow:auto;max-height:24em;
font-size:12px}details{margin:.6em 0;border:1px solid #e3e3e3;border-radius:4px;padding:.4em .8em}
summary{cursor:pointer;font-weight:600}img{max-width:100%;border:1px solid #ccc}
.muted{color:#666}
"""


def _badge(status: Status | str) -> str:
    value = status.value if isinstance(status, Status) else status
    return f'<span class="badge {value}">{value}</span>'


def _matrix(report: RunReport) -> str:
    versions = report.versions()
    head = "".join(f"<th>MLflow {escape(v)}</th>" for v in versions)
    rows = []
    for scenario, cells in report.matrix().items():
        tds = "".join(
            f'<td class="{c["status"]}" title="{escape(c["reason"])}">{c["status"]}'
            + (
                f'<div class="muted">{escape(c["reason"][:160])}</div>'
                if c["reason"]  # a passed upgrade cell says what it read back
                else ""
            )
            + "</td>"
            if (c := cells.get(v))
            else "<td>-</td>"
            for v in versions
        )
        rows.append(f"<tr><th>{escape(scenario)}</th>{tds}</tr>")
    return f"<table><tr><th>scenario</th>{head}</tr>{''.join(rows)}</table>"


def _environments(report: RunReport) -> str:
    rows = []
    for env in report.environments:
        if env.get("installable"):
            extra = "; ".join(env.get("constraints") or []) or "none"
            rows.append(
                f"<tr><td>{escape(env['mlflow_version'])}</td><td>"
                f"{'reused' if env['reused'] else 'built'} in {env['seconds']} s</td>"
                f"<td>{escape(env.get('processes', 'fresh processes'))}</td>"
                f"<td>{escape(sandbox_line(env.get('sandbox') or {}))}</td>"
                f"<td>{escape(extra)}</td><td><code>{escape(env['path'])}</code></td></tr>"
            )
        else:
            rows.append(
                f"<tr><td>{escape(str(env['mlflow_version']))}</td>"
                f"<td colspan=4>{escape(env['reason'])}</td></tr>"
            )
    return (
        "<table><tr><th>MLflow</th><th>environment</th><th>processes</th><th>sandbox</th>"
        "<th>added constraints</th>"
        f"<th>path</th></tr>{''.join(rows)}</table>"
    )


def _entry_points(report: RunReport) -> str:
    rows = "".join(
        f"<tr><td>{escape(ep.group)}</td><td>{escape(ep.name)}</td><td><code>{escape(ep.value)}"
        f"</code></td><td>{_badge(Status.PASSED) if ep.loaded else _badge(Status.FAILED)} "
        f"{escape(ep.error or '')}"
        f"{' replaces MLflow&#x27;s own ' + escape(ep.name) + ' store' if ep.overrides else ''}"
        "</td></tr>"
        for ep in report.plugin.entry_points
    )
    return f"<table><tr><th>group</th><th>name</th><th>object</th><th>loads</th></tr>{rows}</table>"


def _where(result: ScenarioResult) -> list[str]:
    """Its services, the transcripts it reused and its stores."""
    parts = []
    if result.services:
        served = ", ".join(
            f"{escape(s.name)} = <code>{escape(s.image)}</code>"
            + (f" (stand-in for {escape(s.substitute_for)})" if s.substitute_for else "")
            for s in result.services
        )
        parts.append(f"<p>services: {served}</p>")
    if result.reused:
        parts.append(f"<p>reused from the cache: {escape('; '.join(result.reused))}</p>")
    if result.sandbox:
        items = "".join(
            f"<li>{escape(a['attempt'])}: {escape(a['outcome'])}</li>" for a in result.sandbox
        )
        parts.append(f"<p>sandbox: what its processes tried to reach</p><ul>{items}</ul>")
    if result.stores:
        stores = ", ".join(
            f"{escape(role)} <code>{escape(str(uri))}</code>"
            for role, uri in result.stores.items()
            if uri
        )
        parts.append(f"<p>stores: {stores}</p>")
    return parts


def _scenario(result: ScenarioResult, images: dict[str, str]) -> str:
    bad = (Status.FAILED, Status.ERROR, Status.INCONCLUSIVE)
    shown = result.status in bad or result.attachments
    parts = [
        f"<details{' open' if shown else ''}>"
        f"<summary>{_badge(result.status)} {escape(result.scenario)} "
        f"<span class=muted>MLflow {escape(result.mlflow_version)} · "
        f"{result.duration_s:.1f} s</span></summary>"
    ]
    if result.reason:
        parts.append(f"<p>{escape(result.reason)}</p>")
    parts += _where(result)
    if result.checks:
        rows = "".join(
            f"<tr><td>{escape(c.name)}</td><td>{_badge(c.status)}</td>"
            f"<td>{escape(c.blame.value) if c.blame else ''}</td><td>{escape(c.detail)}"
            + "".join(f'<div class="muted">upstream: {escape(n)}</div>' for n in c.notes)
            + "</td></tr>"
            for c in result.checks
        )
        parts.append(
            "<table><tr><th>check</th><th>status</th><th>blame</th><th>detail</th></tr>"
            f"{rows}</table>"
        )
    for name, file in result.attachments.items():
        if not file.endswith(".png"):  # a file to download: the domain workload's script
            parts.append(
                f'<p><b>{escape(name)}</b>: <a href="{escape(file)}">{escape(file)}</a></p>'
            )
            continue
        key = f"@@IMAGE:{result.scenario}:{result.mlflow_version}:{name}@@"
        parts.append(f"<p><b>{escape(name)}</b></p><p>{key}</p>")
        images[key] = result.attachments[name]
    for container, text in result.logs.items():
        parts.append(
            f"<p><b>log of {escape(container)}</b> (last lines)</p><pre>{escape(text)}</pre>"
        )
    if result.output and result.status in bad:
        parts.append(f"<p><b>workload output</b></p><pre>{escape(result.output[-6000:])}</pre>")
    parts.append("</details>")
    return "".join(parts)


def _shard(report: RunReport) -> str:
    """``shard 2/3 (6 of 19 items of selection 1a2b3c4d) · ``, or nothing for a whole run."""
    shard = report.shard
    if not shard:
        return ""
    return escape(
        f"shard {shard['index']}/{shard['total']} ({len(shard['items'])} of {len(shard['of'])} "
        f"items of selection {shard['selection'][:8]}) · "
    )


def render(report: RunReport, mask: Masker, report_dir: Path) -> str:
    _, status, why = verdict(report)
    css, label = status.value, LABELS[status]
    blamed = ", ".join(f"{party} {n}" for party, n in report.blames().items() if n)
    plugin = report.plugin
    images: dict[str, str] = {}
    body = [
        f"<h1>MLflow plugin harness: {escape(plugin.name)} {escape(plugin.version)}</h1>",
        f"<p class=muted>{escape(plugin.spec)} · run {escape(report.run_id)} · "
        f"{_shard(report)}{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}</p>",
        f'<p class="verdict {css}">{label}: {escape(why)}</p>',
        f"<p>{totals(report)}</p>",
        "<p class=muted>"
        + " · ".join(f"{_badge(s)} {escape(m)}" for s, m in LEGEND.items())
        + "</p>",
        f"<p>checks blamed on: {escape(blamed or 'nobody')}; "
        f"{len(report.notes())} upstream note(s): differences MLflow's own stores share, "
        "not held against the plugin</p>",
        "<h2>Compatibility matrix</h2>",
        _matrix(report),
        "<h2>Environments</h2>",
        _environments(report),
        "<h2>Entry points</h2>",
        _entry_points(report),
        "<h2>Scenarios</h2>",
        *(_scenario(r, images) for r in report.results),
    ]
    text = mask(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(plugin.name)}: MLflow plugin harness report</title>"
        f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )
    for key, relative in images.items():
        file = report_dir / relative
        if file.is_file():
            data = base64.b64encode(file.read_bytes()).decode()
            tag = f'<img alt="{escape(relative)}" src="data:image/png;base64,{data}">'
        else:
            tag = f"<span class=muted>{escape(relative)} is missing</span>"
        text = text.replace(key, tag)  # placeholders have no characters that escape changes
    return text


def write_html(report: RunReport, path: Path, mask: Masker) -> None:
    path.write_text(render(report, mask, path.parent))


def write_error_html(plugin: str, message: str, path: Path, mask: Masker) -> None:
    """The run ended before any scenario: the error in place of a report (and of a stale one)."""
    path.write_text(
        mask(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>MLflow plugin harness: "
            f"error</title><style>{STYLE}</style></head><body><h1>MLflow plugin harness: "
            f'{escape(plugin)}</h1><p class="verdict error">ERROR: {escape(message)}</p>'
            "<p class=muted>no scenario ran</p></body></html>\n"
        )
    )
