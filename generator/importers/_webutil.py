"""Helpers shared by the browser-agent importers (ClawBench, WebArena-Verified, AgentLab).

Not an importer (the package loader skips modules whose name starts with
``_``). Everything here is deliberately small and pure:

- **time**: :func:`epoch_to_utc` turns epoch seconds or milliseconds into an
  aware UTC ``datetime``; :func:`parse_time` also takes ISO 8601 strings (a
  zone-less string is taken as UTC and the caller is told so).
- **secrets**: :func:`redact` replaces (with ``[REDACTED:credential-field]``,
  the marker of ``generator/redact.py``) the values of keys that look like
  credentials (password, token, secret, api key, session, cookie, auth,
  csrf) in a parsed body or query object; :func:`redact_url` does the same
  for URL query parameters and strips ``user:password@`` from the netloc.
  :data:`SENSITIVE_HEADERS` names the request/response headers that must
  never be shown (cookies, authorization, API keys).
- **numbers**: :func:`finite_num` reads an optional JSON number as a float
  (booleans, NaN and infinities are not numbers).
- **display**: :func:`clip` cuts long text in the middle (head and tail kept)
  and says how much was cut; :func:`dumps` is compact JSON for any value.
- **static resources**: :func:`is_static_resource` tells a GET of a script,
  style sheet, image, font or media file (by CDP resource type, MIME type or
  URL extension) from a document, XHR or form request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson

UTC = dt.timezone.utc
REDACTED = "[REDACTED:credential-field]"  # the marker the site's own redaction uses

SENSITIVE_HEADERS = frozenset({
    "cookie", "set-cookie", "authorization", "proxy-authorization", "x-api-key", "api-key",
    "x-auth-token", "x-csrf-token", "x-xsrf-token", "x-amz-security-token", "x-goog-api-key",
})

# Keys whose values are credentials or session material; matched case-insensitively
# anywhere in the key (``user_password``, ``form_key``, ``access_token``...).
_SECRET_KEY = re.compile(
    r"^pass$|passw|passphrase|secret|token|api[-_]?key|apikey|auth(?!or)|session|cookie|csrf|xsrf"
    r"|^key$|form_key|credential|private[-_]?key|signature|^sig$|(?:^|[_-])otp(?:$|[_-])|(?:^|[_-])pin$"
    r"|cvv|cvc|card[-_]?number",
    re.IGNORECASE,
)
_NOT_SECRET = re.compile(r"(_count|_sha256|_hash|_len|_length|tokens)$", re.IGNORECASE)

_STATIC_TYPES = frozenset({
    "image", "stylesheet", "script", "font", "media", "manifest", "texttrack", "ping",
    "cspviolationreport", "prefetch", "signedexchange", "preflight",
})
_STATIC_MIME = re.compile(
    r"^(image/|font/|audio/|video/|text/css|application/(x-)?javascript|text/javascript"
    r"|application/(x-)?font|application/vnd\.ms-fontobject|application/font-woff)",
    re.IGNORECASE,
)
_STATIC_EXT = re.compile(
    r"\.(js|mjs|css|png|jpe?g|gif|svg|ico|webp|avif|bmp|woff2?|ttf|otf|eot|map|mp4|webm|mp3|wav)$",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------
# Identifiers and hashes
# --------------------------------------------------------------------------


def finite_num(value: Any) -> float | None:
    """An int or finite float as a float; None for booleans, NaN, infinities and non-numbers. Never raises."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return float(value)


def slug(text: str | None, fallback: str | None = None) -> str | None:
    """A string matching ``model.ID_PATTERN`` (``[A-Za-z0-9][A-Za-z0-9._-]{0,127}``)."""
    if not text:
        return fallback
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", str(text))
    s = re.sub(r"-{2,}", "-", s).strip("-._")
    if len(s) > 128:
        digest = hashlib.sha1(str(text).encode("utf-8")).hexdigest()[:8]
        s = f"{s[:119].rstrip('-._')}-{digest}"
    return s or fallback


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------


