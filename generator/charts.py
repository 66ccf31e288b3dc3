"""Build-time SVG charts: score against cost or tokens (with the Pareto
frontier) and score over submission date (with the running best).

The charts are plain SVG strings returned as :class:`markupsafe.Markup`, to be
placed inline in a page. They need no JavaScript and carry no ``style``
attribute (the site's CSP forbids inline styles): every colour comes from the
``chart*`` classes in ``themes/default/static/style.css``; geometry uses SVG
presentation attributes (``x``, ``y``, ``r``, ``points``, ``transform``,
``text-anchor``).

Accessibility: the root has ``role="img"`` and ``aria-labelledby`` naming its
``<title>`` and ``<desc>``; the description says how many points are drawn,
which ones are on the frontier and which were left out (for example x ≤ 0 on a
logarithmic axis). Every point is a ``<circle>`` with its own ``<title>``
(label and values: a tooltip without script), wrapped in ``<a>`` when it has a
URL. The links are taken out of the tab order (``tabindex="-1"``) because the
leaderboard table beside the chart has the same links and a ``role="img"``
element hides its content from assistive technology.

Every piece of text (labels, titles, axis names, URLs) is escaped with
:func:`markupsafe.escape`; characters that XML 1.0 forbids or that hide text
(controls, bidi overrides, zero-width characters) are replaced by visible
``<U+XXXX>`` markers first, so the output is always well-formed XML.

Axis mapping (documented so tests and readers can map a circle back to its
data). The root ``<svg>`` carries it as data attributes::

    data-plot="LEFT TOP RIGHT BOTTOM"      plot area in viewBox units
    data-x-scale="linear" | "log"          data-x-domain="X0 X1"
    data-y-domain="Y0 Y1"                  (y is always linear)

    cx = LEFT + (f(x) - f(X0)) / (f(X1) - f(X0)) * (RIGHT - LEFT)
    cy = BOTTOM - (y - Y0) / (Y1 - Y0) * (BOTTOM - TOP)

with ``f = log10`` on a log scale and the identity otherwise. Each circle
carries ``data-x`` / ``data-y`` (the values it plots; for the timeline
``data-x`` is the day number since 1970-01-01 and ``data-date`` the ISO
date). Coordinates are written with two decimals, so the same input always
gives the same bytes.

Scores (y) are on the 0..1 scale and shown as percentages; the y axis always
spans at least 0..100% so that small differences are not magnified.

Chart files. A leaderboard does not inline its charts (a chart of 1,000 runs
is thousands of elements): :func:`standalone_svg` turns a chart into an SVG
file with its own stylesheet (a constant, :data:`CHART_CSS`: an SVG shown by
``<img>`` gets no style from the page and runs no script), and
:func:`describe` gives what the ``<img>`` needs: the chart's title and
description for the alt text, and its size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from markupsafe import Markup, escape

__all__ = ["ChartPoint", "pareto_frontier", "pareto_svg", "timeline_svg", "wants_log_scale", "standalone_svg",
           "describe", "CHART_CSS", "WIDTH", "HEIGHT", "MARGIN_LEFT", "MARGIN_RIGHT", "MARGIN_TOP", "MARGIN_BOTTOM"]


@dataclass
class ChartPoint:
    label: str              # e.g. "Agent X (model Y)": untrusted text, escaped on output
    x: float                # cost in USD, tokens, or (timeline) a datetime.date / days since epoch
    y: float                # score, 0..1
    url: str | None = None  # relative link to the run page
    group: str | None = None  # optional series name (e.g. organisation)


# ---------------------------------------------------------------- geometry

WIDTH = 640
HEIGHT = 400            # without the legend; each legend row adds LEGEND_ROW
MARGIN_LEFT = 64
MARGIN_RIGHT = 24
MARGIN_TOP = 40         # room for the visible title
MARGIN_BOTTOM = 56      # tick labels and the x-axis name
LEGEND_ROW = 18
POINT_R = 4.0
FRONTIER_R = 5.5
MAX_SERIES_CLASSES = 8  # series-0 … series-7 in style.css, then they repeat
MAX_LEGEND = 12
MAX_TITLE_CHARS = 300   # tooltip text of one point
MAX_LABEL_CHARS = 40    # visible text next to a frontier point or in the legend
MAX_DESC_FRONTIER = 20  # frontier members named in <desc>
EPOCH = dt.date(1970, 1, 1)

# Characters XML 1.0 forbids (C0 controls except tab/newline/CR, surrogates, U+FFFE/U+FFFF) and
# characters that make text read differently from what it is (bidi controls, zero-width).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff"
                        "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SAFE_SCHEMES = ("http:", "https:")


def _clean(text: object, limit: int | None = None) -> str:
    """Plain text safe to escape into XML: forbidden or invisible characters become
    visible ``<U+XXXX>`` markers, line breaks become spaces, long text is cut with an ellipsis."""
    s = str(text)
    s = s.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    s = _BAD_CHARS.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", s)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def _t(text: object, limit: int | None = None) -> str:
    """Escaped text for element content or attribute values."""
    return str(escape(_clean(text, limit)))


def _safe_url(url: str | None) -> str | None:
    """The URL if it is relative or http(s); None otherwise (a link is then left out)."""
    if not url:
        return None
    u = _clean(url).strip()
    head = u.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if ":" in head or u.startswith("//"):
        return u if u.lower().startswith(_SAFE_SCHEMES) else None
    return u


def _c(v: float) -> str:
    """A coordinate: fixed two decimals, never ``-0.00``."""
    s = f"{v:.2f}"
    return "0.00" if s == "-0.00" else s


def _num(v: float) -> str:
    """A data value for data-* attributes: the shortest repr that round-trips."""
    return repr(float(v))


def fmt_value(v: float) -> str:
    """A human-readable number (cost, tokens) with a fixed format."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        s = f"{v:.1f}"
    elif a >= 1:
        s = f"{v:.2f}"
    else:
        return f"{v:.3g}"
    return s.rstrip("0").rstrip(".")


