"""Build-time SVG charts (generator/charts.py): parsed as XML, every point mapped
back to its data through the documented axis mapping, the frontier checked
against a brute-force one, hostile text escaped, output deterministic."""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markupsafe import Markup

from generator.charts import (MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, WIDTH, ChartPoint,
                              pareto_frontier, pareto_svg, timeline_svg, wants_log_scale)

ROOT = Path(__file__).resolve().parents[1]
NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script>&\"'"


# ---------------------------------------------------------------- helpers

def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    root = ET.fromstring(str(svg))  # raises on anything that is not well-formed XML
    assert root.tag == NS + "svg"
    return root


def brute_frontier(points, higher_y_better=True, lower_x_better=True):
    """Points that no other point dominates (at least as good on both, strictly better on one)."""
    def at_least(a, b):  # a at least as good as b on both axes
        gx = a.x <= b.x if lower_x_better else a.x >= b.x
        gy = a.y >= b.y if higher_y_better else a.y <= b.y
        return gx and gy

    out = []
    for p in points:
        if not any(at_least(q, p) and (q.x, q.y) != (p.x, p.y) for q in points):
            out.append(p)
    return out


def ident(p):
    return (p.label, p.x, p.y)


class Mapping:
    """The axis mapping documented in generator/charts.py, read from the root's data attributes."""

    def __init__(self, root: ET.Element):
        self.left, self.top, self.right, self.bottom = map(float, root.get("data-plot").split())
        self.log = root.get("data-x-scale") == "log"
        self.x0, self.x1 = map(float, root.get("data-x-domain").split())
        self.y0, self.y1 = map(float, root.get("data-y-domain").split())

    def px(self, x: float) -> float:
        f = math.log10 if self.log else (lambda v: v)
        return self.left + (f(x) - f(self.x0)) / (f(self.x1) - f(self.x0)) * (self.right - self.left)

    def py(self, y: float) -> float:
        return self.bottom - (y - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top)


def data_circles(root: ET.Element) -> list[ET.Element]:
    """The data points (not the legend swatches): circles that carry data-x."""
    return [c for c in root.iter(NS + "circle") if c.get("data-x") is not None]


def check_common(root: ET.Element) -> None:
    """Accessible root, unique ids, no script, no style, no event handlers."""
    assert root.get("role") == "img"
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{NS}title")
    desc = root.find(f"{NS}desc")
    assert title is not None and title.get("id") == title_id
    assert desc is not None and desc.get("id") == desc_id and desc.text
    for e in root.iter():
        assert e.tag not in (NS + "script", NS + "style", NS + "foreignObject")
        assert "style" not in e.attrib
        assert not any(k.lower().startswith("on") for k in e.attrib)


def sample_points(n=40, seed=7, groups=("Org A", "Org B", "Org C")):
    rnd = random.Random(seed)
    pts = []
    for i in range(n):
        x = round(rnd.uniform(0.01, 5.0), 3)
        y = round(rnd.uniform(0.0, 1.0), 2)
        pts.append(ChartPoint(f"agent {i} (model m{i % 5})", x, y, f"../../runs/run-{i}/index.html",
                              groups[i % len(groups)]))
    # ties and duplicates: same x better y, same y worse x, an exact duplicate of a frontier candidate
    pts.append(ChartPoint("dup a", 0.5, 0.9))
    pts.append(ChartPoint("dup b", 0.5, 0.9))
    pts.append(ChartPoint("same x worse y", 0.5, 0.85))
    pts.append(ChartPoint("same y worse x", 0.6, 0.9))
    return pts


# ---------------------------------------------------------------- frontier

