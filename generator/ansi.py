"""Terminal output to safe HTML (used only by ``render``).

SGR colour and style sequences (ECMA-48 ``CSI … m``) become ``<span>``
elements with fixed class names (``a-fg1``, ``a-bg4``, ``a-b`` …); 256-colour
and true-colour codes fall back to the nearest of the 16 base colours so no
inline style is needed (the Content-Security-Policy forbids them). Every
other control sequence (cursor movement, OSC title/hyperlink/clipboard,
DCS, bare C0 controls other than tab and newline) is removed and the removal
is marked with a visible ``⟨esc⟩`` marker. Text is escaped before any tag
is added, so the output cannot contain markup from the input.
"""

from __future__ import annotations

import functools
import re

from markupsafe import Markup, escape

# CSI with parameters, OSC (terminated by BEL or ST), DCS/PM/APC/SOS strings, other ESC pairs.
_SEQ = re.compile(
    r"\x1b\[([0-?]*)([ -/]*)([@-~])"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)


def _nearest16(r: int, g: int, b: int) -> int:
    bright = max(r, g, b) > 170
    base = (1 if r > 95 else 0) | (2 if g > 95 else 0) | (4 if b > 95 else 0)
    return base + (8 if bright else 0)


def _xterm256(n: int) -> int:
    if n < 16:
        return n
    if n >= 232:
        level = (n - 232) * 10 + 8
        return 15 if level > 200 else (7 if level > 120 else (8 if level > 60 else 0))
    n -= 16
    r, g, b = n // 36, (n // 6) % 6, n % 6
    return _nearest16(*(0 if c == 0 else 55 + c * 40 for c in (r, g, b)))


class _State:
    __slots__ = ("fg", "bg", "bold", "italic", "underline", "dim")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.fg = self.bg = None
        self.bold = self.italic = self.underline = self.dim = False

    def classes(self) -> str:
        out = []
        if self.fg is not None:
            out.append(f"a-fg{self.fg}")
        if self.bg is not None:
            out.append(f"a-bg{self.bg}")
        for flag, name in ((self.bold, "a-b"), (self.dim, "a-d"), (self.italic, "a-i"), (self.underline, "a-u")):
            if flag:
                out.append(name)
        return " ".join(out)

    def apply(self, params: str) -> None:
        codes = [int(p) if p.isdigit() else 0 for p in params.replace(":", ";").split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif 30 <= c <= 37:
                self.fg = c - 30
            elif 90 <= c <= 97:
                self.fg = c - 90 + 8
            elif c == 39:
                self.fg = None
            elif 40 <= c <= 47:
                self.bg = c - 40
            elif 100 <= c <= 107:
                self.bg = c - 100 + 8
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                colour = None
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour, i = _xterm256(codes[i + 2] % 256), i + 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour, i = _nearest16(*(v % 256 for v in codes[i + 2:i + 5])), i + 4
                if colour is not None:
                    if c == 38:
                        self.fg = colour
                    else:
                        self.bg = colour
            i += 1


MARK = "⟨esc⟩"


def has_escapes(text: str) -> bool:
    return bool(_SEQ.search(text))


@functools.lru_cache(maxsize=4096)
def _sgr(state: tuple, params: str) -> tuple[tuple, str]:
    """The state after the SGR sequence with ``params`` and its class list. Terminal output
    repeats a few sequences thousands of times: the transitions are computed once."""
    st = _State()
    st.fg, st.bg, st.bold, st.italic, st.underline, st.dim = state
    st.apply(params)
    return (st.fg, st.bg, st.bold, st.italic, st.underline, st.dim), st.classes()


_PLAIN = (None, None, False, False, False, False)


def ansi_to_html(text: str) -> Markup:
    """Escaped HTML for terminal text; colours as spans, other controls marked."""
    if not _SEQ.search(text):
        return escape(text)
    state = _PLAIN
    out: list[str] = []
    open_span = False
    pos = 0
    for m in _SEQ.finditer(text):
        out.append(str(escape(text[pos:m.start()])))
        pos = m.end()
        if m.group(3) == "m" and not m.group(2):
            params = m.group(1)
            # (Long parameter lists are not worth caching, and hostile ones must not fill the cache.)
            state, cls = _sgr(state, params) if len(params) <= 32 else _sgr.__wrapped__(state, params)
            if open_span:
                out.append("</span>")
                open_span = False
            if cls:
                out.append(f'<span class="{cls}">')
                open_span = True
        else:
            out.append(f'<span class="a-ctl" title="control sequence removed">{MARK}</span>')
    out.append(str(escape(text[pos:])))
    if open_span:
        out.append("</span>")
    # Every piece of input text went through escape(); the only tags are spans with fixed class names.
    return Markup("".join(out))