def fmt_score(v: float) -> str:
    return f"{v * 100:.1f}%"


def _fmt_tick(v: float) -> str:
    """A compact tick label: 0.01, 2.5, 250, 2.5k, 1M, 3B."""
    if v == 0:
        return "0"
    a = abs(v)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{v / div:.6g}{suffix}"
    return f"{v:.6g}"


def _fmt_pct_tick(v: float, step: float) -> str:
    """A percentage tick label with as many decimals as the tick step needs (20%, 2.5%)."""
    pct = step * 100
    decimals = next((d for d in range(7) if abs(round(pct, d) - pct) < 1e-9 * max(1.0, pct)), 6)
    s = f"{v * 100:.{decimals}f}%"
    return s[1:] if s.startswith("-") and float(s[:-1]) == 0 else s


# ---------------------------------------------------------------- scales and ticks

def _nice_step(span: float, target: int = 5) -> float:
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag * (1 + 1e-9):
            return m * mag
    return 10 * mag


def _round_tick(v: float, step: float) -> float:
    digits = max(0, -math.floor(math.log10(step)) + 3)
    r = round(v, digits)
    return 0.0 if r == 0 else r


def _linear_ticks(lo: float, hi: float, target: int = 5) -> tuple[float, float, list[float]]:
    """A nice domain covering [lo, hi] and its ticks (multiples of 1, 2, 2.5 or 5 × 10^n)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = _nice_step(hi - lo, target)
    i0 = math.floor(lo / step + 1e-9)
    i1 = math.ceil(hi / step - 1e-9)
    ticks = [_round_tick(i * step, step) for i in range(i0, i1 + 1)]
    return ticks[0], ticks[-1], ticks


def _log_ticks(lo: float, hi: float) -> tuple[float, float, list[float]]:
    """Whole decades covering [lo, hi] (lo > 0); 2× and 5× ticks when there are at most two decades,
    every second or third decade when there are many."""
    d0 = math.floor(math.log10(lo) + 1e-12)
    d1 = math.ceil(math.log10(hi) - 1e-12)
    if d1 <= d0:
        d1 = d0 + 1
    decades = d1 - d0
    every = 1 if decades <= 8 else math.ceil(decades / 8)
    ticks: list[float] = []
    for d in range(d0, d1 + 1):
        base = float(f"1e{d}")
        if (d - d0) % every == 0 or d == d1:
            ticks.append(base)
        if decades <= 2 and d < d1:
            ticks.extend(float(f"{m}e{d}") for m in (2, 5))
    ticks = sorted(set(ticks))
    return float(f"1e{d0}"), float(f"1e{d1}"), ticks


@dataclass
class _Axis:
    lo: float
    hi: float
    a: float  # pixel at lo
    b: float  # pixel at hi
    log: bool = False

    def __call__(self, v: float) -> float:
        if self.log:
            f0, f1, fv = math.log10(self.lo), math.log10(self.hi), math.log10(v)
        else:
            f0, f1, fv = self.lo, self.hi, v
        return self.a + (fv - f0) / (f1 - f0) * (self.b - self.a)


# ---------------------------------------------------------------- frontier

def _finite(p: ChartPoint) -> bool:
    return isinstance(p.x, (int, float)) and isinstance(p.y, (int, float)) and math.isfinite(p.x) \
        and math.isfinite(p.y)


def _key(p: ChartPoint) -> tuple:
    return (p.x, p.y, p.label, p.url or "", p.group or "")


def pareto_frontier(points: list[ChartPoint], higher_y_better: bool = True,
                    lower_x_better: bool = True) -> list[ChartPoint]:
    """The points no other point dominates, ordered by x ascending.

    ``q`` dominates ``p`` when it is at least as good on both axes and strictly
    better on one. Points with identical values do not dominate each other, so
    duplicates on the frontier are all kept. Points with a non-finite x or y
    are ignored.
    """
    xs = 1 if lower_x_better else -1
    ys = -1 if higher_y_better else 1
    # Best x first; within one x, best y first. A point is on the frontier when its y is strictly
    # better than every point before it, or when it duplicates the point that set the best y.
    cands = sorted((p for p in points if _finite(p)), key=lambda p: (xs * p.x, ys * p.y) + _key(p)[2:])
    out: list[ChartPoint] = []
    best: tuple[float, float] | None = None
    for p in cands:
        if best is None or ys * p.y < ys * best[1] or (p.x == best[0] and p.y == best[1]):
            out.append(p)
            best = (p.x, p.y)
    out.sort(key=_key)
    return out


def wants_log_scale(values: Iterable[float]) -> bool:
    """True when the positive values span more than two decades (max / min > 100): a
    logarithmic x axis then shows cost or tokens better."""
    pos = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v) and v > 0]
    return len(pos) >= 2 and max(pos) / min(pos) > 100


# ---------------------------------------------------------------- SVG assembly

def _chart_id(kind: str, *parts: object, points: Sequence[ChartPoint]) -> str:
    h = hashlib.sha256()
    for part in (kind, *parts):
        h.update(repr(part).encode("utf-8", "surrogatepass") + b"\x1f")
    for p in sorted(points, key=lambda p: (repr(p.x), repr(p.y), p.label, p.url or "", p.group or "")):
        h.update(repr((p.label, repr(p.x), repr(p.y), p.url, p.group)).encode("utf-8", "surrogatepass") + b"\x1e")
    return "chart-" + h.hexdigest()[:12]


def _open(cid: str, kind: str, height: float, title: str, desc: str, extra: str = "") -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" id="{cid}" '
        f'viewBox="0 0 {WIDTH} {_c(height)}" role="img" aria-labelledby="{cid}-title {cid}-desc"{extra}>',
        f'<title id="{cid}-title">{_t(title)}</title>',
        f'<desc id="{cid}-desc">{_t(desc)}</desc>',
        f'<text class="chart-title" x="{MARGIN_LEFT}" y="22">{_t(title, 90)}</text>',
    ]


def _empty(cid: str, kind: str, title: str, reason: str) -> Markup:
    desc = f"Not enough data to draw this chart: {reason}"
    parts = _open(cid, kind, HEIGHT, title, desc, ' data-empty="1"')
    parts.append(f'<rect class="chart-frame" x="{MARGIN_LEFT}" y="{MARGIN_TOP}" '
                 f'width="{WIDTH - MARGIN_LEFT - MARGIN_RIGHT}" height="{HEIGHT - MARGIN_TOP - MARGIN_BOTTOM}"/>')
    parts.append(f'<text class="chart-empty" x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle">'
                 f'Not enough data</text>')
    parts.append("</svg>")
    # Safe: submission text (labels, titles, URLs) enters only through _t()/_safe_url(); numbers via _c()/_num().
    return Markup("\n".join(parts) + "\n")


def _groups(points: Sequence[ChartPoint]) -> dict[str, int]:
    names = sorted({_clean(p.group) for p in points if p.group})
    return {g: i for i, g in enumerate(names)}


def _legend_layout(groups: dict[str, int]) -> list[tuple[str, int, float, float]]:
    """(name, index, x, row) of each legend item, wrapped to the chart width."""
    items: list[tuple[str, int, float, float]] = []
    x, row = float(MARGIN_LEFT), 0.0
    names = list(groups)
    shown = names[:MAX_LEGEND]
    for name in shown:
        w = 18 + 7 * len(_clean(name, MAX_LABEL_CHARS)) + 14
        if x + w > WIDTH - MARGIN_RIGHT and x > MARGIN_LEFT:
            x, row = float(MARGIN_LEFT), row + 1
        items.append((name, groups[name], x, row))
        x += w
    if len(names) > len(shown):
        more = f"and {len(names) - len(shown)} more"
        if x + 7 * len(more) > WIDTH - MARGIN_RIGHT and x > MARGIN_LEFT:
            x, row = float(MARGIN_LEFT), row + 1
        items.append((more, -1, x, row))
    return items


def _frame(points: Sequence[ChartPoint]) -> tuple[dict[str, int], float, float, float, float, float]:
    """Series of the points and the plot area: (groups, top, height, bottom, left, right) in
    pixels; a legend (two series or more) pushes the plot down by its rows."""
    groups = _groups(points)
    legend_rows = int(max((row for *_, row in _legend_layout(groups)), default=-1) + 1) if len(groups) > 1 else 0
    top = MARGIN_TOP + (legend_rows * LEGEND_ROW + 8 if legend_rows else 0)
    height = HEIGHT + top - MARGIN_TOP
    return groups, top, height, height - MARGIN_BOTTOM, MARGIN_LEFT, WIDTH - MARGIN_RIGHT


def _legend(groups: dict[str, int], y0: float) -> list[str]:
    out = ['<g class="chart-legend">']
    for name, idx, x, row in _legend_layout(groups):
        y = y0 + row * LEGEND_ROW
        if idx >= 0:
            out.append(f'<circle class="point series-{idx % MAX_SERIES_CLASSES}" cx="{_c(x + 5)}" cy="{_c(y - 4)}" '
                       f'r="{_c(POINT_R)}"/>')
            out.append(f'<text x="{_c(x + 14)}" y="{_c(y)}">{_t(name, MAX_LABEL_CHARS)}</text>')
        else:
            out.append(f'<text x="{_c(x)}" y="{_c(y)}">{_t(name)}</text>')
    out.append("</g>")
    return out


def _axes(xa: _Axis, ya: _Axis, xticks: list[tuple[float, str]], yticks: list[tuple[float, str]],
          x_label: str, y_label: str, top: float, bottom: float) -> list[str]:
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    out = ['<g class="chart-grid" aria-hidden="true">']
    for v, _ in yticks:
        y = ya(v)
        out.append(f'<line x1="{_c(left)}" y1="{_c(y)}" x2="{_c(right)}" y2="{_c(y)}"/>')
    for v, _ in xticks:
        x = xa(v)
        out.append(f'<line x1="{_c(x)}" y1="{_c(top)}" x2="{_c(x)}" y2="{_c(bottom)}"/>')
    out.append("</g>")
    out.append('<g class="chart-axis axis-x">')
    out.append(f'<line class="axis-line" x1="{_c(left)}" y1="{_c(bottom)}" x2="{_c(right)}" y2="{_c(bottom)}"/>')
    for v, label in xticks:
        x = xa(v)
        out.append(f'<line class="tick" x1="{_c(x)}" y1="{_c(bottom)}" x2="{_c(x)}" y2="{_c(bottom + 5)}"/>')
        out.append(f'<text class="tick-label" x="{_c(x)}" y="{_c(bottom + 18)}" text-anchor="middle" '
                   f'data-value="{_num(v)}">{_t(label)}</text>')
    out.append(f'<text class="axis-label" x="{_c((left + right) / 2)}" y="{_c(bottom + 42)}" '
               f'text-anchor="middle">{_t(x_label, 80)}</text>')
    out.append("</g>")
    out.append('<g class="chart-axis axis-y">')
    out.append(f'<line class="axis-line" x1="{_c(left)}" y1="{_c(top)}" x2="{_c(left)}" y2="{_c(bottom)}"/>')
    for v, label in yticks:
        y = ya(v)
        out.append(f'<line class="tick" x1="{_c(left - 5)}" y1="{_c(y)}" x2="{_c(left)}" y2="{_c(y)}"/>')
        out.append(f'<text class="tick-label" x="{_c(left - 8)}" y="{_c(y + 4)}" text-anchor="end" '
                   f'data-value="{_num(v)}">{_t(label)}</text>')
    cy = (top + bottom) / 2
    out.append(f'<text class="axis-label" x="{_c(16)}" y="{_c(cy)}" text-anchor="middle" '
               f'transform="rotate(-90 16 {_c(cy)})">{_t(y_label, 60)}</text>')
    out.append("</g>")
    return out


def _y_axis(ys: list[float], top: float, bottom: float) -> tuple[_Axis, list[tuple[float, str]]]:
    lo, hi, ticks = _linear_ticks(min(0.0, *ys), max(1.0, *ys))
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return _Axis(lo, hi, bottom, top), [(t, _fmt_pct_tick(t, step)) for t in ticks]


def _point(p: ChartPoint, cx: float, cy: float, frontier: bool, groups: dict[str, int], tooltip: str,
           extra: str = "") -> str:
    cls = ["point"]
    if p.group:
        cls.append(f"series-{groups[_clean(p.group)] % MAX_SERIES_CLASSES}")
    if frontier:
        cls.append("frontier")
    group_attr = f' data-group="{_t(p.group)}"' if p.group else ""
    circle = (f'<circle class="{" ".join(cls)}" cx="{_c(cx)}" cy="{_c(cy)}" r="{_c(FRONTIER_R if frontier else POINT_R)}" '
              f'data-x="{_num(p.x)}" data-y="{_num(p.y)}"{extra}{group_attr}>'
              f'<title>{_t(tooltip, MAX_TITLE_CHARS)}</title></circle>')
    url = _safe_url(p.url)
    if url is None:
        return circle
    return f'<a href="{_t(url)}" tabindex="-1">{circle}</a>'


def _point_labels(placed: list[tuple[ChartPoint, float, float]], right: float, top: float,
                  bottom: float) -> list[str]:
    """Visible names beside the frontier points: above right of the point, else above left,
    else below; a name that would overlap one already placed is left out (the point's
    tooltip and the chart's description still name it)."""
    out = ['<g class="point-labels" aria-hidden="true">']
    boxes: list[tuple[float, float, float, float]] = []
    for p, cx, cy in placed:
        text = _clean(p.label, MAX_LABEL_CHARS)
        w = 6.5 * len(text)
        for dx, dy, anchor in ((8, -8, "start"), (-8, -8, "end"), (8, 16, "start"), (-8, 16, "end")):
            x0 = cx + dx if anchor == "start" else cx + dx - w
            box = (x0, cy + dy - 11, x0 + w, cy + dy + 3)
            if box[0] < 0 or box[2] > right + MARGIN_RIGHT or box[1] < top - 4 or box[3] > bottom:
                continue
            if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                continue
            boxes.append(box)
            end = ' text-anchor="end"' if anchor == "end" else ""
            out.append(f'<text class="point-label" x="{_c(cx + dx)}" y="{_c(cy + dy)}"{end}>{_t(text)}</text>')
            break
    out.append("</g>")
    return out


def _frontier_names(frontier: list[ChartPoint], fmt) -> str:
    named = [f"{_clean(p.label, 80)} ({fmt(p)})" for p in frontier[:MAX_DESC_FRONTIER]]
    if len(frontier) > MAX_DESC_FRONTIER:
        named.append(f"and {len(frontier) - MAX_DESC_FRONTIER} more")
    return "; ".join(named)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- Pareto chart

def pareto_svg(points: Sequence[ChartPoint], x_label: str, y_label: str, title: str, log_x: bool = False,
               higher_y_better: bool = True) -> Markup:
    """A scatter chart of ``y`` (score) against ``x`` (cost, tokens; lower is better) with the
    Pareto frontier marked (class ``frontier``) and joined (polyline ``frontier-line``).

    With ``log_x`` the x axis is logarithmic (use :func:`wants_log_scale` to decide);
    points with x ≤ 0 cannot be placed on it and are left out, which ``<desc>`` says.
    Fewer than two drawable points give a chart that says "Not enough data".
    """
    points = list(points)
    cid = _chart_id("pareto", title, x_label, y_label, bool(log_x), bool(higher_y_better), points=points)
    usable = [p for p in points if _finite(p)]
    notes = []
    if len(usable) < len(points):
        notes.append(f"{_plural(len(points) - len(usable), 'point')} without a numeric value "
                     f"{'is' if len(points) - len(usable) == 1 else 'are'} not shown.")
    if log_x:
        nonpos = [p for p in usable if p.x <= 0]
        usable = [p for p in usable if p.x > 0]
        if nonpos:
            notes.append(f"{_plural(len(nonpos), 'point')} with {_clean(x_label, 80)} at or below 0 "
                         f"{'is' if len(nonpos) == 1 else 'are'} not shown on the logarithmic axis.")
    if len(usable) < 2:
        reason = f"{_plural(len(usable), 'point')} to plot, at least 2 are needed."
        return _empty(cid, "pareto", title, " ".join([reason, *notes]))

    groups, top, height, bottom, left, right = _frame(usable)

    xs = [p.x for p in usable]
    if log_x:
        x0, x1, xt = _log_ticks(min(xs), max(xs))
    else:
        lo = 0.0 if min(xs) >= 0 else min(xs)
        x0, x1, xt = _linear_ticks(lo, max(xs))
    xa = _Axis(x0, x1, left, right, log=bool(log_x))
    ya, yticks = _y_axis([p.y for p in usable], top, bottom)
    xticks = [(v, _fmt_tick(v)) for v in xt]

    frontier = pareto_frontier(usable, higher_y_better=higher_y_better, lower_x_better=True)
    on_front = {id(p) for p in frontier}

    def values(p: ChartPoint) -> str:
        return f"{_clean(x_label, 80)} {fmt_value(p.x)}, {_clean(y_label, 80)} {fmt_score(p.y)}"

    desc = [f"Scatter chart of {_clean(y_label, 80)} against {_clean(x_label, 80)} for "
            f"{_plural(len(usable), 'run')}{' (logarithmic x axis)' if log_x else ''}. "
            f"{'Higher' if higher_y_better else 'Lower'} {_clean(y_label, 80)} and lower {_clean(x_label, 80)} are better. "
            f"Pareto frontier ({_plural(len(frontier), 'run')}, none of which another run beats on both): "
            f"{_frontier_names(frontier, values)}.", *notes]
    extra = (f' data-plot="{_c(left)} {_c(top)} {_c(right)} {_c(bottom)}" data-x-scale="{"log" if log_x else "linear"}" '
             f'data-x-domain="{_num(x0)} {_num(x1)}" data-y-domain="{_num(ya.lo)} {_num(ya.hi)}"')
    parts = _open(cid, "pareto", height, title, " ".join(desc), extra)
    if top > MARGIN_TOP:  # the frame made room for a legend
        parts += _legend(groups, MARGIN_TOP + 6)
    parts += _axes(xa, ya, xticks, yticks, x_label, y_label, top, bottom)

    placed = [(p, xa(p.x), ya(p.y)) for p in frontier]
    parts.append('<polyline class="frontier-line" fill="none" points="'
                 + " ".join(f"{_c(x)},{_c(y)}" for _, x, y in placed) + '"/>')
    parts.append('<g class="points">')
    order = sorted(usable, key=lambda p: (id(p) in on_front,) + _key(p))
    for p in order:
        tooltip = f"{_clean(p.label)}: {values(p)}" + (" (Pareto frontier)" if id(p) in on_front else "")
        parts.append(_point(p, xa(p.x), ya(p.y), id(p) in on_front, groups, tooltip))
    parts.append("</g>")
    if len(frontier) <= 8:
        parts += _point_labels(placed, right, top, bottom)
    parts.append("</svg>")
    # Safe: submission text (labels, titles, URLs) enters only through _t()/_safe_url(); numbers via _c()/_num().
    return Markup("\n".join(parts) + "\n")


# ---------------------------------------------------------------- timeline

def _day(x: object) -> float | None:
    """Days since 1970-01-01 of a date, a datetime (its UTC date) or a number."""
    if isinstance(x, dt.datetime):
        d = x.astimezone(dt.timezone.utc).date() if x.tzinfo is not None else x.date()
        return float((d - EPOCH).days)
    if isinstance(x, dt.date):
        return float((x - EPOCH).days)
    if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
        return float(x)
    return None


def _date(day: float) -> dt.date:
    return EPOCH + dt.timedelta(days=math.floor(day))


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.year * 12 + (d.month - 1) + n
    return dt.date(m // 12, m % 12 + 1, 1)


def _date_ticks(lo: float, hi: float) -> tuple[float, float, list[tuple[float, str]]]:
    """A domain of whole days, months or years covering [lo, hi] and its labelled ticks."""
    d0, d1 = _date(lo), _date(hi)
    span = (d1 - d0).days
    if span <= 21:
        step = 1 if span <= 7 else (2 if span <= 14 else 3)
        if span == 0:
            d0, d1 = d0 - dt.timedelta(days=1), d1 + dt.timedelta(days=1)
        ticks, d = [], d0
        while d < d1:
            ticks.append(d)
            d += dt.timedelta(days=step)
        ticks.append(d)
        d1 = d
        return float((d0 - EPOCH).days), float((d1 - EPOCH).days), [
            (float((t - EPOCH).days), t.isoformat()) for t in ticks]
    if span <= 366 * 3:
        months = (d1.year - d0.year) * 12 + d1.month - d0.month + 1
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= 8)
        start = dt.date(d0.year, d0.month, 1)
        start = _add_months(start, -((start.month - 1) % step))
        ticks, d = [], start
        while d <= d1:
            ticks.append(d)
            d = _add_months(d, step)
        ticks.append(d)
        fmt = (lambda t: t.strftime("%Y-%m")) if step < 12 else (lambda t: str(t.year))
        return float((ticks[0] - EPOCH).days), float((ticks[-1] - EPOCH).days), [
            (float((t - EPOCH).days), fmt(t)) for t in ticks]
    years = d1.year - d0.year + 1
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 1000) if years / s <= 8)
    y0 = d0.year - d0.year % step
    ticks = []
    y = y0
    while dt.date(y, 1, 1) <= d1:
        ticks.append(dt.date(y, 1, 1))
        y += step
    ticks.append(dt.date(y, 1, 1))
    return float((ticks[0] - EPOCH).days), float((ticks[-1] - EPOCH).days), [
        (float((t - EPOCH).days), str(t.year)) for t in ticks]


