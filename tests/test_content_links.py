"""Links written in content pages are checked against the built site (generator/links.py):
a link or image that leads to no page of the site is a warning at its line, and one
whose target page failed to build is reported too."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import build_site
from generator.links import site_target
from projects import copy_example


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    return copy_example(tmp_path / "p")


def _link_findings(result) -> list[tuple[str, str, str]]:
    return [(f.file, f.place, f.message) for f in result.findings if f.rule == "links"]


def test_the_example_has_no_dead_links(project):
    result = build_site(project, project / "site")
    assert _link_findings(result) == []


def test_dead_links_and_images_are_warnings_at_their_line(project):
    page = project / "content" / "notes" / "links.md"
    page.parent.mkdir()
    page.write_text("---\ntitle: Links\n---\n# Links\n\n"  # the body starts on line 4
                    "A [board](../../benchmarks/retail-desk/index.html), a [run](../../runs/northwind-gpt-4o-2026-03/)\n"
                    "and [home](../../) are fine; [elsewhere](https://example.org/x) and [mail](mailto:a@b.c)\n"
                    "are not followed, nor is [this page's heading](#links); [method](../../method) names a\n"
                    "folder without its slash.\n\n"
                    "A [missing board](../../benchmarks/nope/index.html#runs) on line 11,\n"
                    "and ![a diagram](diagram.png) on line 12, [outside](../../../../etc/passwd) on line 12 too.\n",
                    encoding="utf-8")
    result = build_site(project, project / "site")
    found = _link_findings(result)
    assert [(f, p) for f, p, _ in found] == [("content/notes/links.md", "line 11"),
                                              ("content/notes/links.md", "line 12"),
                                              ("content/notes/links.md", "line 12")]
    assert "'benchmarks/nope/index.html', which the site does not have" in found[0][2]
    assert found[1][2].startswith("image 'diagram.png' leads to 'notes/links/diagram.png'")
    assert "outside the site" in found[2][2]
    assert all(f.severity == "warning" for f in result.findings if f.rule == "links")
    assert result.errors == []


def test_a_link_to_a_page_that_failed_to_build_is_reported(project):
    method = project / "content" / "method.md"
    method.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    result = build_site(project, project / "site")
    assert not (project / "site" / "method" / "index.html").exists()
    found = _link_findings(result)
    index_md = (project / "content" / "index.md").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(index_md, 1) if "(method/index.html)" in text)
    assert ("content/index.md", f"line {line}") in [(f, p) for f, p, _ in found]


@pytest.mark.parametrize("page,url,target", [
    ("index.html", "method/index.html", "method/index.html"),
    ("notes/a/index.html", "../../runs/x/", "runs/x/index.html"),
    ("notes/a/index.html", "/benchmarks/b/index.html?x=1#y", "benchmarks/b/index.html"),
    ("index.html", "./", "index.html"),
    ("index.html", "a%20b.html", "a b.html"),
    ("index.html", "#top", None),
    ("index.html", "https://example.org/", None),
    ("index.html", "//cdn.example/x.js", None),
    ("index.html", "mailto:x@y.z", None),
])
def test_site_target(page, url, target):
    assert site_target(page, url) == target


def test_the_message_shows_the_url_as_written():
    from markdown_it import MarkdownIt

    from generator.links import broken_links, markdown_targets

    targets = markdown_targets(MarkdownIt("commonmark"), "[c](café/) and [m](method)\n")
    found = broken_links("content/x.md", "x/index.html", targets, 1, {"x/method/index.html"})
    assert [f.message.split(" leads")[0] for f in found] == ["link 'café/'"]
