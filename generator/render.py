"""Stage 6, render: the only module that knows HTML.

Templates and assets live in ``themes/<name>/``; a project's own
``themes/<name>/templates`` overrides the default theme file by file (and
block by block through ``{% extends "default/…" %}``). Autoescape is on for
every template; trace data reaches templates as plain strings and is turned
into markup only by the escaping filters defined here (``ansi``,
``highlight``, ``markdown``), never by ``|safe``.
"""

from __future__ import annotations

import datetime as dt
import base64
import functools
import re
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from mdit_py_plugins.anchors import anchors_plugin
from pygments import highlight as _pyg_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name

from generator.ansi import ansi_to_html
from generator.config import Config
from generator.jsonread import InputError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'")
ALLOWED_SCHEMES = ("http:", "https:", "mailto:")


def default_theme_dir() -> Path:
    """The bundled theme: ``themes/default`` beside the package (source checkout
    or editable install), else the copy installed under ``share/tracesite``."""
    for cand in (PACKAGE_ROOT / "themes" / "default", Path(sys.prefix) / "share" / "tracesite" / "themes" / "default"):
        if (cand / "templates").is_dir():
            return cand
    raise FileNotFoundError("the default theme was not found; reinstall tracesite")


# ---------------------------------------------------------------- Markdown

def _validate_link(url: str) -> bool:
    u = url.strip().lower()
    if ":" not in u.split("/", 1)[0] and not u.startswith("//"):
        return True  # relative link or #anchor
    return u.startswith(ALLOWED_SCHEMES)


def make_markdown() -> MarkdownIt:
    """CommonMark + tables, raw HTML off, links limited to http(s)/mailto/relative,
    heading anchors prefixed ``h-`` so user text cannot clobber page ids."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.use(anchors_plugin, min_level=1, max_level=4, permalink=True, permalinkSymbol="#", permalinkBefore=True,
           slug_func=lambda s: "h-" + "".join(c if c.isalnum() else "-" for c in s.lower()).strip("-"))
    md.validateLink = _validate_link
    md.add_render_rule("image", _render_image)
    return md


def _render_image(self, tokens, idx, options, env) -> str:
    """Images from the site itself are shown; an image from another origin would be a
    third-party request (and is blocked by the CSP), so it becomes a link to it instead."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    if src.startswith("//") or ":" in src.split("/", 1)[0]:
        alt = self.renderInline(token.children or [], options, env) if token.children else ""
        return f'<a href="{escape(src)}" rel="nofollow noopener">[image: {alt or escape(src)}]</a>'
    return self.image(tokens, idx, options, env)


def split_front_matter(text: str, label: str) -> tuple[dict, str]:
    """Front matter (YAML between leading ``---`` lines) and the body. Raises InputError at the
    line of the file for invalid YAML (duplicate keys included), as for every YAML file."""
    from generator.jsonread import parse_yaml

    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        raise InputError(label, "line 1", "front matter starts with '---' but has no closing '---' line")
    # The YAML starts on the first line (after "---"), so its line numbers are the file's.
    meta = parse_yaml(text[3:end], label) or {}
    if not isinstance(meta, dict):
        raise InputError(label, "front matter", "expected a mapping of keys (title, order, description)")
    body = text[end + 4:].split("\n", 1)[1] if "\n" in text[end + 4:] else ""
    return meta, body


# ---------------------------------------------------------------- filters

# Bidirectional overrides/isolates and zero-width characters can make text read differently
# from what it is (CVE-2021-42574 "Trojan Source"); they are shown as visible markers.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def mark_invisible(html: str) -> str:
    """Replace invisible characters in already-escaped HTML by visible plain-text
    markers (no markup, so the same marker is safe inside attribute values)."""
    if html.isascii() or not _INVISIBLE.search(html):
        return html
    return _INVISIBLE.sub(_marker, html)


