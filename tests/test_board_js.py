"""Leaderboard sorting and filtering (themes/default/static/board.js) in headless
Chromium: the bundled example project and an artificial larger board (16 runs,
5 to a page, so 4 pages) are built, served on 127.0.0.1 and driven with
Playwright. Without JavaScript the pages show the runs in rank order, linked by
a pager. With it, sorting and filtering work over every run of the board (read
from rows.json), the results are shown a page at a time with their own pager,
the rows drawn by the script are the rows the pages have, the state goes into
the URL and comes back on reload, a link to a row on another page goes there,
and the page logs no error and no Content-Security-Policy violation.

Skips with a reason when Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import pytest
import yaml

from generator.build import build_site
from projects import copy_example

ROOT = Path(__file__).resolve().parents[1]
BOARD_JS = ROOT / "themes" / "default" / "static" / "board.js"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXAMPLE_PAGE = "example/benchmarks/retail-desk/index.html"
BIG_PAGE = "big/benchmarks/big-desk/index.html"
BIG_DIR = "big/benchmarks/big-desk/"
PER_PAGE = 5
BIG_RUNS = 16
ORGS = ["Org Alpha", "Org Beta", "Org <Gamma> & \"Sons\""]  # hostile text reaches the select as text


# ---------------------------------------------------------------- static checks (no browser needed)

def test_board_js_follows_the_rules():
    src = BOARD_JS.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", src, flags=re.S)  # the header comment names what is forbidden
    for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                   "setTimeout(\"", "XMLHttpRequest", "sendBeacon", "WebSocket", "EventSource",
                   "import(", ".src =", "setAttribute(\"on", "style."):
        assert banned not in code, banned
    names = code.replace('"http://www.w3.org/2000/svg"', "")  # the SVG namespace is a name, never fetched
    assert "http://" not in names and "https://" not in names
    # one request: the board's rows.json, only when it is on the page's own origin
    assert code.count("fetch(") == 1 and 'window.fetch(url.href, { credentials: "same-origin" })' in code
    assert "if (url.origin !== window.location.origin) { return; }" in code


def test_template_loads_the_script_with_integrity(tmp_path):
    site = tmp_path / "site"
    build_site(_copy_example(tmp_path / "p"), site)
    html = (site / "benchmarks" / "retail-desk" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script src="\.\./\.\./assets/board\.js" integrity="sha384-[A-Za-z0-9+/=]+" defer></script>',
                     html)
    assert (site / "assets" / "board.js").read_bytes() == BOARD_JS.read_bytes()
    rows = re.findall(r'<tr id="run-[^"]+"[^>]*>', html)
    assert rows and all(all(f"data-{k}=" in r for k in ("rank", "score", "cost", "tokens", "date", "org", "model",
                                                        "agent", "verified", "open-weights")) for r in rows)
    assert 'data-view="../../benchmarks/retail-desk/rows.json"' in html
    assert (site / "benchmarks" / "retail-desk" / "rows.json").is_file()


# ---------------------------------------------------------------- projects

_copy_example = copy_example


def _big_project(dst: Path) -> Path:
    """The example plus a board "big-desk" with 3 traced (verified) runs, 12 claimed runs without
    traces (no cost, so cost sorts them last) and one run of an unregistered agent (not ranked),
    5 runs to a page: pages 1-3 hold the 15 ranked runs, page 4 the unranked one."""
    _copy_example(dst)
    cfg = dst / "tracesite.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("  steps_per_page: 500\n",
                                                            f"  steps_per_page: 500\n  runs_per_page: {PER_PAGE}\n"),
                   encoding="utf-8")
    benches = yaml.safe_load((dst / "registry" / "benchmarks.yaml").read_text(encoding="utf-8"))
    benches["big-desk"] = {"name": "Big Desk", "description": "An artificial board for the browser test.",
                           "metric": {"name": "pass^1", "aggregation": "pass^k", "k": 1}}
    (dst / "registry" / "benchmarks.yaml").write_text(yaml.safe_dump(benches, sort_keys=False), encoding="utf-8")
    agents = yaml.safe_load((dst / "registry" / "agents.yaml").read_text(encoding="utf-8"))
    for i in range(6):
        agents[f"bench-agent-{i}"] = {"name": f"Bench Agent {'ABCDEF'[i]}", "organisation": ORGS[i % 3],
                                      "models": ["gpt-4o-2024-08-06", f"model-{i}"], "open_weights": i % 2 == 0}
    (dst / "registry" / "agents.yaml").write_text(yaml.safe_dump(agents, sort_keys=False), encoding="utf-8")
    src = dst / "traces" / "northwind-gpt-4o-2026-03"
    for i in range(3):
        run_id = f"big-traced-{i}"
        shutil.copytree(src, dst / "traces" / run_id)
        meta = yaml.safe_load((src / "run.yaml").read_text(encoding="utf-8"))
        meta.update(id=run_id, agent=f"bench-agent-{i}", benchmark="big-desk",
                    submitted=(dt.date(2025, 3, 1) + dt.timedelta(days=100 * i)).isoformat())
        meta.pop("benchmark_version", None)
        (dst / "traces" / run_id / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
    for i in range(12):
        run_id = f"big-claimed-{i:02d}"
        meta = {"id": run_id, "agent": f"bench-agent-{i % 6}", "model": f"model-{i % 6}", "benchmark": "big-desk",
                "submitted": (dt.date(2025, 1, 5) + dt.timedelta(days=37 * i)).isoformat(),
                "declared": {"overall": round(0.3 + 0.047 * ((i * 5) % 12), 3), "source": "test"}}
        (dst / "traces" / run_id).mkdir()
        (dst / "traces" / run_id / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
    ghost = {"id": "big-ghost", "agent": "ghost-agent", "model": "ghost-model", "benchmark": "big-desk",
             "submitted": "2025-06-15", "declared": {"overall": 0.5}}
    (dst / "traces" / "big-ghost").mkdir()
    (dst / "traces" / "big-ghost" / "run.yaml").write_text(yaml.safe_dump(ghost, sort_keys=False), encoding="utf-8")
    return dst


# ---------------------------------------------------------------- browser fixtures

class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        if self.path.startswith("/favicon.ico"):  # browsers ask for it; a 404 would be a console error
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; the browser test needs Debian's chromium")
    base = tmp_path_factory.mktemp("board_js")
    example = build_site(_copy_example(base / "example-project"), base / "www" / "example")
    assert example.errors == [], [f.format() for f in example.errors]
    big = build_site(_big_project(base / "big-project"), base / "www" / "big")
    assert {f.run for f in big.errors} <= {"big-ghost"}, [f.format() for f in big.errors]
    handler = functools.partial(_Handler, directory=str(base / "www"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


# Records CSP violations inside the page (Playwright's init scripts are not subject to the page's CSP).
_CSP_PROBE = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


class Page:
    """A page with everything that must stay empty recorded: console errors and warnings, CSP
    messages, uncaught exceptions, requests to another origin."""

    def __init__(self, browser, base: str, javascript: bool = True):
        self.base = base
        self.javascript = javascript
        self.context = browser.new_context(java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.page.add_init_script(_CSP_PROBE)
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"pageerror: {exc}"))
        self.page.on("request", self._request)

    def _console(self, msg):
        if msg.type in ("error", "warning") or "Content Security Policy" in msg.text:
            self.problems.append(f"console {msg.type}: {msg.text}")

    def _request(self, req):
        if not req.url.startswith(self.base) and not req.url.startswith("data:"):
            self.problems.append(f"request to another origin: {req.url}")

    def goto(self, path: str):
        self.page.goto(self.base + path)
        self.ready()
        return self

    def ready(self):
        """Wait until board.js has read rows.json (it marks the runs aria-busy meanwhile)."""
        if self.javascript and self.page.locator(".board-runs").count():
            self.page.wait_for_selector(".board-status", state="attached")
            self.page.wait_for_selector(".board-runs:not([aria-busy])", state="attached")

    def ids(self, table: str = "table.board:not(.unranked)") -> list[str]:
        return self.page.eval_on_selector_all(f"{table} tbody tr", "rows => rows.map(r => r.id)")

    def rows(self) -> list[dict]:
        return self.page.eval_on_selector_all(
            "table.board tbody tr", "rows => rows.map(r => Object.assign({id: r.id}, r.dataset))")

    def all_results(self) -> list[dict]:
        """The rows of every page of the results, following the script's pager."""
        out = self.rows()
        while self.page.locator(".board-js-pager:not([hidden]) a[rel=next]").count():
            self.page.click(".board-js-pager a[rel=next]")
            out += self.rows()
        return out

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    def status(self) -> str:
        return self.page.text_content(".board-status").strip()

    def header(self, text: str, table: str = "table.board:visible"):
        """A header cell of the table shown first (a page of results may hold only unranked runs)."""
        return self.page.locator(f"{table} thead th").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\b")).first

    def sort_by(self, text: str):
        self.header(text).locator("button.sort").click()

    def check_clean(self, allow: str | None = None):
        csp = self.page.evaluate("window.__csp")
        assert csp == [], csp
        assert [m for m in self.problems if not (allow and allow in m)] == [], self.problems

    def close(self):
        self.context.close()