def timeline_svg(points: Sequence[ChartPoint], title: str, y_label: str, *, higher_y_better: bool = True) -> Markup:
    """Score (y) over submission date (x: a ``datetime.date``, a ``datetime`` or days since
    1970-01-01), with the running best ("state of the art") drawn as a step line
    (``frontier-line sota-line``) and the runs that set it marked ``frontier``.

    A run sets the state of the art when no run submitted on the same day or earlier scored
    at least as well (runs tied on both date and score both set it). Higher scores are better
    unless ``higher_y_better`` is false (an optional keyword for lower-is-better metrics).
    """
    points = list(points)
    days: list[tuple[ChartPoint, float]] = []
    skipped = 0
    for p in points:
        d = _day(p.x)
        if d is None or not isinstance(p.y, (int, float)) or not math.isfinite(p.y):
            skipped += 1
        else:
            days.append((p, d))
    # The chart works on copies whose x is the day number; the originals are not changed.
    shadow = [ChartPoint(p.label, d, float(p.y), p.url, p.group) for p, d in days]
    cid = _chart_id("timeline", title, y_label, bool(higher_y_better), points=shadow)
    notes = []
    if skipped:
        notes.append(f"{_plural(skipped, 'point')} without a date or score {'is' if skipped == 1 else 'are'} not shown.")
    if len(shadow) < 2:
        reason = f"{_plural(len(shadow), 'point')} to plot, at least 2 are needed."
        return _empty(cid, "timeline", title, " ".join([reason, *notes]))

    groups, top, height, bottom, left, right = _frame(shadow)

    x0, x1, xticks = _date_ticks(min(p.x for p in shadow), max(p.x for p in shadow))
    xa = _Axis(x0, x1, left, right)
    ya, yticks = _y_axis([p.y for p in shadow], top, bottom)

    records = pareto_frontier(shadow, higher_y_better=higher_y_better, lower_x_better=True)
    on_front = {id(p) for p in records}
    first, last = min(p.x for p in shadow), max(p.x for p in shadow)

    def values(p: ChartPoint) -> str:
        return f"submitted {_date(p.x).isoformat()}, {_clean(y_label, 80)} {fmt_score(p.y)}"

    desc = [f"{_clean(y_label, 80)} over submission date for {_plural(len(shadow), 'run')}, "
            f"from {_date(first).isoformat()} to {_date(last).isoformat()}. "
            f"The step line is the best score so far (state of the art), set by "
            f"{_plural(len(records), 'run')}: {_frontier_names(records, values)}.", *notes]
    extra = (f' data-plot="{_c(left)} {_c(top)} {_c(right)} {_c(bottom)}" data-x-scale="linear" '
             f'data-x-domain="{_num(x0)} {_num(x1)}" data-y-domain="{_num(ya.lo)} {_num(ya.hi)}"')
    parts = _open(cid, "timeline", height, title, " ".join(desc), extra)
    if top > MARGIN_TOP:  # the frame made room for a legend
        parts += _legend(groups, MARGIN_TOP + 6)
    parts += _axes(xa, ya, xticks, yticks, "Submission date", y_label, top, bottom)

    # Step line: flat until the next record, then up to it; carried on to the last submission.
    steps: list[tuple[float, float]] = []
    for p in records:
        if steps:
            steps.append((p.x, steps[-1][1]))
        steps.append((p.x, p.y))
    if steps[-1][0] < last:
        steps.append((last, steps[-1][1]))
    coords: list[str] = []
    for x, y in steps:
        c = f"{_c(xa(x))},{_c(ya(y))}"
        if not coords or coords[-1] != c:
            coords.append(c)
    parts.append(f'<polyline class="frontier-line sota-line" fill="none" points="{" ".join(coords)}"/>')
    parts.append('<g class="points">')
    for p in sorted(shadow, key=lambda p: (id(p) in on_front,) + _key(p)):
        rec = id(p) in on_front
        tooltip = f"{_clean(p.label)}: {values(p)}" + (" (set the state of the art)" if rec else "")
        parts.append(_point(p, xa(p.x), ya(p.y), rec, groups, tooltip,
                            extra=f' data-date="{_date(p.x).isoformat()}"'))
    parts.append("</g>")
    if len(records) <= 8:
        parts += _point_labels([(p, xa(p.x), ya(p.y)) for p in records], right, top, bottom)
    parts.append("</svg>")
    # Safe: submission text (labels, titles, URLs) enters only through _t()/_safe_url(); numbers via _c()/_num().
    return Markup("\n".join(parts) + "\n")


