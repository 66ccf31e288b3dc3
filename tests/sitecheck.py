"""Test helper: parse a built site and check that links resolve to pages and anchors."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (href, class)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a and a["id"]:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], a.get("class") or ""))
        if tag == "link" and a.get("href"):
            self.links.append((a["href"], "link"))


def parse(path: Path) -> _Collector:
    c = _Collector()
    c.feed(path.read_text(encoding="utf-8"))
    return c


def broken_links(site: Path, only_class: str | None = None) -> tuple[list[str], int]:
    """Every internal link (or only those whose class contains ``only_class``)
    that does not reach an existing file and, when it has one, an element id.
    Returns (problems, number of links checked)."""
    pages = {p: parse(p) for p in site.rglob("*.html")}
    problems, checked = [], 0
    for page, c in pages.items():
        for href, cls in c.links:
            if only_class and only_class not in cls.split():
                continue
            if urlsplit(href).scheme or href.startswith("//") or href.startswith("mailto:"):
                continue
            url, frag = urldefrag(href)
            target = (page.parent / unquote(url)).resolve() if url else page
            checked += 1
            if not target.is_file():
                problems.append(f"{page.relative_to(site)}: {href} -> missing file")
                continue
            if frag:
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(frag) not in ids:
                    problems.append(f"{page.relative_to(site)}: {href} -> missing anchor #{frag}")
    return problems, checked


# A link to a trace step: "#step-12" on a trace's own page, "#t~<trace>~step-12" on its run's page.
STEP_ANCHOR = re.compile(r"#(?:t~[^#~]+~)?step-\d+$")


def trace_html(site: Path, result, run_id: str, task_id: str, trial: int | None = None) -> str:
    """The HTML of the page holding the first steps of a run's attempt at ``task_id`` (its own
    page, or its run's page when the trace is shown there)."""
    run = next(r for r in result.runs if r.run.id == run_id)
    t = next(t for t in run.traces if t.task_id == task_id and (trial is None or t.trial == trial))
    return (site / t.page_urls[0]).read_text(encoding="utf-8")