@pytest.fixture
def open_page(browser, served):
    pages: list[Page] = []

    def make(path: str, javascript: bool = True) -> Page:
        p = Page(browser, served, javascript).goto(path)
        pages.append(p)
        return p

    yield make
    for p in pages:
        p.close()


# ---------------------------------------------------------------- example project

def test_example_board_sort_filter_url_reload(open_page):
    p = open_page(EXAMPLE_PAGE)
    page = p.page
    harbor, northwind = "run-harbor-claude-sonnet-4-5-2026-04", "run-northwind-gpt-4o-2026-03"
    assert p.ids() == [harbor, northwind]  # ranked order, untouched until asked
    # every header cell became a button; nothing is marked sorted yet
    ths = page.locator("table.board:not(.unranked) thead th")
    assert ths.count() == page.locator("table.board:not(.unranked) thead th > button.sort").count() > 8
    assert page.locator("table.board thead th[aria-sort]").count() == 0
    assert p.status() == "2 of 2 runs shown"
    assert page.locator(".board-status").get_attribute("role") == "status"
    assert not page.locator("input[name=open]").is_visible()  # no run says whether its weights are open
    assert page.locator(".board-js-pager").is_hidden() and page.locator(".board-unranked").is_hidden()

    p.sort_by("Score")  # first click on score: best first
    assert p.header("Score").get_attribute("aria-sort") == "descending"
    assert p.ids() == [harbor, northwind]
    p.sort_by("Score")
    assert p.header("Score").get_attribute("aria-sort") == "ascending"
    assert p.ids() == [northwind, harbor]
    assert p.query() == {"sort": ["score"], "dir": ["asc"]}
    p.sort_by("Agent")
    assert p.header("Score").get_attribute("aria-sort") is None
    assert p.header("Agent").get_attribute("aria-sort") == "ascending"
    assert p.ids() == [harbor, northwind]  # Harbor Assist < Northwind Support Agent
    p.sort_by("Date")
    assert p.ids() == [harbor, northwind]  # newest first: 2026-04-03, 2026-03-12
    p.sort_by("Date")
    assert p.ids() == [northwind, harbor]

    page.select_option("select[name=org]", "Northwind Labs")
    assert p.ids() == [northwind]
    assert page.locator(f"#{harbor}").count() == 0
    assert p.status() == "1 of 2 runs shown"
    assert p.query() == {"sort": ["date"], "dir": ["asc"], "org": ["Northwind Labs"]}

    page.reload()
    p.ready()
    assert page.input_value("select[name=org]") == "Northwind Labs"
    assert p.ids() == [northwind]
    assert p.header("Date").get_attribute("aria-sort") == "ascending"
    assert p.status() == "1 of 2 runs shown"

    page.click(".board-filters button.reset")
    assert p.ids() == [harbor, northwind] and p.query() == {}
    assert p.status() == "2 of 2 runs shown"
    p.check_clean()