def _finalize(value: Any) -> Any:
    """Every ``{{ … }}`` output passes here before Jinja's autoescaping: invisible characters
    become visible plain-text markers, in plain strings and in markup from the escaping filters
    alike. Escaping neither adds nor removes such characters and the markers hold no HTML
    special character, so marking before escaping gives the same text as marking after.

    The common case (no invisible character) returns the value untouched: this runs for
    every expression of every page, millions of times on a large site."""
    if not isinstance(value, str) or value.isascii() or _INVISIBLE.search(value) is None:
        return value  # (every character _INVISIBLE matches is outside ASCII)
    marked = _INVISIBLE.sub(_marker, str(value))
    return Markup(marked) if isinstance(value, Markup) else marked


def _marker(m: re.Match) -> str:
    return f"⟦U+{ord(m.group(0)):04X}⟧"


_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")


@functools.lru_cache(maxsize=32)
def _lexer(language: str):
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except Exception:  # unknown language name: shown as plain escaped text
        return None


def ansi(text: str) -> Markup:
    return ansi_to_html(text)


def highlight(text: str, language: str) -> Markup:
    """Pygments highlighting; Pygments escapes every token it emits."""
    lexer = _lexer(language)
    if lexer is None or len(text) > 200_000:
        return escape(text)
    # Pygments' HtmlFormatter escapes every token; the markup it adds is spans with its own class names.
    return Markup(_pyg_highlight(text, lexer, _FORMATTER))


def to_json(value: Any) -> str:
    """Pretty JSON of tool arguments for display (not for embedding in script)."""
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return repr(value)


def fmt_score(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v * 100:.{digits}f}%"


def fmt_num(v: float | int | None) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.2f}"
    return f"{int(v):,}"


def fmt_usd(v: float | None) -> str:
    if v is None:
        return "—"
    return f"${v:,.4f}" if v < 1 else f"${v:,.2f}"


def fmt_duration(v: float | None) -> str:
    if v is None:
        return "—"
    if v < 60:
        return f"{v:.1f} s"
    m, s = divmod(int(round(v)), 60)
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {s:02d} s"


def fmt_time(v: dt.datetime | dt.date | None) -> str:
    """UTC with the offset shown; dates as ISO dates."""
    if v is None:
        return "—"
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            return v.isoformat(sep=" ", timespec="seconds") + " (no zone)"
        return v.astimezone(dt.timezone.utc).isoformat(sep=" ", timespec="seconds")
    return v.isoformat()


def fmt_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _bytecode_cache():
    """Compiled templates are kept in the user's cache folder (never in the project)."""
    from jinja2 import FileSystemBytecodeCache

    from generator.cache import cache_root

    folder = cache_root() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


@dataclass
class Page:
    path: str
    data: bytes


class Renderer:
    """Renders pages from data. Templates receive data, never open files."""

    def __init__(self, config: Config, project_root: Path | None = None):
        self.config = config
        default = default_theme_dir()
        loaders = []
        if project_root is not None:
            proj = project_root / "themes" / config.theme / "templates"
            if proj.is_dir() and proj.resolve() != (default / "templates").resolve():
                loaders.append(FileSystemLoader(str(proj)))
        loaders.append(FileSystemLoader(str(default / "templates")))
        loaders.append(PrefixLoader({"default": FileSystemLoader(str(default / "templates"))}))
        self.env = Environment(
            loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined,
            bytecode_cache=_bytecode_cache(),
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=_finalize,
        )
        self.env.filters.update(
            ansi=ansi_to_html, highlight=highlight, tojson_pretty=to_json, score=fmt_score,
            num=fmt_num, usd=fmt_usd, duration=fmt_duration, time=fmt_time, bytes=fmt_bytes,
            sha256=sha256_text,
        )
        self.env.globals["site"] = config
        self.markdown = make_markdown()
        self.asset_dirs = [d for d in ([project_root / "themes" / config.theme / "static"] if project_root else [])
                           if d.is_dir()] + [default / "static"]
        self._assets = self._collect_assets()
        self.env.globals["sri"] = self.sri

    def render(self, template: str, path: str, **context: Any) -> Page:
        root = "../" * path.count("/")
        # The terminal player compiles WebAssembly: only pages that show a recording allow it.
        csp = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'") \
            if context.get("recording_url") else CSP
        html = self.env.get_template(template).render(root=root, page_path=path, csp=csp, **context)
        return Page(path, html.encode("utf-8"))

    def markdown_html(self, text: str) -> Markup:
        # html=False: raw HTML in the source is shown as text; output is markdown-it's own escaped HTML.
        return Markup(self.markdown.render(text))

    def _collect_assets(self) -> dict[str, bytes]:
        seen: dict[str, bytes] = {}
        for d in self.asset_dirs:
            for f in sorted(d.rglob("*")):
                if f.is_file() and not f.is_symlink():
                    rel = "assets/" + f.relative_to(d).as_posix()
                    seen.setdefault(rel, f.read_bytes())
        seen["assets/highlight.css"] = HtmlFormatter(classprefix="hl-").get_style_defs(".hl").encode()
        return dict(sorted(seen.items()))

    def sri(self, path: str) -> str:
        """Subresource Integrity value (sha384) of a theme asset; KeyError for an unknown asset."""
        return "sha384-" + base64.b64encode(hashlib.sha384(self._assets[path]).digest()).decode()

    def assets(self) -> list[Page]:
        """Theme static files (project theme first) plus the Pygments stylesheet."""
        return [Page(p, b) for p, b in self._assets.items()]