@pytest.mark.parametrize("higher_y_better", [True, False])
@pytest.mark.parametrize("lower_x_better", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_frontier_matches_brute_force(seed, higher_y_better, lower_x_better):
    rnd = random.Random(seed)
    # a coarse grid makes ties and exact duplicates frequent
    pts = [ChartPoint(f"p{i}", rnd.randint(0, 12) / 4, rnd.randint(0, 10) / 10) for i in range(60)]
    got = pareto_frontier(pts, higher_y_better=higher_y_better, lower_x_better=lower_x_better)
    want = brute_frontier(pts, higher_y_better, lower_x_better)
    assert sorted(map(ident, got)) == sorted(map(ident, want))
    assert [p.x for p in got] == sorted(p.x for p in got)  # ordered along x for the line


def test_frontier_ties_and_nonfinite():
    pts = [ChartPoint("a", 1.0, 0.5), ChartPoint("a2", 1.0, 0.5), ChartPoint("worse y", 1.0, 0.4),
           ChartPoint("worse x", 2.0, 0.5), ChartPoint("better", 2.0, 0.7),
           ChartPoint("nan", float("nan"), 0.9), ChartPoint("inf", 0.1, float("inf"))]
    assert {p.label for p in pareto_frontier(pts)} == {"a", "a2", "better"}
    assert pareto_frontier([]) == []


def test_pareto_svg_frontier_and_line():
    pts = sample_points()
    root = parse(pareto_svg(pts, "cost (USD)", "pass^1", "Score against cost"))
    check_common(root)
    m = Mapping(root)
    circles = data_circles(root)
    assert len(circles) == len(pts)
    marked = sorted((float(c.get("data-x")), float(c.get("data-y"))) for c in circles
                    if "frontier" in c.get("class").split())
    want = brute_frontier(pts)
    assert marked == sorted((p.x, p.y) for p in want)
    # the polyline joins exactly the frontier points, left to right
    (line,) = [e for e in root.iter(NS + "polyline") if "frontier-line" in e.get("class").split()]
    vertices = [tuple(map(float, v.split(","))) for v in line.get("points").split()]
    expect = sorted((m.px(p.x), m.py(p.y)) for p in want)
    assert len(vertices) == len(expect)
    for (vx, vy), (ex, ey) in zip(vertices, expect):
        assert abs(vx - ex) <= 0.01 and abs(vy - ey) <= 0.01
    # desc names the number of runs and every frontier member
    desc = root.find(f"{NS}desc").text
    assert f"for {len(pts)} runs" in desc and f"Pareto frontier ({len(want)} runs" in desc
    for p in want:
        assert p.label in desc


def test_every_point_maps_back_to_its_data():
    pts = sample_points()
    root = parse(pareto_svg(pts, "cost (USD)", "pass^1", "Score against cost"))
    m = Mapping(root)
    # the documented constants: plot area inside the viewBox
    vb = list(map(float, root.get("viewBox").split()))
    assert vb[:3] == [0, 0, WIDTH] and m.left == MARGIN_LEFT and m.right == WIDTH - MARGIN_RIGHT
    assert m.bottom == vb[3] - MARGIN_BOTTOM and m.top >= MARGIN_TOP
    want = sorted((p.x, p.y, p.label) for p in pts)
    got = []
    for c in data_circles(root):
        x, y = float(c.get("data-x")), float(c.get("data-y"))
        assert abs(float(c.get("cx")) - m.px(x)) <= 1.0
        assert abs(float(c.get("cy")) - m.py(y)) <= 1.0
        assert m.left - 0.01 <= float(c.get("cx")) <= m.right + 0.01
        assert m.top - 0.01 <= float(c.get("cy")) <= m.bottom + 0.01
        title = c.find(f"{NS}title").text
        label = title.split(": cost (USD)")[0]
        got.append((x, y, label))
    assert sorted(got) == want
    # the y axis spans at least 0..100% and its tick labels sit where their values map
    assert m.y0 <= 0 and m.y1 >= 1
    for t in root.iter(NS + "text"):
        if t.get("class") == "tick-label" and t.get("text-anchor") == "end":
            assert abs(float(t.get("y")) - 4 - m.py(float(t.get("data-value")))) <= 0.01
        elif t.get("class") == "tick-label":
            assert abs(float(t.get("x")) - m.px(float(t.get("data-value")))) <= 0.01


def test_points_link_to_their_runs_and_have_tooltips():
    pts = [ChartPoint("A", 1, 0.5, "../../runs/a/index.html"), ChartPoint("B", 2, 0.6),
           ChartPoint("C", 3, 0.7, "javascript:alert(1)")]
    root = parse(pareto_svg(pts, "tokens", "score", "t"))
    links = list(root.iter(NS + "a"))
    assert [a.get("href") for a in links] == ["../../runs/a/index.html"]  # a script URL is never linked
    assert links[0].get("tabindex") == "-1"
    for c in data_circles(root):
        assert c.find(f"{NS}title").text.startswith(("A:", "B:", "C:"))


@pytest.mark.parametrize("span", [(0, 1.7), (3, 97), (0.0012, 0.009), (1000, 2_500_000), (-5, 5)])
def test_nice_linear_ticks(span):
    lo, hi = span
    pts = [ChartPoint("lo", lo, 0.2), ChartPoint("hi", hi, 0.8)]
    root = parse(pareto_svg(pts, "x", "y", "t"))
    m = Mapping(root)
    assert m.x0 <= min(lo, 0 if lo >= 0 else lo) and m.x1 >= hi
    ticks = sorted(float(t.get("data-value")) for t in root.iter(NS + "text")
                   if t.get("class") == "tick-label" and t.get("text-anchor") == "middle")
    assert 3 <= len(ticks) <= 12
    steps = {round(b - a, 12) for a, b in zip(ticks, ticks[1:])}
    assert len({f"{s:.6g}" for s in steps}) == 1  # evenly spaced
    step = ticks[1] - ticks[0]
    mant = step / 10 ** math.floor(math.log10(step))
    assert any(abs(mant - n) < 1e-6 for n in (1, 2, 2.5, 5))
    for t in ticks:
        assert abs(t / step - round(t / step)) < 1e-6  # multiples of the step


# ---------------------------------------------------------------- escaping

def test_hostile_text_is_escaped_everywhere():
    evil = HOSTILE
    pts = [ChartPoint(evil, 1.0, 0.5, url='../x/"><script>alert(2)</script>', group=evil),
           ChartPoint("ctl\x01\x1b[31m bidi\u202e zw\u200b", 2.0, 0.7, group="other")]
    for svg in (pareto_svg(pts, evil, evil, evil),
                timeline_svg([ChartPoint(p.label, dt.date(2026, 1, 1 + i), p.y, p.url, p.group)
                              for i, p in enumerate(pts)], evil, evil)):
        raw = str(svg)
        assert "<script" not in raw and "alert(1)</script>" not in raw.replace("&lt;/script&gt;", "")
        root = parse(svg)
        check_common(root)
        assert root.find(f"{NS}title").text == evil
        titles = [c.find(f"{NS}title").text for c in data_circles(root)]
        assert any(t.startswith(evil + ":") for t in titles)
        # forbidden and invisible characters become visible markers
        assert any("<U+0001>" in t and "<U+001B>" in t and "<U+202E>" in t and "<U+200B>" in t for t in titles)
        assert not any(ch in raw for ch in "\x01\x1b\u202e\u200b")
        assert evil in [c.get("data-group") for c in data_circles(root)]
        for a in root.iter(NS + "a"):
            assert a.get("href") == '../x/"><script>alert(2)</script>'  # an attribute value, not markup


# ---------------------------------------------------------------- determinism

def test_deterministic_bytes_and_ids():
    pts = sample_points()
    a = pareto_svg(pts, "cost (USD)", "pass^1", "t", log_x=True)
    b = pareto_svg([ChartPoint(p.label, p.x, p.y, p.url, p.group) for p in reversed(pts)],
                   "cost (USD)", "pass^1", "t", log_x=True)
    assert str(a) == str(b)
    c = pareto_svg(pts, "tokens", "pass^1", "t", log_x=True)
    ida, idc = parse(a).get("id"), parse(c).get("id")
    assert ida != idc and ida.startswith("chart-")  # two charts on one page do not collide


def test_deterministic_across_hash_seeds():
    code = ("import datetime as dt, sys\n"
            "from generator.charts import ChartPoint, pareto_svg, timeline_svg\n"
            "pts=[ChartPoint(f'a{i}', (i*37%11)/3+0.1, (i*53%17)/17, None, ['x','y','z'][i%3]) for i in range(30)]\n"
            "sys.stdout.write(str(pareto_svg(pts,'cost','score','t',log_x=True)))\n"
            "sys.stdout.write(str(timeline_svg([ChartPoint(p.label, dt.date(2025,1,1)+dt.timedelta(days=i*9), p.y,"
            " None, p.group) for i,p in enumerate(pts)],'t','score')))\n")
    outs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.add(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                                check=True).stdout)
    assert len(outs) == 1


