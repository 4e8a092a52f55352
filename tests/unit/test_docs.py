"""The README is an entry point, and every page of the documentation is reachable and whole: each
relative link names a file that exists, and each #anchor a heading of that page (GitHub's rules)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, ROOT / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md"))]
SCREENSHOT = DOCS / "report.png"

FENCE = re.compile(r"^ {0,3}(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(].*?[\"')])?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def prose(text: str) -> list[str]:
    """The lines of a Markdown text outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: rendered text, lower case, punctuation dropped,
    each space a hyphen."""
    text = INLINE_CODE.sub(lambda m: m.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link: its text
    text = re.sub(r"[*~]|(?<!\w)_|_(?!\w)", "", text)  # emphasis marks
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of ``page``, repeated headings numbered as GitHub numbers them."""
    seen: dict[str, int] = {}
    found = set()
    for line in prose(page.read_text()):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    """Every link target of ``page``, outside code (a link's text may run over lines)."""
    lines = [INLINE_CODE.sub("", line) for line in prose(page.read_text())]
    targets = LINK.findall("\n".join(lines))
    return targets + [m.group(1) for m in map(REFERENCE.match, lines) if m]


def relative(page: Path) -> list[tuple[str, Path, str]]:
    """(link, file it names, anchor) for each relative link of ``page``."""
    found = []
    for target in links(page):
        if not target or SCHEME.match(target):
            continue
        path, _, anchor = target.partition("#")
        found.append((target, (page.parent / path).resolve() if path else page, anchor))
    return found


def test_slugs_follow_githubs_rules():
    assert slug("Checks, verdicts and blame") == "checks-verdicts-and-blame"
    assert slug("A plugin's own scenarios") == "a-plugins-own-scenarios"
    assert slug("Recipe: a new workload kind") == "recipe-a-new-workload-kind"
    assert slug("`make test` and *more*") == "make-test-and-more"
    assert slug("Shards and merge") == "shards-and-merge"
    assert slug("MLflow version matrix (2.x × 3.x)") == "mlflow-version-matrix-2x--3x"


def test_links_are_found_outside_code_only(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "See [a](a.md#x) and ![b](b.png 'title'), not `[c](c.md)`, [a\nlink](g.md).\n"
        "```\n[d](d.md)\n```\n[e]: e.md\n<http://127.0.0.1/x> [f](#top)\n"
    )
    assert links(page) == ["a.md#x", "b.png", "g.md", "#top", "e.md"]
    assert [(str(path.name), anchor) for _, path, anchor in relative(page)] == [
        ("a.md", "x"),
        ("b.png", ""),
        ("g.md", ""),
        ("page.md", "top"),
        ("e.md", ""),
    ]


def test_the_readme_is_an_entry_point_of_at_most_12000_characters():
    assert len(README.read_text()) <= 12_000


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_every_relative_link_names_an_existing_file_and_heading(page):
    broken = []
    for target, path, anchor in relative(page):
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading '#{anchor}' in {path.name}")
    assert not broken, broken


def test_every_docs_page_and_contributing_is_linked_from_the_readme():
    linked = {path for _, path, _ in relative(README)}
    missing = [p.name for p in [ROOT / "CONTRIBUTING.md", *DOCS.glob("*.md")] if p not in linked]
    assert not missing, f"not linked from README.md: {missing}"


def test_the_readme_shows_a_screenshot_of_the_html_report():
    data = SCREENSHOT.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) <= 250_000, "keep the screenshot small"
    assert SCREENSHOT in {path for _, path, _ in relative(README)}
