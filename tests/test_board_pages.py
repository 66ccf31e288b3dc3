"""Leaderboard pages (issue 7): a board is split into pages of ``limits.runs_per_page`` rows in
rank order, unranked runs last; the pages link to each other; every run is on exactly one
page and links to its row reach that page; ``rows.json`` (for board.js) lists the runs in
page order; the charts are SVG files shown as images; and the first page of a 1,000-run
board stays within the budget of 1,500 elements and 20 KB of gzip."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from generator.aggregate import leaderboard
from generator.build import board_page_path, board_pages, build_site
from generator.config import Limits
from generator.discover import discover
from generator.render import Renderer
from projects import copy_example
from sitecheck import broken_links, parse

BOARD = "paged-desk"
PER_PAGE = 4
RANKED, UNRANKED = 13, 3


def _set_runs_per_page(project: Path, n: int) -> None:
    cfg = project / "tracesite.yaml"
    text = cfg.read_text(encoding="utf-8")
    assert "  steps_per_page: 500\n" in text
    cfg.write_text(text.replace("  steps_per_page: 500\n", f"  steps_per_page: 500\n  runs_per_page: {n}\n"),
                   encoding="utf-8")


def _add_board(project: Path, ranked: int, unranked: int, board: str = BOARD) -> None:
    """A board of claimed runs (no traces: ranked by their declared score) and runs of an
    unregistered agent (check errors: not ranked)."""
    reg = project / "registry"
    benches = yaml.safe_load((reg / "benchmarks.yaml").read_text(encoding="utf-8"))
    benches[board] = {"name": "Paged Desk", "description": "A board with enough runs to be paginated.",
                      "metric": {"name": "pass^1", "aggregation": "pass^k", "k": 1}}
    (reg / "benchmarks.yaml").write_text(yaml.safe_dump(benches, sort_keys=False), encoding="utf-8")
    agents = yaml.safe_load((reg / "agents.yaml").read_text(encoding="utf-8"))
    for i in range(4):
        agents[f"page-agent-{i}"] = {"name": f"Page Agent {'ABCD'[i]}", "organisation": f"Org {i % 3}",
                                     "models": [f"model-{i}"], "open_weights": i % 2 == 0}
    (reg / "agents.yaml").write_text(yaml.safe_dump(agents, sort_keys=False), encoding="utf-8")
    for i in range(ranked + unranked):
        run_id = f"{board}-{i:04d}"
        meta = {"id": run_id, "agent": f"page-agent-{i % 4}" if i < ranked else "ghost-agent",
                "model": f"model-{i % 4}", "benchmark": board,
                "submitted": (dt.date(2025, 1, 1) + dt.timedelta(days=i % 400)).isoformat(),
                "declared": {"overall": round(((i * 389) % 1000) / 1000, 3), "source": "test"}}
        (project / "traces" / run_id).mkdir()
        (project / "traces" / run_id / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False),
                                                              encoding="utf-8")


@pytest.fixture(scope="module")
def paged(tmp_path_factory):
    base = tmp_path_factory.mktemp("board_pages")
    project = copy_example(base / "project")
    _set_runs_per_page(project, PER_PAGE)
    _add_board(project, RANKED, UNRANKED)
    site = base / "site"
    result = build_site(project, site)
    assert {f.run for f in result.errors} == {f"{BOARD}-{i:04d}" for i in range(RANKED, RANKED + UNRANKED)}, \
        [f.format() for f in result.errors]
    return SimpleNamespace(project=project, site=site, result=result)


class _Rows(HTMLParser):
    """Rows of the board tables of a page, in order: (id, data-rank, table classes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, str, str]] = []
        self.table = ""
        self.elements = 0

    def handle_starttag(self, tag, attrs):
        self.elements += 1
        a = dict(attrs)
        if tag == "table":
            self.table = a.get("class") or ""
        elif tag == "tr" and (a.get("id") or "").startswith("run-"):
            self.rows.append((a["id"][4:], a.get("data-rank") or "", self.table))

    def handle_startendtag(self, tag, attrs):
        self.elements += 1


def _rows(path: Path) -> _Rows:
    p = _Rows()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _board(paged):
    project = discover(paged.project)
    runs = [r for r in paged.result.runs if r.run.benchmark == BOARD]
    return leaderboard(project.registry.benchmarks[BOARD], runs, project.config.rank_runs_with_errors)