# ---------------------------------------------------------------- too little data

@pytest.mark.parametrize("pts", [[], [ChartPoint("only", 1.0, 0.5)],
                                 [ChartPoint("nan", float("nan"), 0.5), ChartPoint("ok", 1.0, 0.5)]])
def test_not_enough_data(pts):
    for svg in (pareto_svg(pts, "x", "y", "Title"), pareto_svg(pts, "x", "y", "Title", log_x=True),
                timeline_svg(pts, "Title", "y")):
        root = parse(svg)
        check_common(root)
        assert root.get("data-empty") == "1"
        assert "Not enough data" in "".join(root.itertext())
        assert not data_circles(root)


def test_two_identical_points_still_draw():
    pts = [ChartPoint("a", 1.0, 0.5), ChartPoint("b", 1.0, 0.5)]
    root = parse(pareto_svg(pts, "x", "y", "t"))
    assert len(data_circles(root)) == 2
    root = parse(pareto_svg(pts, "x", "y", "t", log_x=True))
    assert len(data_circles(root)) == 2


# ---------------------------------------------------------------- log scale

def test_log_scale_maps_and_excludes_nonpositive():
    xs = [0.0004, 0.003, 0.02, 0.5, 7.0, 80.0]
    pts = [ChartPoint(f"r{i}", x, 0.1 + i * 0.1) for i, x in enumerate(xs)]
    pts += [ChartPoint("free", 0.0, 0.95), ChartPoint("negative", -1.0, 0.2)]
    assert wants_log_scale(p.x for p in pts)
    root = parse(pareto_svg(pts, "cost (USD)", "pass^1", "log chart", log_x=True))
    check_common(root)
    m = Mapping(root)
    assert m.log and m.x0 == 1e-4 and m.x1 == 100.0
    circles = data_circles(root)
    assert sorted(float(c.get("data-x")) for c in circles) == sorted(xs)
    for c in circles:
        x, y = float(c.get("data-x")), float(c.get("data-y"))
        assert abs(float(c.get("cx")) - m.px(x)) <= 1.0 and abs(float(c.get("cy")) - m.py(y)) <= 1.0
    # equal ratios are equal distances on a log axis
    by_x = {float(c.get("data-x")): float(c.get("cx")) for c in circles}
    decade = (m.right - m.left) / 6
    assert abs((by_x[80.0] - by_x[7.0]) - decade * math.log10(80 / 7)) <= 0.02
    ticks = [float(t.get("data-value")) for t in root.iter(NS + "text")
             if t.get("class") == "tick-label" and t.get("text-anchor") == "middle"]
    assert ticks == [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0]
    desc = root.find(f"{NS}desc").text
    assert "2 points with cost (USD) at or below 0 are not shown on the logarithmic axis" in desc
    assert "logarithmic x axis" in desc
    # the frontier is computed over the points drawn
    marked = {c.get("data-x") for c in circles if "frontier" in c.get("class").split()}
    assert marked == {repr(p.x) for p in brute_frontier([p for p in pts if p.x > 0])}


