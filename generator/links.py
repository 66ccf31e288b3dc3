"""Links in content pages that lead nowhere in the built site.

A maintainer's Markdown pages link to boards, runs and each other by
relative path. A page that was renamed, failed to build (a front-matter
error) or never existed leaves a dead link that only a reader would find;
after rendering, every relative link and image of each content page is
resolved against the files of the site and reported as a warning
(rule ``links``) at its line.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

from generator.errors import Finding

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def markdown_targets(md: MarkdownIt, body: str) -> list[tuple[int, str, str]]:
    """(0-based line in ``body``, ``"link"`` or ``"image"``, URL as written) of every link and
    image of a Markdown document, in document order."""
    out = []
    for block in md.parse(body):
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        stack = list(block.children)
        while stack:
            tok = stack.pop(0)
            if tok.type == "link_open":
                out.append((line, "link", str(tok.attrGet("href") or "")))
            elif tok.type == "image":
                out.append((line, "image", str(tok.attrGet("src") or "")))
                stack[:0] = list(tok.children or [])
            if tok.type == "softbreak" or tok.type == "hardbreak":
                line += 1
    return out


def site_target(page_path: str, url: str) -> str | None:
    """The site file a link on ``page_path`` leads to (``a/`` means ``a/index.html``), or None
    for links this check does not follow: other origins, schemes (mailto:), bare fragments."""
    if not url or url.startswith(("#", "//")) or _SCHEME.match(url):
        return None
    path = unquote(urlsplit(url).path)
    if not path:
        return None
    base = "" if path.startswith("/") else posixpath.dirname(page_path)
    target = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
    if path.endswith("/") or target == ".":
        target = posixpath.join("" if target == "." else target, "index.html")
    return target


def broken_links(label: str, page_path: str, targets: list[tuple[int, str, str]], first_line: int,
                 site_paths: set[str]) -> list[Finding]:
    """Warnings for the ``targets`` (see :func:`markdown_targets`) of the content page written to
    ``page_path`` from ``label`` (its body starting at line ``first_line`` of the file) that
    are not among ``site_paths``."""
    out = []
    for line, kind, url in targets:
        target = site_target(page_path, url)
        # A folder named without its trailing slash works too: servers redirect it to the folder's index.
        if target is None or target in site_paths or posixpath.join(target, "index.html") in site_paths:
            continue
        where = "outside the site" if target.startswith("../") else f"{target!r}, which the site does not have"
        out.append(Finding(label, f"line {first_line + line}", "links",
                           f"{kind} {unquote(url)!r} leads to {where}; expected a page or file of the built site "
                           "(a page whose source failed to build is not written)", "warning"))
    return out