def epoch_to_utc(value: float, unit: str | None = None) -> dt.datetime | None:
    """Epoch ``value`` in ``unit`` ("s" or "ms"; None = guess by magnitude:
    above 1e11 it is milliseconds, i.e. after 1973 in ms / year 5138 in s)."""
    if unit is None:
        unit = "ms" if abs(value) > 1e11 else "s"
    seconds = value / 1000.0 if unit == "ms" else float(value)
    try:
        return dt.datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_time(value: Any, unit: str | None = None) -> tuple[dt.datetime | None, bool]:
    """``(aware UTC datetime or None, zone_was_missing)`` for an epoch number or ISO string."""
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, (int, float)):
        return epoch_to_utc(value, unit), False
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return epoch_to_utc(float(text), unit), False
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            ts = dt.datetime.fromisoformat(text)
        except ValueError:
            return None, False
        if ts.tzinfo is None:
            return ts.replace(tzinfo=UTC), True
        return ts.astimezone(UTC), False
    return None, False


# --------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------


def dumps(value: Any, indent: bool = False) -> str:
    """Compact (or indented) JSON for any value; non-JSON values via ``str``."""
    option = orjson.OPT_INDENT_2 if indent else 0
    try:
        return orjson.dumps(value, option=option | orjson.OPT_NON_STR_KEYS, default=str).decode()
    except TypeError:
        return str(value)


def clip(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut to about ``limit`` characters (head and tail kept); and how many were cut."""
    if len(text) <= limit:
        return text, 0
    head = limit * 2 // 3
    tail = limit - head
    cut = len(text) - head - tail
    return f"{text[:head]}\n… [{cut} characters not shown] …\n{text[-tail:]}", cut


# --------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------


def is_secret_key(key: Any) -> bool:
    return isinstance(key, str) and bool(_SECRET_KEY.search(key)) and not _NOT_SECRET.search(key)


def redact(value: Any) -> tuple[Any, int]:
    """A copy of ``value`` with credential-like keys' values replaced; and how many were."""
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        count = 0
        for k, v in value.items():
            if is_secret_key(k) and v not in (None, "", [], {}):
                out[k] = REDACTED
                count += 1
            else:
                out[k], n = redact(v)
                count += n
        return out, count
    if isinstance(value, list):
        items = []
        count = 0
        for v in value:
            r, n = redact(v)
            items.append(r)
            count += n
        return items, count
    return value, 0


def redact_url(url: str) -> tuple[str, int]:
    """``url`` with credential-like query values and ``user:pass@`` removed; and how many were."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, 0
    count = 0
    netloc = parts.netloc
    if "@" in netloc:
        netloc = netloc.rsplit("@", 1)[1]
        count += 1
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_key(k) and v for k, v in pairs):
            new = []
            for k, v in pairs:
                if is_secret_key(k) and v:
                    new.append((k, REDACTED))
                    count += 1
                else:
                    new.append((k, v))
            query = urlencode(new, safe="[]:/@,")
    if not count:
        return url, 0
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), count


# --------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------


def is_static_resource(method: str | None, url: str | None, mime: str | None = None,
                       resource_type: str | None = None) -> bool:
    """True for a GET/HEAD/OPTIONS of a script, style, image, font or media file."""
    if (method or "GET").upper() not in ("GET", "HEAD", "OPTIONS"):
        return False
    if resource_type and resource_type.lower() in _STATIC_TYPES:
        return True
    if resource_type and resource_type.lower() in ("document", "xhr", "fetch", "eventsource", "websocket"):
        return False
    if mime and _STATIC_MIME.match(mime.strip()):
        return True
    try:
        path = urlsplit(url or "").path
    except ValueError:
        return False
    return bool(_STATIC_EXT.search(path)) or "/static/" in path


def url_title(method: str, url: str, limit: int = 120) -> str:
    """``METHOD host/path`` for a step title (query string left out)."""
    try:
        parts = urlsplit(url)
        where = f"{parts.netloc}{parts.path}" if parts.netloc else url
    except ValueError:
        where = url
    title = f"{method} {where}"
    return title if len(title) <= limit else title[: limit - 1] + "…"