def test_log_scale_short_range_has_intermediate_ticks():
    pts = [ChartPoint("a", 1500, 0.3), ChartPoint("b", 42000, 0.6)]
    assert not wants_log_scale(p.x for p in pts)
    root = parse(pareto_svg(pts, "tokens", "score", "t", log_x=True))
    labels = [t.text for t in root.iter(NS + "text")
              if t.get("class") == "tick-label" and t.get("text-anchor") == "middle"]
    assert labels == ["1k", "2k", "5k", "10k", "20k", "50k", "100k"]


def test_wants_log_scale():
    assert not wants_log_scale([])
    assert not wants_log_scale([1, 100])
    assert wants_log_scale([1, 101])
    assert not wants_log_scale([0, -3, 5])


# ---------------------------------------------------------------- timeline

def test_timeline_running_best():
    rnd = random.Random(3)
    start = dt.date(2025, 1, 1)
    pts = []
    for i in range(30):
        d = start + dt.timedelta(days=rnd.randint(0, 500))
        pts.append(ChartPoint(f"run {i}", d, round(rnd.uniform(0.2, 0.9), 2), f"../../runs/r{i}/index.html",
                              ["Org A", "Org B"][i % 2]))
    pts.append(ChartPoint("datetime input", dt.datetime(2025, 6, 1, 23, 0, tzinfo=dt.timezone.utc), 0.95))
    root = parse(timeline_svg(pts, "Score over time", "pass^1"))
    check_common(root)
    m = Mapping(root)
    circles = data_circles(root)
    assert len(circles) == len(pts)

    def day(v):
        d = v.date() if isinstance(v, dt.datetime) else v
        return (d - dt.date(1970, 1, 1)).days

    for c in circles:
        x, y = float(c.get("data-x")), float(c.get("data-y"))
        assert dt.date.fromisoformat(c.get("data-date")) == dt.date(1970, 1, 1) + dt.timedelta(days=int(x))
        assert abs(float(c.get("cx")) - m.px(x)) <= 1.0 and abs(float(c.get("cy")) - m.py(y)) <= 1.0
    assert sorted((float(c.get("data-x")), float(c.get("data-y"))) for c in circles) == \
        sorted((day(p.x), p.y) for p in pts)

    # records: no run on the same day or earlier scored at least as well (brute force)
    records = [p for p in pts if not any((day(q.x), q.y) != (day(p.x), p.y) and day(q.x) <= day(p.x) and q.y >= p.y
                                         for q in pts)]
    marked = sorted((float(c.get("data-x")), float(c.get("data-y"))) for c in circles
                    if "frontier" in c.get("class").split())
    assert marked == sorted((day(p.x), p.y) for p in records)

    # the step line: the best score so far at every submission date
    (line,) = [e for e in root.iter(NS + "polyline") if "sota-line" in e.get("class").split()]
    vertices = [tuple(map(float, v.split(","))) for v in line.get("points").split()]
    for a, b in zip(vertices, vertices[1:]):
        assert a[0] == b[0] or a[1] == b[1]  # horizontal or vertical segments only
        assert b[0] >= a[0] and b[1] <= a[1]  # never back in time, never down (up is smaller y)
    days = sorted({day(p.x) for p in pts})
    for d in days:
        best = max(p.y for p in pts if day(p.x) <= d)
        px = m.px(d)
        # the line's height right after date d
        level = [vy for (vx, vy), (nx, ny) in zip(vertices, vertices[1:] + [(math.inf, vertices[-1][1])])
                 if vx <= px + 0.01 and (nx > px + 0.01 or nx == math.inf)]
        assert level and abs(level[-1] - m.py(best)) <= 0.01
    assert abs(vertices[-1][0] - m.px(max(days))) <= 0.01
    # tick labels are dates inside the domain
    for t in root.iter(NS + "text"):
        if t.get("class") == "tick-label" and t.get("text-anchor") == "middle":
            assert m.x0 <= float(t.get("data-value")) <= m.x1
    desc = root.find(f"{NS}desc").text
    assert f"for {len(pts)} runs" in desc and f"set by {len(records)} run" in desc