# ---------------------------------------------------------------- view data

TERMINAL_KINDS = {"terminal_command", "observation", "tool_result", "error"}


@dataclass(slots=True)
class StepView:
    """A step prepared for display: the text to show, and whether it was
    collapsed (``<details>``) or cut (original size and sha256 shown).

    The step head is prepared here too, as plain text the template escapes:
    ``css`` (class list), ``kind_label``, ``title`` (None when it repeats the
    tool name), ``time_text`` (with ``time_iso`` for a time without zone, whose
    text is not machine-readable) and ``meta`` (tokens, cost and
    duration joined by " · ", with a leading separator after a time). A long
    trace has tens of thousands of steps, and each expression a template
    evaluates per step costs more than the same work done once here."""

    step: Any
    text: str
    mode: str
    chars: int
    lines: int
    collapsed: bool
    truncated: bool
    sha256: str | None
    arguments: str | None
    html: bool = False
    full_url: str | None = None
    css: str = ""
    kind_label: str = ""
    title: str | None = None
    time_iso: str | None = None
    time_text: str = ""
    meta: str = ""
    deciding: bool = False


_HTML_DOC = re.compile(r"^\s*(?:<!doctype html|<html[\s>])|</(?:html|body)>\s*$", re.IGNORECASE)


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_DOC.search(text[:500]) or _HTML_DOC.search(text[-200:]))


def _looks_like_diff(text: str) -> bool:
    head = text.lstrip()[:200]
    return head.startswith(("diff --git", "--- ", "Index: ")) or "\n@@ " in text[:2000]


def _same_json(text: str, value: Any) -> bool:
    if text == value:
        return True
    try:
        return orjson.loads(text) == value
    except (orjson.JSONDecodeError, TypeError):
        return False