def test_pages_exist_in_rank_order_with_every_run_once(paged):
    total = RANKED + UNRANKED
    pages = -(-total // PER_PAGE)
    folder = paged.site / "benchmarks" / BOARD
    assert (folder / "index.html").is_file()
    assert sorted(p.name for p in (folder / "page").iterdir()) == sorted(f"{n}.html" for n in range(2, pages + 1))
    seen: list[tuple[str, str, str]] = []
    for n in range(1, pages + 1):
        rows = _rows(paged.site / board_page_path(BOARD, n)).rows
        assert 0 < len(rows) <= PER_PAGE
        assert len(rows) == PER_PAGE or n == pages
        seen += rows
    ids = [r[0] for r in seen]
    assert len(ids) == len(set(ids)) == total  # every run exactly once
    assert set(ids) == {r.run.id for r in paged.result.runs if r.run.benchmark == BOARD}
    ranked = [r for r in seen if "unranked" not in r[2].split()]
    unranked = [r for r in seen if "unranked" in r[2].split()]
    assert len(ranked) == RANKED and len(unranked) == UNRANKED
    assert seen == ranked + unranked  # the unranked runs come after every ranked one
    assert all(r[1] == "" for r in unranked)
    ranks = [int(r[1]) for r in ranked]
    assert ranks == sorted(ranks) and ranks[0] == 1
    # the same order as the board itself and its open data
    board = _board(paged)
    assert ids == [rs.run.id for _, rs in board.ranked] + [rs.run.id for rs in board.unranked]
    data = json.loads((folder / "leaderboard.json").read_text(encoding="utf-8"))
    assert [r["run_id"] for r in data["runs"]] == ids


def test_not_ranked_section_only_where_unranked_rows_are(paged):
    pages = -(-(RANKED + UNRANKED) // PER_PAGE)
    for n in range(1, pages + 1):
        html = (paged.site / board_page_path(BOARD, n)).read_text(encoding="utf-8")
        rows = _rows(paged.site / board_page_path(BOARD, n)).rows
        has_unranked = any("unranked" in r[2].split() for r in rows)
        assert ("<h2 id=\"not-ranked\">Not ranked</h2>" in html) == has_unranked
        has_ranked = any("unranked" not in r[2].split() for r in rows)
        assert ('<table class="board">' in html) == has_ranked
    last = (paged.site / board_page_path(BOARD, pages)).read_text(encoding="utf-8")
    assert "These runs have check errors or no score, so they are not ranked." in last


def test_pages_link_to_each_other(paged):
    pages = -(-(RANKED + UNRANKED) // PER_PAGE)
    for n in range(1, pages + 1):
        path = paged.site / board_page_path(BOARD, n)
        html = path.read_text(encoding="utf-8")
        pager = re.search(r'<nav class="pager board-pager"[^>]*>(.*?)</nav>', html, re.S)
        assert pager, n
        links = re.findall(r'<a href="([^"]+)"([^>]*)>([^<]*)</a>', pager.group(1))
        resolved = {(path.parent / href).resolve(): (attrs, text) for href, attrs, text in links}
        for m in range(1, pages + 1):  # five pages: every number is shown
            assert (paged.site / board_page_path(BOARD, m)).resolve() in resolved
        current = resolved[path.resolve()]
        assert 'aria-current="page"' in current[0]
        prev = [href for href, attrs, _ in links if 'rel="prev"' in attrs]
        nxt = [href for href, attrs, _ in links if 'rel="next"' in attrs]
        assert len(prev) == (n > 1) and len(nxt) == (n < pages)
        if prev:
            assert (path.parent / prev[0]).resolve() == (paged.site / board_page_path(BOARD, n - 1)).resolve()
        if nxt:
            assert (path.parent / nxt[0]).resolve() == (paged.site / board_page_path(BOARD, n + 1)).resolve()
        assert f"(page {n} of {pages})" in html
    problems, checked = broken_links(paged.site)
    assert problems == [] and checked > 100


def test_links_to_a_runs_row_reach_the_page_that_holds_it(paged):
    board = _board(paged)
    urls = {rs.run.id: f"{board_page_path(BOARD, n)}#run-{rs.run.id}"
            for n, chunk in enumerate(board_pages(board, PER_PAGE), 1) for _, rs in chunk}
    assert len(urls) == RANKED + UNRANKED
    pages = {}
    for run_id, url in urls.items():
        path, _, frag = url.partition("#")
        assert frag == f"run-{run_id}"
        target = paged.site / path
        if target not in pages:
            pages[target] = parse(target).ids
        assert frag in pages[target], url
    # the first rows are on the board's own page, the last on its last page
    order = [rs.run.id for _, rs in board.ranked] + [rs.run.id for rs in board.unranked]
    assert urls[order[0]].startswith(f"benchmarks/{BOARD}/index.html#")
    assert urls[order[PER_PAGE]].startswith(f"benchmarks/{BOARD}/page/2.html#")
    assert urls[order[-1]].startswith(f"benchmarks/{BOARD}/page/{-(-len(order) // PER_PAGE)}.html#")


def test_rows_json_lists_every_run_in_page_order(paged):
    folder = paged.site / "benchmarks" / BOARD
    view = json.loads((folder / "rows.json").read_text(encoding="utf-8"))
    assert view["per_page"] == PER_PAGE and view["ranked"] == RANKED
    pages = -(-(RANKED + UNRANKED) // PER_PAGE)
    on_pages = [r[0] for n in range(1, pages + 1) for r in _rows(paged.site / board_page_path(BOARD, n)).rows]
    assert [r["id"] for r in view["runs"]] == on_pages
    ghost = view["runs"][-1]
    assert ghost["rank"] is None and ghost["unregistered"] and ghost["status"]["class"] == "bad"
    first = view["runs"][0]
    assert first["rank"] == 1 and first["status"] == {"class": "warn", "text": "claimed", "title":
                                                       "no traces were submitted: the score is the submitter's claim"}
    assert first["url"].startswith("runs/") and first["open_weights"] in (True, False)
    # the page says where it is and where the data is, for board.js
    html = (folder / "page" / "2.html").read_text(encoding="utf-8")
    box = re.search(r'<div class="board-runs" id="runs"([^>]*)>', html).group(1)
    attrs = dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', box))
    assert attrs["data-view"] == f"../../../benchmarks/{BOARD}/rows.json"
    assert attrs["data-page"] == "2" and attrs["data-pages"] == str(pages) and attrs["data-per-page"] == str(PER_PAGE)
    assert attrs["data-first-page"] == f"../../../benchmarks/{BOARD}/index.html"
    assert attrs["data-page-base"] == f"../../../benchmarks/{BOARD}/page/"


def test_charts_are_svg_files_shown_as_images(paged):
    folder = paged.site / "benchmarks" / "retail-desk"  # traced runs with cost, tokens and dates
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "<svg" not in html.split('<section class="charts">', 1)[1]  # no inline chart
    imgs = re.findall(r'<img src="([^"]+)" alt="([^"]+)" width="(\d+)" height="(\d+)" loading="lazy"', html)
    assert {Path(src).name for src, *_ in imgs} == {"chart-cost.svg", "chart-tokens.svg", "chart-timeline.svg"}
    for src, alt, width, height in imgs:
        assert (folder / src).resolve().parent == folder.resolve()
        svg = (folder / src).read_bytes()
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("width") == width
        assert root.get("height") == height
        assert [e.tag.split("}")[1] for e in root.iter() if e.tag.endswith(("script", "foreignObject"))] == []
        assert len(root.findall("{http://www.w3.org/2000/svg}style")) == 1
        assert not any("style" in e.attrib or any(k.startswith("on") for k in e.attrib) for e in root.iter())
        title = root.find("{http://www.w3.org/2000/svg}title").text
        assert alt.startswith(title + ". ") and "run" in alt
        # the points still link to their runs, relative to the board folder the file is in
        hrefs = [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]
        assert hrefs and all((folder / h).is_file() for h in hrefs)
    # a chart is on the first page only
    paged_html = (paged.site / board_page_path(BOARD, 2)).read_text(encoding="utf-8")
    assert 'class="charts"' not in paged_html


def test_board_pages_helper():
    board = SimpleNamespace(ranked=[(1, "a"), (2, "b"), (2, "c")], unranked=["d", "e"])
    assert board_pages(board, 2) == [[(1, "a"), (2, "b")], [(2, "c"), (None, "d")], [(None, "e")]]
    assert board_pages(board, 10) == [[(1, "a"), (2, "b"), (2, "c"), (None, "d"), (None, "e")]]
    assert board_pages(SimpleNamespace(ranked=[], unranked=[]), 3) == [[]]
    assert board_page_path("x", 1) == "benchmarks/x/index.html"
    assert board_page_path("x", 7) == "benchmarks/x/page/7.html"


# ---------------------------------------------------------------- the budget of issue 7

BUDGET_ELEMENTS, BUDGET_GZIP = 1500, 20 * 1024


def test_a_1000_run_board_first_page_is_within_budget(tmp_path):
    project = copy_example(tmp_path / "project")
    _add_board(project, 995, 5, board="k-desk")
    site = tmp_path / "site"
    result = build_site(project, site)
    assert len([r for r in result.runs if r.run.benchmark == "k-desk"]) == 1000
    first = site / "benchmarks" / "k-desk" / "index.html"
    data = first.read_bytes()
    rows = _rows(first)
    assert len(rows.rows) == Limits().runs_per_page
    assert rows.elements <= BUDGET_ELEMENTS and len(gzip.compress(data, 6)) <= BUDGET_GZIP
    assert len(list((site / "benchmarks" / "k-desk" / "page").iterdir())) == -(-1000 // Limits().runs_per_page) - 1


def test_the_heaviest_rows_stay_within_budget(tmp_path):
    """Every badge and note a row can carry (rank error, unregistered agent, claimed score,
    interval, pass^2 and pass^3, partial cost and tokens, three failure classes, signature,
    deviations), on a full first page with charts and comparisons: still within the budget."""
    project = copy_example(tmp_path / "project")
    result = build_site(project, tmp_path / "site")
    rs = copy.copy(next(r for r in result.runs if r.traces and r.ci95))
    rs.agent = None
    rs.errors = 2
    rs.declared, rs.recomputed = 0.9, 0.4
    rs.pass_hat = {1: 0.5, 2: 0.25, 3: 0.125}
    rs.cost_usd, rs.cost_tasks, rs.tokens, rs.token_tasks, rs.tasks = 12.5, 3, 123456, 2, 4
    rs.failure_counts = {"model": 3, "code": 2, "infrastructure": 1}
    rs.deviations = {"max_steps": "raised to 200", "seed": "a different seed"}
    rs.signature = SimpleNamespace(status="valid", message="signed by a key in the registry")
    rs.rank_group = 12
    renderer = Renderer(discover(project).config, project)
    bench = rs.benchmark
    renderer.env.globals.update(nav=[], boards=[(bench, "benchmarks/x/index.html")])
    per_page = Limits().runs_per_page
    pages = -(-1000 // per_page)
    board = SimpleNamespace(benchmark=bench, ranked=[(i + 1, rs) for i in range(1000)], unranked=[],
                            url="benchmarks/x/index.html")
    links = {k: f"benchmarks/x/{k}" for k in ("leaderboard.json", "leaderboard.csv", "failures.html", "matrix.html",
                                              "rows.json")}
    charts = [{"key": k, "src": f"benchmarks/x/chart-{k}.svg", "alt": "A chart. " + "Described at length. " * 20,
               "width": 640, "height": 400} for k in ("cost", "tokens", "timeline")]
    pairs = [(rs, rs, f"benchmarks/x/compare/a{i}--b{i}.html") for i in range(10)]
    page = renderer.render("leaderboard.html", "benchmarks/x/index.html", board=board, links=links, page=1,
                           page_urls=[board_page_path("x", n) for n in range(1, pages + 1)],
                           pager=[1, 2, 3, None, pages], per_page=per_page, first=1, last=per_page, total=1000,
                           ranked_rows=board.ranked[:per_page], unranked_rows=[], pairs=pairs, charts=charts,
                           board_dir="benchmarks/x/", open_weights=False)
    p = _Rows()
    p.feed(page.data.decode("utf-8"))
    assert len(p.rows) == per_page
    html = page.data.decode("utf-8")
    for text in ("unregistered", "claimed 90.0%", "pass^3 12.5%", "on 3 tasks", "on 2 tasks", "signed",
                 "2 deviations", 'title="ranked although checks found errors"', "I&nbsp;1"):
        assert text in html, text
    assert p.elements <= BUDGET_ELEMENTS, p.elements
    assert len(gzip.compress(page.data, 6)) <= BUDGET_GZIP
