"""Long traces: split into pages linked without JavaScript, and loaded on demand
into the first page by trace.js (same origin only, no innerHTML)."""

from __future__ import annotations

import re

import pytest
import yaml

from browser import chromium, served
from generator.build import build_site
from projects import copy_example
from sitecheck import broken_links, parse

RUN = "swe-agent-gpt-4o-2026-02"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = copy_example(tmp_path_factory.mktemp("long") / "p")
    cfg = yaml.safe_load((root / "tracesite.yaml").read_text())
    cfg["limits"].update(steps_per_page=10, run_page_steps=0)
    (root / "tracesite.yaml").write_text(yaml.safe_dump(cfg))
    site = root / "site"
    result = build_site(root, site)
    run = next(r for r in result.runs if r.run.id == RUN)
    trace = next(t for t in run.traces if t.steps > 10)
    return site, trace


def test_pages_link_to_each_other_without_javascript(built):
    site, trace = built
    assert len(trace.page_urls) == -(-trace.steps // 10) >= 2
    first = parse(site / trace.page_urls[0])
    assert any(h.endswith(trace.page_urls[1].rsplit("/", 1)[1]) for h, _ in first.links)
    html = (site / trace.page_urls[0]).read_text()
    assert re.search(r'<a href="[^"]+" rel="next">2</a>', html)
    assert 'src="../../../assets/trace.js"' in html
    # Page 1 holds steps 1-10, page 2 the next ones: every step is on exactly one page.
    ids = [i for url in trace.page_urls for i in parse(site / url).ids if re.fullmatch(r"step-\d+", i)]
    assert sorted(ids, key=lambda s: int(s[5:])) == [f"step-{n}" for n in range(1, trace.steps + 1)]
    problems, _ = broken_links(site)
    assert problems == []


def test_next_steps_load_on_demand(built):
    site, trace = built
    problems, requests = [], []
    with chromium() as browser, served(site) as origin:
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{origin}/{trace.page_urls[0]}")
        assert page.locator("ol.steps > li.step").count() == 10
        for _ in trace.page_urls[1:]:
            # Generous waits: the suite runs browsers in parallel on two cores.
            page.click("button.load-more:not([disabled])", timeout=60_000)
            page.wait_for_function("document.querySelector('[role=status]').textContent.indexOf('loaded') >= 0",
                                   timeout=60_000)
            page.evaluate("document.querySelector('[role=status]').textContent = ''")
        assert page.locator("ol.steps > li.step").count() == trace.steps
        assert page.locator("button.load-more").count() == 0
        # The loaded steps keep their anchors: a link to the last step now resolves on this page.
        assert page.locator(f"#step-{trace.steps}").count() == 1
    assert problems == []
    assert all(u.startswith(origin) for u in requests)
    assert sum(1 for u in requests if u.endswith(".html")) == len(trace.page_urls)