@pytest.mark.parametrize("days", [0, 1, 10, 20, 90, 400, 1500, 9000])
def test_timeline_date_ranges(days):
    start = dt.date(2024, 2, 29)
    pts = [ChartPoint("a", start, 0.4), ChartPoint("b", start + dt.timedelta(days=days), 0.6)]
    root = parse(timeline_svg(pts, "t", "score"))
    m = Mapping(root)
    ticks = [t for t in root.iter(NS + "text") if t.get("class") == "tick-label" and t.get("text-anchor") == "middle"]
    assert 2 <= len(ticks) <= 10
    assert m.x0 < m.x1
    for c in data_circles(root):
        assert m.left <= float(c.get("cx")) <= m.right


def test_timeline_lower_is_better():
    pts = [ChartPoint("a", dt.date(2025, 1, 1), 0.5), ChartPoint("b", dt.date(2025, 2, 1), 0.6),
           ChartPoint("c", dt.date(2025, 3, 1), 0.2), ChartPoint("d", dt.date(2025, 3, 1), 0.2)]
    root = parse(timeline_svg(pts, "t", "error rate", higher_y_better=False))
    marked = sorted(c.find(f"{NS}title").text.split(":")[0] for c in data_circles(root)
                    if "frontier" in c.get("class").split())
    assert marked == ["a", "c", "d"]


def test_point_labels_never_overlap():
    pts = [ChartPoint(f"a long agent name number {i}", 1 + i * 0.01, 0.5 + i * 0.01) for i in range(8)]
    root = parse(pareto_svg(pts, "cost", "score", "t"))
    boxes = []
    for t in root.iter(NS + "text"):
        if t.get("class") == "point-label":
            x, y, w = float(t.get("x")), float(t.get("y")), 6.5 * len(t.text)
            x0 = x - w if t.get("text-anchor") == "end" else x
            boxes.append((x0, y - 11, x0 + w, y + 3))
    assert boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
