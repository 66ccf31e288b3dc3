"""Leaderboard sorting and filtering (themes/default/static/board.js) in headless
Chromium: the bundled example project and an artificial larger board are built,
served on 127.0.0.1 and driven with Playwright. Sorting changes the row order,
filters hide rows, the state goes into the URL and comes back on reload, and
the page logs no error and no Content-Security-Policy violation.

Skips with a reason when Playwright or /usr/bin/chromium is missing.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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
ORGS = ["Org Alpha", "Org Beta", "Org <Gamma> & \"Sons\""]  # hostile text reaches the select as text


# ---------------------------------------------------------------- static checks (no browser needed)

def test_board_js_follows_the_rules():
    src = BOARD_JS.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", src, flags=re.S)  # the header comment names what is forbidden
    for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                   "setTimeout(\"", "fetch(", "XMLHttpRequest", "sendBeacon", "WebSocket", "EventSource",
                   "import(", ".src =", "setAttribute(\"on", "style."):
        assert banned not in code, banned
    assert "http://" not in code and "https://" not in code


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


# ---------------------------------------------------------------- projects

_copy_example = copy_example


def _big_project(dst: Path) -> Path:
    """The example plus a board "big-desk" with 3 traced (verified) runs, 12 claimed runs without
    traces (no cost, so cost sorts them last) and one run of an unregistered agent (not ranked)."""
    _copy_example(dst)
    benches = yaml.safe_load((dst / "registry" / "benchmarks.yaml").read_text(encoding="utf-8"))
    benches["big-desk"] = {"name": "Big Desk", "description": "An artificial board for the browser test.",
                           "metric": {"name": "pass^1", "aggregation": "pass^k", "k": 1}}
    (dst / "registry" / "benchmarks.yaml").write_text(yaml.safe_dump(benches, sort_keys=False), encoding="utf-8")
    agents = yaml.safe_load((dst / "registry" / "agents.yaml").read_text(encoding="utf-8"))
    for i in range(6):
        agents[f"bench-agent-{i}"] = {"name": f"Bench Agent {'ABCDEF'[i]}", "organisation": ORGS[i % 3],
                                      "models": ["gpt-4o-2024-08-06", f"model-{i}"]}
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


def _mark_open_weights(page: Path) -> None:
    """The registry has no open-weights field yet: mark claimed runs as the template would."""
    html = page.read_text(encoding="utf-8")

    def mark(m: re.Match) -> str:
        value = "1" if int(m.group(2)) % 2 == 0 else "0"
        return m.group(1).replace('data-open-weights=""', f'data-open-weights="{value}"')

    html, n = re.subn(r'(<tr id="run-big-claimed-(\d+)"[^>]*>)', mark, html)
    assert n == 12
    page.write_text(html, encoding="utf-8")


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
    _mark_open_weights(base / "www" / BIG_PAGE)
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
        return self

    def ids(self, table: str = "table.board:not(.unranked)", visible_only: bool = True) -> list[str]:
        return self.page.eval_on_selector_all(
            f"{table} tbody tr",
            "(rows, vis) => rows.filter(r => !vis || !r.hidden).map(r => r.id)", visible_only)

    def rows(self, visible_only: bool = True) -> list[dict]:
        return self.page.eval_on_selector_all(
            "table.board tbody tr",
            "(rows, vis) => rows.filter(r => !vis || !r.hidden).map(r => Object.assign({id: r.id}, r.dataset))",
            visible_only)

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    def status(self) -> str:
        return self.page.text_content(".board-status").strip()

    def header(self, text: str, table: str = "table.board:not(.unranked)"):
        return self.page.locator(f"{table} thead th").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\b"))

    def sort_by(self, text: str):
        self.header(text).locator("button.sort").click()

    def check_clean(self):
        csp = self.page.evaluate("window.__csp")
        assert csp == [], csp
        assert self.problems == [], self.problems

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
    ths = page.locator("table.board thead th")
    assert ths.count() == page.locator("table.board thead th > button.sort").count() > 8
    assert page.locator("table.board thead th[aria-sort]").count() == 0
    assert p.status() == "2 of 2 runs shown"
    assert page.locator(".board-status").get_attribute("role") == "status"
    assert not page.locator("input[name=open]").is_visible()  # no row says whether its weights are open

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
    assert page.locator(f"#{harbor}").is_hidden()
    assert p.status() == "1 of 2 runs shown"
    assert p.query() == {"sort": ["date"], "dir": ["asc"], "org": ["Northwind Labs"]}

    page.reload()
    assert page.input_value("select[name=org]") == "Northwind Labs"
    assert p.ids() == [northwind]
    assert p.ids(visible_only=False) == [northwind, harbor]
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
    assert len(p.ids()) == 2


# ---------------------------------------------------------------- larger board

def test_big_board_sorting_puts_missing_last(open_page):
    p = open_page(BIG_PAGE)
    all_rows = p.rows()
    assert len(all_rows) == 16 and p.status() == "16 of 16 runs shown"
    ranked = "table.board:not(.unranked)"
    for direction in ("asc", "desc"):
        p.sort_by("Cost")
        if p.query()["dir"] != [direction]:
            p.sort_by("Cost")
        assert p.query() == {"sort": ["cost"], "dir": [direction]}
        costs = p.page.eval_on_selector_all(f"{ranked} tbody tr", "rows => rows.map(r => r.dataset.cost)")
        have = [float(c) for c in costs if c]
        assert have == sorted(have, reverse=direction == "desc")
        first_missing = costs.index("")
        assert all(c == "" for c in costs[first_missing:])  # missing last in both directions
    p.sort_by("Score")
    scores = [float(s) for s in p.page.eval_on_selector_all(f"{ranked} tbody tr", "rows => rows.map(r => r.dataset.score)")]
    assert scores == sorted(scores, reverse=True)
    p.sort_by("Tokens")  # numeric, not lexicographic
    tokens = [t for t in p.page.eval_on_selector_all(f"{ranked} tbody tr", "rows => rows.map(r => r.dataset.tokens)")]
    nums = [int(t) for t in tokens if t]
    assert nums == sorted(nums) and tokens[len(nums):] == [""] * (len(tokens) - len(nums))
    # a column without a data attribute sorts by its text, numbers as numbers
    p.sort_by("Tasks")
    tasks = [int(t) for t in p.page.eval_on_selector_all(f"{ranked} tbody tr", "rows => rows.map(r => r.cells[[...r.closest('table').tHead.rows[0].cells].findIndex(c => c.textContent.trim().startsWith('Tasks'))].textContent.trim())")]
    assert tasks == sorted(tasks)
    p.check_clean()


def test_big_board_filters_and_url_state(open_page):
    p = open_page(BIG_PAGE)
    page = p.page
    everything = p.rows(visible_only=False)
    total = len(everything)

    # organisation options come from the data, as text
    options = page.eval_on_selector_all("select[name=org] option", "os => os.map(o => o.value)")
    assert options == [""] + sorted({r["org"] for r in everything if r["org"]})
    assert ORGS[2] in options

    page.select_option("select[name=org]", ORGS[2])
    want = {r["id"] for r in everything if r["org"] == ORGS[2]}
    assert {r["id"] for r in p.rows()} == want and want
    assert p.status() == f"{len(want)} of {total} runs shown"
    page.select_option("select[name=org]", "")

    page.fill("input[name=model]", "MODEL-1")  # contains, case-insensitive
    want = {r["id"] for r in everything if "model-1" in (r["model"] + " " + r["agent"]).lower()}
    assert {r["id"] for r in p.rows()} == want and 0 < len(want) < total
    page.fill("input[name=model]", "")

    page.fill("input[name=from]", "2025-04-01")
    page.fill("input[name=to]", "2025-12-31")
    want = {r["id"] for r in everything if r["date"] and "2025-04-01" <= r["date"] <= "2025-12-31"}
    assert {r["id"] for r in p.rows()} == want and 0 < len(want) < total
    assert p.query()["from"] == ["2025-04-01"] and p.query()["to"] == ["2025-12-31"]
    # the unranked table is filtered too
    assert "run-big-ghost" in want and p.ids("table.board.unranked") == ["run-big-ghost"]

    page.check("input[name=verified]")
    want = {r["id"] for r in everything if r["verified"] == "1" and "2025-04-01" <= r["date"] <= "2025-12-31"}
    assert {r["id"] for r in p.rows()} == want == {"run-big-traced-1", "run-big-traced-2"}
    page.uncheck("input[name=verified]")
    page.fill("input[name=from]", "")
    page.fill("input[name=to]", "")

    assert page.locator("input[name=open]").is_visible()
    page.check("input[name=open]")
    want = {r["id"] for r in everything if r["openWeights"] == "1"}
    assert {r["id"] for r in p.rows()} == want and len(want) == 6
    p.sort_by("Score")
    p.sort_by("Score")  # ascending
    page.fill("input[name=model]", "model")
    order = p.ids()
    shown = p.status()
    query = p.query()
    assert query == {"sort": ["score"], "dir": ["asc"], "model": ["model"], "open": ["1"]}

    page.reload()
    assert p.ids() == order and p.status() == shown and p.query() == query
    assert page.is_checked("input[name=open]") and page.input_value("input[name=model]") == "model"
    assert p.header("Score").get_attribute("aria-sort") == "ascending"
    p.check_clean()


def test_big_board_restores_state_from_a_shared_url(open_page):
    p = open_page(BIG_PAGE + "?sort=date&dir=desc&verified=1&org=" + ORGS[1].replace(" ", "+"))
    rows = p.rows()
    assert [r["id"] for r in rows] == ["run-big-traced-1"]
    assert p.page.input_value("select[name=org]") == ORGS[1] and p.page.is_checked("input[name=verified]")
    assert p.header("Date").get_attribute("aria-sort") == "descending"
    p.check_clean()


def test_bogus_url_state_is_ignored(open_page):
    p = open_page(BIG_PAGE + "?sort=%3Cscript%3E&dir=sideways&from=yesterday&to=2025-13&org=nobody&verified=yes"
                  "&model=%3Cimg%20src%3Dx%3E")
    assert p.page.locator("table.board thead th[aria-sort]").count() == 0
    assert p.page.input_value("select[name=org]") == ""
    assert p.page.input_value("input[name=from]") == "" and not p.page.is_checked("input[name=verified]")
    assert p.page.input_value("input[name=model]") == "<img src=x>"  # kept as text, matches nothing
    assert p.rows() == [] and p.status() == "0 of 16 runs shown"
    assert p.page.locator("img[src=x]").count() == 0
    p.check_clean()