# ---------------------------------------------------------------- chart files

# The theme's chart colours, for a chart file on its own (no site stylesheet reaches an SVG shown by <img>).
CHART_CSS = """\
svg.chart{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#0550ae;
--c1:#0969da;--c2:#bc4c00;--c3:#1a7f37;--c4:#8250df;--c5:#bf3989;--c6:#1b7c83;--c7:#9a6700;--c8:#57606a;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:12px}
@media (prefers-color-scheme:dark){svg.chart{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;
--accent:#4493f8;--c1:#4493f8;--c2:#f0883e;--c3:#3fb950;--c4:#ab7df8;--c5:#f778ba;--c6:#39c5cf;--c7:#d29922;
--c8:#9198a1}}
text{fill:var(--fg)}
.chart-title{font-size:14px;font-weight:600}
.chart-grid line{stroke:var(--line);stroke-width:1;stroke-dasharray:2 3}
.axis-line,.tick{stroke:var(--muted);stroke-width:1}
.tick-label{fill:var(--muted);font-size:11px;font-variant-numeric:tabular-nums}
.axis-label{fill:var(--fg);font-size:12px}
.chart-frame{fill:none;stroke:var(--line);stroke-dasharray:4 4}
.chart-empty{fill:var(--muted);font-size:16px}
.point{fill:var(--c8);fill-opacity:.75;stroke:var(--bg);stroke-width:1}
.point.frontier{fill:var(--accent);fill-opacity:1;stroke:var(--fg);stroke-width:2}
.point.series-0{fill:var(--c1)}.point.series-1{fill:var(--c2)}.point.series-2{fill:var(--c3)}
.point.series-3{fill:var(--c4)}.point.series-4{fill:var(--c5)}.point.series-5{fill:var(--c6)}
.point.series-6{fill:var(--c7)}.point.series-7{fill:var(--c8)}
.frontier-line{fill:none;stroke:var(--accent);stroke-width:2;stroke-linejoin:round}
.sota-line{stroke-linejoin:miter}
.point-label{fill:var(--fg);font-size:11px;paint-order:stroke;stroke:var(--bg);stroke-width:3px;stroke-linejoin:round}
a:hover .point,a:focus .point{stroke:var(--accent);stroke-width:3}
.chart-legend .point{fill-opacity:1}
"""