def test_example_board_works_without_javascript(open_page):
    p = open_page(EXAMPLE_PAGE, javascript=False)
    assert p.page.locator(".board-filters").count() == 0
    assert p.page.locator("table.board thead th button").count() == 0
    assert p.page.locator("nav.board-pager").count() == 0  # one page: no pager
    assert len(p.ids()) == 2


# ---------------------------------------------------------------- larger board, 4 pages

@pytest.fixture(scope="module")
def big_runs(served) -> list[dict]:
    """The big board's rows.json: every run in page order (the truth the pages are checked against)."""
    with urlopen(served + BIG_DIR + "rows.json") as f:
        data = json.load(f)
    assert data["per_page"] == PER_PAGE and len(data["runs"]) == BIG_RUNS
    return data["runs"]


def _pages() -> list[str]:
    return [BIG_PAGE] + [f"{BIG_DIR}page/{n}.html" for n in range(2, -(-BIG_RUNS // PER_PAGE) + 1)]


def test_big_board_pages_without_javascript(open_page, big_runs):
    p = open_page(BIG_PAGE, javascript=False)
    page = p.page
    assert page.locator(".board-filters").count() == 0
    seen, paths = [], []
    while True:
        paths.append(urlsplit(page.url).path)
        seen += p.ids() + p.ids("table.board.unranked")
        assert len(p.ids() + p.ids("table.board.unranked")) <= PER_PAGE
        nxt = page.locator("nav.board-pager a[rel=next]")
        if not nxt.count():
            break
        nxt.click()
    assert paths == ["/" + path for path in _pages()]
    assert seen == [f"run-{r['id']}" for r in big_runs]  # every run once, in rank order, unranked last
    assert p.ids() == [] and p.ids("table.board.unranked") == ["run-big-ghost"]
    assert page.locator("h2#not-ranked").is_visible()
    page.locator("nav.board-pager a[rel=prev]").click()
    assert urlsplit(page.url).path == "/" + _pages()[-2]
    page.locator("nav.board-pager a", has_text=re.compile(r"^1$")).click()
    assert urlsplit(page.url).path == "/" + BIG_PAGE


def test_big_board_sorting_spans_every_page(open_page, big_runs):
    p = open_page(BIG_PAGE)
    assert len(p.rows()) == PER_PAGE and p.status() == f"{BIG_RUNS} of {BIG_RUNS} runs match, 1–5 shown"
    assert p.page.locator("nav.board-pager:not(.board-js-pager)").is_visible()
    ranked = "table.board:not(.unranked)"
    for direction in ("asc", "desc"):
        p.sort_by("Cost")
        if p.query()["dir"] != [direction]:
            p.sort_by("Cost")
        assert p.query() == {"sort": ["cost"], "dir": [direction]}
        # the results have their own pager (once rows.json has arrived: wait, do not race the fetch)
        p.page.locator("nav.board-pager:not(.board-js-pager)").wait_for(state="hidden", timeout=10_000)
        assert p.status() == f"{BIG_RUNS} of {BIG_RUNS} runs match, 1–5 shown"
        results = p.all_results()
        assert len({r["id"] for r in results}) == len(results) == BIG_RUNS
        assert results[-1]["id"] == "run-big-ghost"  # not ranked: after every ranked run
        assert p.query()["page"] == ["4"] and p.status() == f"{BIG_RUNS} of {BIG_RUNS} runs match, 16–16 shown"
        costs = [r["cost"] for r in results[:-1]]
        have = [float(c) for c in costs if c]
        assert len(have) == 3 and have == sorted(have, reverse=direction == "desc")
        assert costs[len(have):] == [""] * (len(costs) - len(have))  # missing last in both directions
    p.sort_by("Score")  # from the last page of the results back to the first
    assert "page" not in p.query()
    scores = [float(r["score"]) for r in p.all_results() if r["rank"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == BIG_RUNS - 1
    p.sort_by("Tokens")  # numeric, not lexicographic
    tokens = [r["tokens"] for r in p.all_results() if r["rank"]]
    nums = [int(t) for t in tokens if t]
    assert len(nums) == 3 and nums == sorted(nums) and tokens[len(nums):] == [""] * (len(tokens) - len(nums))
    # a column without a data attribute sorts by its value in rows.json, numbers as numbers
    p.sort_by("Tasks")
    col = p.page.eval_on_selector_all(f"{ranked} thead th", "ths => ths.findIndex(c => c.textContent.trim().startsWith('Tasks'))")
    tasks = []
    while True:
        tasks += [int(t) for t in p.page.eval_on_selector_all(f"{ranked} tbody tr",
                                                              f"rows => rows.map(r => r.cells[{col}].textContent.trim())")]
        if not p.page.locator(".board-js-pager a[rel=next]").count():
            break
        p.page.click(".board-js-pager a[rel=next]")
    assert tasks == sorted(tasks) and len(tasks) == BIG_RUNS - 1
    p.check_clean()


def _row_shapes(page) -> dict[str, dict]:
    """Each row's cells as the reader gets them: text, and every element's tag, class, title and link."""
    return page.eval_on_selector_all("table.board tbody tr", """rows => Object.fromEntries(rows.map(r => [r.id, {
        attrs: ['rank', 'date', 'org', 'model', 'agent', 'verified', 'openWeights'].map(k => r.dataset[k]),
        cells: [...r.cells].map(c => ({cls: c.className, text: c.textContent.replace(/\\s+/g, ' ').trim(),
            parts: [...c.querySelectorAll('*')].map(e => [e.tagName.toLowerCase(), e.getAttribute('class'),
                e.getAttribute('title'), e.href ? String(e.href) : null, e.getAttribute('aria-hidden')])}))}]))""")


def test_rows_drawn_by_the_script_are_the_rows_of_the_pages(open_page):
    static = {}
    for path in _pages():
        static.update(_row_shapes(open_page(path, javascript=False).page))
    assert len(static) == BIG_RUNS
    p = open_page(_pages()[2] + "?sort=rank&dir=asc")  # on page 3, every run, drawn by the script
    drawn = _row_shapes(p.page)
    while p.page.locator(".board-js-pager a[rel=next]").count():
        p.page.click(".board-js-pager a[rel=next]")
        drawn.update(_row_shapes(p.page))
    assert drawn.keys() == static.keys()
    for run_id in static:
        assert drawn[run_id] == static[run_id], run_id
    p.check_clean()


def test_big_board_filters_and_url_state(open_page, big_runs):
    p = open_page(BIG_PAGE)
    page = p.page
    total = len(big_runs)

    # organisation options come from every run of the board (page 1 shows 5), as text, once the
    # reader turns to the form (rows.json is read then)
    page.locator("select[name=org]").focus()
    p.ready()
    options = page.eval_on_selector_all("select[name=org] option", "os => os.map(o => o.value)")
    assert options == [""] + sorted({r["org"] for r in big_runs if r["org"]})
    assert ORGS[2] in options and len(options) == 4

    page.select_option("select[name=org]", ORGS[2])
    want = {f"run-{r['id']}" for r in big_runs if r["org"] == ORGS[2]}
    assert {r["id"] for r in p.all_results()} == want
    assert len({i // PER_PAGE for i, r in enumerate(big_runs) if r["org"] == ORGS[2]}) > 1  # from several pages
    page.select_option("select[name=org]", "")

    page.fill("input[name=model]", "MODEL-1")  # contains, case-insensitive
    want = {f"run-{r['id']}" for r in big_runs if "model-1" in ((r["model"] or "") + " " + r["agent"]).lower()}
    assert {r["id"] for r in p.rows()} == want and 0 < len(want) < total
    assert p.status() == f"{len(want)} of {total} runs shown"
    page.fill("input[name=model]", "")

    page.fill("input[name=from]", "2025-04-01")
    page.fill("input[name=to]", "2025-12-31")
    want = {f"run-{r['id']}" for r in big_runs if r["date"] and "2025-04-01" <= r["date"] <= "2025-12-31"}
    assert {r["id"] for r in p.all_results()} == want and 0 < len(want) < total
    assert p.query()["from"] == ["2025-04-01"] and p.query()["to"] == ["2025-12-31"]
    # the unranked run, on the board's last page, is found and shown under "Not ranked"
    assert "run-big-ghost" in want and p.ids("table.board.unranked") == ["run-big-ghost"]
    assert page.locator(".board-unranked").is_visible()

    page.check("input[name=verified]")
    assert {r["id"] for r in p.rows()} == {"run-big-traced-1", "run-big-traced-2"}
    assert page.locator(".board-unranked").is_hidden()
    page.uncheck("input[name=verified]")
    page.fill("input[name=from]", "")
    page.fill("input[name=to]", "")

    assert page.locator("input[name=open]").is_visible()
    page.check("input[name=open]")
    want = {f"run-{r['id']}" for r in big_runs if r["open_weights"] is True}
    assert {r["id"] for r in p.all_results()} == want and len(want) == 8  # agents 0, 2, 4: 6 claimed, 2 traced
    p.sort_by("Score")
    p.sort_by("Score")  # ascending
    page.fill("input[name=model]", "model")
    page.click(".board-js-pager a[rel=next]")
    order = p.ids()
    shown = p.status()
    query = p.query()
    assert query == {"sort": ["score"], "dir": ["asc"], "model": ["model"], "open": ["1"], "page": ["2"]}
    assert shown == "6 of 16 runs match, 6–6 shown"  # the traced runs use gpt-4o

    page.reload()
    p.ready()
    assert p.ids() == order and p.status() == shown and p.query() == query
    assert page.is_checked("input[name=open]") and page.input_value("input[name=model]") == "model"
    assert p.header("Score").get_attribute("aria-sort") == "ascending"
    page.click(".board-filters button.reset")
    assert p.query() == {} and p.ids() == [f"run-{r['id']}" for r in big_runs[:PER_PAGE]]
    assert page.locator("nav.board-pager:not(.board-js-pager)").is_visible()
    p.check_clean()


def test_big_board_restores_state_from_a_shared_url(open_page):
    p = open_page(f"{BIG_DIR}page/2.html?sort=date&dir=desc&verified=1&org=" + ORGS[1].replace(" ", "+"))
    assert [r["id"] for r in p.rows()] == ["run-big-traced-1"]  # on page 1 of the ranking, found from page 2
    assert p.page.input_value("select[name=org]") == ORGS[1] and p.page.is_checked("input[name=verified]")
    assert p.header("Date").get_attribute("aria-sort") == "descending"
    assert urlsplit(p.page.url).path == f"/{BIG_DIR}page/2.html"
    p.check_clean()


def test_a_page_of_the_results_in_the_url(open_page):
    p = open_page(BIG_PAGE + "?sort=cost&dir=asc&page=3")
    assert p.status() == f"{BIG_RUNS} of {BIG_RUNS} runs match, 11–15 shown"
    pager = p.page.locator(".board-js-pager")
    assert pager.locator("a[aria-current=page]").text_content() == "3"
    assert pager.locator("a[rel=prev]").get_attribute("href") == "?sort=cost&dir=asc&page=2"
    pager.locator("a", has_text=re.compile(r"^1$")).click()
    assert p.query() == {"sort": ["cost"], "dir": ["asc"]}  # page 1: not written
    assert p.status() == f"{BIG_RUNS} of {BIG_RUNS} runs match, 1–5 shown"
    p2 = open_page(BIG_PAGE + "?sort=cost&dir=asc&page=99")  # past the end: the last page
    assert p2.status() == f"{BIG_RUNS} of {BIG_RUNS} runs match, 16–16 shown"
    p.check_clean()
    p2.check_clean()


@pytest.mark.parametrize("query, shown_page, pages, search", [
    ("?sort=rank&dir=asc&page=99", 4, 4, "?sort=rank&dir=asc&page=4"),  # past the end: the last page
    ("?sort=rank&dir=asc&open=1&page=3", 2, 2, "?sort=rank&dir=asc&open=1&page=2"),  # the filter leaves 2 pages
    ("?sort=rank&dir=asc&page=abc", 1, 4, "?sort=rank&dir=asc"),  # garbage: the first page
    ("?sort=rank&dir=asc&page=2.5", 1, 4, "?sort=rank&dir=asc"),
    ("?sort=rank&dir=asc&page=0", 1, 4, "?sort=rank&dir=asc"),
    ("?sort=rank&dir=asc&page=-2", 1, 4, "?sort=rank&dir=asc"),
    ("?page=99", None, None, ""),  # nothing set: the page as built, whose path says which page it is
])
def test_the_url_names_the_page_of_the_results_shown(open_page, big_runs, query, shown_page, pages, search):
    p = open_page(BIG_PAGE + query)
    runs = [r for r in big_runs if "open=1" not in query or r["open_weights"] is True]
    current = p.page.locator(".board-js-pager a[aria-current=page]")
    if shown_page is None:  # this page's own rows and pager, as without JavaScript
        want = runs[:PER_PAGE]
        assert p.page.locator("nav.board-pager:not(.board-js-pager)").is_visible() and current.count() == 0
    else:
        want = runs[(shown_page - 1) * PER_PAGE:shown_page * PER_PAGE]
        assert current.text_content() == str(shown_page)
        assert p.page.locator(".board-js-pager a").filter(has_text=re.compile(r"^\d+$")).all_text_contents()[-1] \
            == str(pages)
        first = (shown_page - 1) * PER_PAGE + 1
        assert p.status() == f"{len(runs)} of {BIG_RUNS} runs match, {first}–{first + len(want) - 1} shown"
    assert [r["id"] for r in p.rows()] == [f"run-{r['id']}" for r in want]
    assert p.page.evaluate("location.search") == search
    p.check_clean()
    p.page.go_back()  # the URL was replaced, not added to the history: back leaves the board
    assert p.page.url == "about:blank"


def test_a_link_to_a_row_on_another_page_goes_to_that_page(open_page):
    p = open_page(BIG_PAGE + "#run-big-ghost")
    p.page.wait_for_url(re.compile(r"/page/4\.html#run-big-ghost$"))
    p.ready()
    assert p.page.locator("#run-big-ghost").count() == 1
    assert p.page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") \
        == "run-big-ghost"
    p2 = open_page(BIG_PAGE + "#run-no-such-run")  # unknown: stays
    assert urlsplit(p2.page.url).path == "/" + BIG_PAGE
    p.check_clean()
    p2.check_clean()


def test_rows_json_is_read_only_when_needed(browser, served):
    """A plain visit asks for nothing (and events made up by scripts do not count as a reader);
    a sort, a filter in the URL or a real focus on the form reads rows.json once."""
    p = Page(browser, served)
    asked: list[str] = []
    p.page.on("request", lambda req: asked.append(req.url) if req.url.endswith("/rows.json") else None)
    try:
        p.goto(BIG_PAGE)
        p.page.evaluate("""() => { for (const e of document.querySelectorAll('.board-filters, .board-filters *'))
                                   for (const t of ['focus', 'focusin', 'pointerdown']) e.dispatchEvent(new Event(t, {bubbles: true})); }""")
        p.page.wait_for_timeout(200)
        assert asked == [] and p.status() == f"{BIG_RUNS} of {BIG_RUNS} runs match, 1–5 shown"
        p.sort_by("Score")
        p.ready()
        assert len(asked) == 1 and p.status() == f"{BIG_RUNS} of {BIG_RUNS} runs match, 1–5 shown"
        p.sort_by("Cost")
        p.page.click(".board-filters button.reset")
        assert len(asked) == 1
        p.goto(BIG_PAGE + "?verified=1")
        assert len(asked) == 2 and {r["id"] for r in p.rows()} == {f"run-big-traced-{i}" for i in range(3)}
        p.check_clean()
    finally:
        p.close()


def test_without_rows_json_the_rows_of_the_page_are_sorted(browser, served, big_runs):
    p = Page(browser, served)
    try:
        p.page.route("**/rows.json", lambda route: route.abort())
        p.goto(BIG_PAGE + "?sort=cost&dir=desc")
        assert sorted(r["id"] for r in p.rows()) == sorted(f"run-{r['id']}" for r in big_runs[:PER_PAGE])
        costs = [r["cost"] for r in p.rows()]
        have = [float(c) for c in costs if c]
        assert have == sorted(have, reverse=True) and costs[len(have):] == [""] * (len(costs) - len(have))
        assert p.status() == f"{PER_PAGE} of {PER_PAGE} runs on this page shown"
        assert p.page.locator(".board-js-pager").is_hidden()
        p.check_clean(allow="net::ERR_FAILED")
    finally:
        p.close()


def test_bogus_url_state_is_ignored(open_page):
    p = open_page(BIG_PAGE + "?sort=%3Cscript%3E&dir=sideways&from=yesterday&to=2025-13&org=nobody&verified=yes"
                  "&page=-2&model=%3Cimg%20src%3Dx%3E")
    assert p.page.locator("table.board thead th[aria-sort]").count() == 0
    assert p.page.input_value("select[name=org]") == ""
    assert p.page.input_value("input[name=from]") == "" and not p.page.is_checked("input[name=verified]")
    assert p.page.input_value("input[name=model]") == "<img src=x>"  # kept as text, matches nothing
    assert p.rows() == [] and p.status() == f"0 of {BIG_RUNS} runs shown"
    assert p.page.locator("img[src=x]").count() == 0
    p.check_clean()
