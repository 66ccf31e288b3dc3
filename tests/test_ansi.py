"""Terminal output to HTML (generator/ansi.py): colours and styles as spans with fixed
class names, state carried from one SGR sequence to the next, every other control
marked, every piece of text escaped."""

from __future__ import annotations

import re
from html import unescape

from hypothesis import given, settings
from hypothesis import strategies as st
from generator.ansi import _SEQ, MARK, _State, ansi_to_html


def _expected_runs(text: str) -> list[tuple[str, str]]:
    """(classes, text) runs the HTML must show, from one _State stepped through the text;
    a removed control is a run of its own with class "a-ctl"."""
    state, runs, pos = _State(), [], 0
    for m in _SEQ.finditer(text):
        runs.append((state.classes(), text[pos:m.start()]))
        pos = m.end()
        if m.group(3) == "m" and not m.group(2):
            state.apply(m.group(1))
        else:
            runs.append(("a-ctl", MARK))
    runs.append((state.classes(), text[pos:]))
    return _merged(runs)


def _shown_runs(html: str) -> list[tuple[str, str]]:
    """(classes, text) runs of the HTML: the innermost open span's classes (a control's marker sits
    inside the style in force), "" outside any span."""
    runs, stack = [], [""]
    for tag, classes, piece in re.findall(r'(<span class="([^"]*)"(?: title="[^"]*")?>|</span>)|([^<]+)', html):
        if tag.startswith("<span"):
            stack.append(classes)
        elif tag:
            stack.pop()
        else:
            runs.append((stack[-1], unescape(piece)))
    assert stack == [""], "unbalanced spans"
    return _merged(runs)


def _merged(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for cls, piece in runs:
        if not piece:
            continue
        if out and out[-1][0] == cls and cls != "a-ctl":
            out[-1] = (cls, out[-1][1] + piece)
        else:
            out.append((cls, piece))
    return out


def test_styles_accumulate_and_reset():
    html = str(ansi_to_html("\x1b[1mbold \x1b[31mred bold\x1b[22m red\x1b[0m plain \x1b[38;5;196mx\x1b[m"))
    assert html == ('<span class="a-b">bold </span><span class="a-fg1 a-b">red bold</span>'
                    '<span class="a-fg1"> red</span> plain <span class="a-fg9">x</span>')


def test_true_colour_and_background_fall_back_to_the_16_colours():
    html = str(ansi_to_html("\x1b[38;2;250;10;10;44mx\x1b[0m"))
    assert html == '<span class="a-fg9 a-bg4">x</span>'


def test_other_controls_are_marked_and_text_is_escaped():
    html = str(ansi_to_html("<b>\x1b]0;title\x07</b>\x1b[2J&"))
    assert html == (f'&lt;b&gt;<span class="a-ctl" title="control sequence removed">{MARK}</span>&lt;/b&gt;'
                    f'<span class="a-ctl" title="control sequence removed">{MARK}</span>&amp;')


def test_long_parameter_lists_give_the_same_result_uncached():
    params = ";".join(["1", "4"] * 40 + ["32"])
    assert str(ansi_to_html(f"\x1b[{params}mx")) == '<span class="a-fg2 a-b a-u">x</span>'


_pieces = st.one_of(
    st.text(alphabet="ab<&\"' \n", max_size=6),
    st.lists(st.sampled_from(["0", "1", "2", "3", "4", "22", "23", "24", "31", "39", "42", "49", "97", "104",
                              "38;5;208", "48;2;1;2;3", "38;5", "", "x"]), max_size=4)
    .map(lambda codes: "\x1b[" + ";".join(codes) + "m"),
    st.sampled_from(["\x1b[2K", "\x1b]8;;http://x\x07", "\x07", "\x1b(B", "\x9b1m"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=12).map("".join))
def test_shows_each_piece_of_text_with_the_style_in_force(text):
    html = str(ansi_to_html(text))
    assert not re.search(r"<(?!/?span[ >])", html)  # the only tags are spans
    assert _shown_runs(html) == _expected_runs(text)