def describe(svg: Markup) -> tuple[str, str, int, int]:
    """(title, description, width, height) of a chart made here: the alt text and the intrinsic
    size of an ``<img>`` showing it. Plain text (the caller escapes it again)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(str(svg))
    ns = "{http://www.w3.org/2000/svg}"
    title = root.find(f"{ns}title")
    desc = root.find(f"{ns}desc")
    _, _, w, h = (float(v) for v in root.get("viewBox", f"0 0 {WIDTH} {HEIGHT}").split())
    return ((title.text or "") if title is not None else "", (desc.text or "") if desc is not None else "",
            round(w), round(h))


def standalone_svg(svg: Markup) -> bytes:
    """A chart as an SVG file: an XML declaration, the root given its intrinsic size and the
    fixed :data:`CHART_CSS` (the only ``<style>``; it holds no submitted text). Nothing else
    changes, so the points keep their ``<title>`` tooltips and their links (relative to the
    folder of the page that the chart belongs to, which is where the file is written)."""
    text = str(svg)
    _, _, w, h = describe(svg)
    head, sep, rest = text.partition(">")  # the root start tag (attribute values are escaped: no ">" inside)
    if not sep or not head.startswith("<svg "):
        raise ValueError("not a chart made by generator.charts")
    head = f'{head} width="{w}" height="{h}"'
    style = f"<style>{CHART_CSS}</style>"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + head + ">\n" + style + rest).encode("utf-8")