def step_views(steps: list, limits, deciding_step: int | None = None) -> list[StepView]:
    """Display data of ``steps`` (tracesite ``Step`` models) under ``limits``; ``deciding_step``
    is the 1-based index of the step that decided the trace's score, marked on its step."""
    out = []
    for s in steps:
        text = s.content or ""
        chars = len(text)
        truncated = chars > limits.max_step_chars
        digest = sha256_text(text) if truncated else None
        if truncated:
            text = text[: limits.max_step_chars]
        lines = text.count("\n") + 1 if text else 0
        kind = s.kind.value if hasattr(s.kind, "value") else str(s.kind)
        if kind == "submission" and _looks_like_diff(text):
            mode = "diff"
        elif kind in TERMINAL_KINDS:
            mode = "ansi"
        else:
            mode = "text"
        args = to_json(s.tool_call.arguments) if s.tool_call is not None and s.tool_call.arguments is not None else None
        if args is not None and text and _same_json(text, s.tool_call.arguments):
            text, chars, lines = "", 0, 0  # the arguments are already shown, highlighted
        collapsed = chars > limits.collapse_chars or lines > limits.collapse_lines
        deciding = s.index == deciding_step
        css = f"step k-{kind}" + (" deciding" if deciding else "") + (" is-error" if s.is_error else "")
        meta = []
        if s.usage is not None and (tokens := s.usage.tokens()) is not None:
            meta.append(f"{fmt_num(tokens)} tok")
        if s.usage is not None and s.usage.cost_usd is not None:
            meta.append(fmt_usd(s.usage.cost_usd))
        if s.duration_s is not None:
            meta.append(fmt_duration(s.duration_s))
        function = s.tool_call.function if s.tool_call is not None else None
        out.append(StepView(
            s, text, mode, chars, lines, collapsed, truncated, digest, args,
            html=mode == "text" and _looks_like_html(text), css=css, kind_label=kind.replace("_", " "),
            title=s.title if s.title and s.title != function else None,
            # fmt_time's text of an aware time is a valid <time> value; a naive one needs the attribute.
            time_iso=s.timestamp.isoformat() if s.timestamp and s.timestamp.tzinfo is None else None,
            time_text=fmt_time(s.timestamp) if s.timestamp else "",
            meta=(" · " if s.timestamp and meta else "") + " · ".join(meta), deciding=deciding))
    return out


def content_nav(pages: list) -> list[tuple[str, str]]:
    """(title, path) of the content pages, by front-matter ``order`` then title."""
    from generator.plan import content_path

    items = []
    for cp, meta, *_ in pages:
        order = meta.get("order", 1000)
        order = order if isinstance(order, (int, float)) and not isinstance(order, bool) else 1000
        title = str(meta.get("title") or cp.rel[:-3])
        items.append((order, title, content_path(cp.rel)))
    items.sort(key=lambda x: (x[0], x[1], x[2]))
    return [(t, p) for _, t, p in items]


def board_charts(board) -> dict[str, Markup]:
    """Build-time SVG charts of a leaderboard: score against cost and tokens
    (Pareto frontier marked) and score over submission date."""
    try:
        from generator import charts
    except ImportError:  # pragma: no cover - charts.py ships with tracesite
        return {}

    ranked = [rs for _, rs in board.ranked]
    up = "../" * board.url.count("/")  # chart links are relative to the leaderboard page

    def label(rs) -> str:
        name = rs.agent.name if rs.agent else rs.run.agent
        return f"{name} ({rs.run.model})" if rs.run.model else name

    out: dict[str, Markup] = {}
    cost = [charts.ChartPoint(label(rs), rs.cost_usd, rs.score, up + rs.url, None) for rs in ranked
            if rs.cost_usd is not None and rs.cost_usd > 0]
    tokens = [charts.ChartPoint(label(rs), float(rs.tokens), rs.score, up + rs.url, None) for rs in ranked
              if rs.tokens is not None and rs.tokens > 0]
    higher = board.benchmark.metric.higher_is_better
    if len(cost) >= 2:
        out["cost"] = charts.pareto_svg(cost, "cost per run (USD)", board.benchmark.metric.name,
                                        f"{board.benchmark.name}: score against cost",
                                        log_x=max(p.x for p in cost) / min(p.x for p in cost) > 100,
                                        higher_y_better=higher)
    if len(tokens) >= 2:
        out["tokens"] = charts.pareto_svg(tokens, "tokens per run", board.benchmark.metric.name,
                                          f"{board.benchmark.name}: score against tokens",
                                          log_x=max(p.x for p in tokens) / min(p.x for p in tokens) > 100,
                                          higher_y_better=higher)
    dated = []
    for rs in ranked:
        when = rs.run.submitted
        if when is not None:
            day = when.date() if isinstance(when, dt.datetime) else when
            dated.append(charts.ChartPoint(label(rs), day, rs.score, up + rs.url, None))
    if len(dated) >= 2:
        out["timeline"] = charts.timeline_svg(dated, f"{board.benchmark.name}: score by submission date",
                                              board.benchmark.metric.name)
    return out
