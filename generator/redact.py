"""Secret and personal-data redaction, applied to every string before it is published.

Rule set: the regular expressions of the detect-secrets plugins (Yelp's
maintained rule set, ``detect_secrets/plugins/*.py``: AWS, Azure storage,
basic-auth URLs, Discord, GitHub, GitLab, JWT, Mailchimp, npm, legacy OpenAI,
private key blocks, PyPI, SendGrid, Slack, Square, Stripe, Telegram, Twilio),
plus rules for what that set lacks (documented in ``docs/security.md``):
current OpenAI (``sk-proj-…``) and Anthropic (``sk-ant-…``) keys, Hugging
Face and Google API keys, ``Bearer`` and API-key headers, and credential-like
fields (``password=``, ``"api_key": "…"``) whose value is long enough or
random enough to be real. detect-secrets' own entropy scanners are not used:
on free text they flag ordinary words.

Found secrets are replaced by a typed marker such as
``[REDACTED:github-token]``; email addresses and cookie headers are replaced
by ``[REDACTED:email]`` and ``[REDACTED:cookie]`` (personal data, on by
default). The caller turns secret hits into ``secret`` findings so the
contributor can rotate the key.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

# detect-secrets plugin -> (marker kind, lower-case literals one of which every match contains, or
# None when a match has no fixed literal). The literals let most text skip a rule with a fast ``in``.
_DETECT_SECRETS_PLUGINS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "AWSKeyDetector": ("aws-key", ("akia", "asia", "abia", "acca", "a3t", "aws")),
    "AzureStorageKeyDetector": ("azure-storage-key", ("accountkey=",)),
    "BasicAuthDetector": ("url-password", ("@",)),
    "DiscordBotTokenDetector": ("discord-token", (".",)),
    "GitHubTokenDetector": ("github-token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    "GitLabTokenDetector": ("gitlab-token", ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "gr1348941", "glcbt-",
                                             "glimt-", "glptt-", "glagent-", "gloas-")),
    "JwtTokenDetector": ("jwt", ("eyj",)),
    "MailchimpDetector": ("mailchimp-key", ("-us",)),
    "NpmDetector": ("npm-token", ("_authtoken",)),
    "OpenAIDetector": ("openai-key", ("t3blbkfj",)),
    "PrivateKeyDetector": ("private-key", ("private key", "putty-user-key")),
    "PypiTokenDetector": ("pypi-token", ("pypi-",)),
    "SendGridDetector": ("sendgrid-key", ("sg.",)),
    "SlackDetector": ("slack-token", ("xox", "hooks.slack.com")),
    "SquareOAuthDetector": ("square-secret", ("sq0csp-",)),
    "StripeDetector": ("stripe-key", ("k_live_",)),
    "TelegramBotTokenDetector": ("telegram-token", (":",)),
    "TwilioKeyDetector": ("twilio-key", None),
}

_EXTRA = [
    ("private-key", ("private key",),
     re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)", re.S)),
    ("jwt", ("eyj",), re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")),
    ("anthropic-key", ("sk-ant-",), re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}")),
    ("openai-key", ("sk-",), re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}")),
    ("huggingface-token", ("hf_",), re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("google-api-key", ("aiza",), re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("bearer-token", ("bearer",), re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/=-]{16,})")),
    ("api-key-header", ("api-key", "authorization"),
     re.compile(r"(?i)\b(?:x-api-key|x-goog-api-key|api-key|authorization)[\"']?\s*[:=]\s*[\"']?((?!bearer\b)[^\s\"',;]{12,})")),
]
_FIELD_LITERALS = ("pass", "pwd", "secret", "key", "token")
_VALUE_GROUP = {rule[2] for rule in _EXTRA if rule[0] in ("bearer-token", "api-key-header")}
# Credential-like fields: the value is redacted when it is long and random enough.
# (Quotes may be backslash-escaped: the field may sit inside a JSON string.)
_FIELD = re.compile(
    r"(?i)\\?[\"']?\b(?:password|passwd|pwd|secret|client_secret|api_?key|access_?key|secret_?key|auth_?token|"
    r"access_?token|refresh_?token|private_?key|token)\b\\?[\"']?\s*[:=]\s*\\?[\"']([^\"'\s\\]{8,})\\?[\"']")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_COOKIE = re.compile(r"(?im)\b((?:set-)?cookie[\"']?\s*[:=]\s*)([^\r\n]+)")

# What the blob prefilter (see ``_dirty``) searches for in place of most rules' own patterns, which
# are slower to search for (a ``\b``, a character class or a letter in either case first) or unsafe
# in a blob (``\Z``). Each entry: a pattern (or several); patterns to search the lower-cased blob for
# instead when the blob is ASCII (case-insensitive rules: there they can start with a fixed
# character); and the rule patterns it covers, as (source, flags). Covering patterns must match
# wherever one of their rules matches: each alternative is a contiguous part of a pattern it covers,
# at most loosened (a character class widened, a repeat cut short). Rules not covered are searched
# for with their own pattern where their literals are (so a detect-secrets version with other
# patterns is still redacted in full, only more slowly).
_U, _I = re.UNICODE, re.UNICODE | re.IGNORECASE
_FIELD_TAIL = r"\b\\?[\"']?\s*[:=]\s*\\?[\"'][^\"'\s\\]{8}"
_AWS_FIELD = r"aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?[\'\"]([0-9a-zA-Z/+]{40})[\'\"]"
_URL_PASSWORD = r"[^:/\?\#\[\]@!\$\&'\(\)\*\+,;=\s]+"
_COVERS: list[tuple[str | tuple[str, ...], tuple[str, ...], list[tuple[str, int]]]] = [
    # (a private key block ends at its END line or at \Z, which a blob has only at its very end)
    (r"BEGIN [A-Z0-9 ]*PRIVATE KEY", (),
     [(_EXTRA[0][2].pattern, _EXTRA[0][2].flags), ("BEGIN PGP PRIVATE KEY BLOCK", _U)]
     + [(f"BEGIN {k}PRIVATE KEY", _U) for k in ("DSA ", "EC ", "OPENSSH ", "RSA ", "SSH2 ENCRYPTED ", "")]),
    ("PuTTY-User-Key-File-2", (), [("PuTTY-User-Key-File-2", _U)]),
    ("eyJ", (), [(_EXTRA[1][2].pattern, _U), (r"eyJ[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.?[A-Za-z0-9-_.+/=]*?", _U)]),
    (r"s(?:k-[A-Za-z0-9_-]{20}|q0csp-[0-9A-Za-z\\\-_]{43})", (),
     [(_EXTRA[2][2].pattern, _U), (_EXTRA[3][2].pattern, _U),
      ("sk-[A-Za-z0-9-_]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", _U), (r"sq0csp-[0-9A-Za-z\\\-_]{43}", _U)]),
    ("hf_[A-Za-z0-9]{30}", (), [(_EXTRA[4][2].pattern, _U)]),
    (r"A(?:(?:3T[A-Z0-9]|BIA|CCA|KIA|SIA)[0-9A-Z]{16}|Iza[0-9A-Za-z_-]{35}|C[a-z0-9]{32}"
     r"|ccountKey=[a-zA-Z0-9+\/=]{88})", (),
     [("(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}", _U), (_EXTRA[5][2].pattern, _U), ("AC[a-z0-9]{32}", _U),
      (r"AccountKey=[a-zA-Z0-9+\/=]{88}", _U)]),
    (r"S(?:G\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9_-]{43}|K[a-z0-9]{32})", (),
     [(r"SG\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9_-]{43}", _U), ("SK[a-z0-9]{32}", _U)]),
    (":(?:[0-9A-Za-z_-]{35}|//" + _URL_PASSWORD + ":" + _URL_PASSWORD + "@)", (),
     [(r"\d{8,10}:[0-9A-Za-z_-]{35}", _U), ("://" + _URL_PASSWORD + ":(" + _URL_PASSWORD + ")@", _U)]),
    (r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}", (),
     [(r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}", _U)]),
    ("g(?:h[pousr]_[A-Za-z0-9_]{36}|l(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-)", (),
     [("(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}", _U),
      (r"(glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_\-]{20,50}(?!\w)", _U),
      (r"glcbt-([0-9a-fA-F]{2}_)?[A-Za-z0-9_\-]{20,50}(?!\w)", _U), (r"glimt-[A-Za-z0-9_\-]{25}(?!\w)", _U),
      (r"glptt-[A-Za-z0-9_\-]{40}(?!\w)", _U), (r"glagent-[A-Za-z0-9_\-]{50,1024}(?!\w)", _U),
      (r"gloas-[A-Za-z0-9_\-]{64}(?!\w)", _U)]),
    ("GR1348941", (), [(r"GR1348941[A-Za-z0-9_\-]{20,50}(?!\w)", _U)]),
    ("-us[0-9]", (), [("[0-9a-z]{32}-us[0-9]{1,2}", _U)]),
    ("/:_authToken=", (), [(r"\/\/.+\/:_authToken=\s*((npm_.+)|([A-Fa-f0-9-]{36})).*", _U)]),
    ("pypi-AgE", (),
     [("pypi-AgEIcHlwaS5vcmc[A-Za-z0-9-_]{70,}", _U), ("pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9-_]{70,}", _U)]),
    ("k_live_[0-9a-zA-Z]{24}", (), [("(?:r|s)k_live_[0-9a-zA-Z]{24}", _U)]),
    (r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", (), [(_EMAIL.pattern, _EMAIL.flags)]),
    # Case-insensitive and searched for everywhere (their literals are common words). The AWS field
    # from its quoted value; on ASCII text, the pattern itself, case-sensitive on the lower-cased blob.
    (tuple(q + r"(?i:[0-9a-zA-Z/+]{40})['\"]" for q in "'\""), (_AWS_FIELD,), [(_AWS_FIELD, _I)]),
    # The credential field from the end of its name, which ends with password, passwd, pwd, secret,
    # key or token (ſ and the Kelvin sign match s and k when case is ignored).
    (r"[pPsS\u017fkK\u212atT][aAwWeEoO](?i:ssword|sswd|d|cret|y|ken)" + _FIELD_TAIL,
     tuple(name + _FIELD_TAIL for name in ("passw(?:or)?d", "pwd", "secret", "key", "token")),
     [(_FIELD.pattern, _FIELD.flags)]),
]


Rule = tuple[str, "tuple[str, ...] | None", re.Pattern]


def _load_detect_secrets() -> list[Rule]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    rules = []
    for cls in get_mapping_from_secret_type_to_class().values():
        spec = _DETECT_SECRETS_PLUGINS.get(cls.__name__)
        if spec is None:
            continue
        for pattern in getattr(cls, "denylist", ()):
            rules.append((spec[0], spec[1], pattern))
    return rules


_RULES: list[Rule] | None = None
_LITERALS: tuple[str, ...] = ()
# What the blob prefilter (``_dirty``) searches for: (literals, patterns, patterns for the lower-cased
# blob if ASCII, personal data, blob-safe).
_CHECKS: list[tuple[tuple[str, ...] | None, list[re.Pattern], list[re.Pattern], bool, bool]] = []


def rules() -> list[Rule]:
    global _RULES, _LITERALS, _CHECKS
    if _RULES is None:
        _RULES = _EXTRA + _load_detect_secrets()
        _LITERALS = tuple(sorted({lit for _, lits, _ in _RULES if lits for lit in lits}
                                 | set(_FIELD_LITERALS) | {"@", "cookie"}))
        # (pattern, its literals, personal data) for every rule, then the checks that cover them.
        own = [(pattern, lits, False) for _, lits, pattern in _RULES]
        own += [(_FIELD, _FIELD_LITERALS, False), (_EMAIL, ("@",), True), (_COOKIE, ("cookie",), True)]
        checks: list = []
        covered: set[tuple[str, int]] = set()
        for scan, ascii_scans, keys in _COVERS:
            mine = [personal for pattern, _, personal in own if (pattern.pattern, pattern.flags) in keys]
            if mine:
                covered.update(keys)
                scans = [re.compile(p) for p in ((scan,) if isinstance(scan, str) else scan)]
                checks.append((None, scans, [re.compile(p) for p in ascii_scans], all(mine)))
        checks += [(lits, [pattern], [], personal) for pattern, lits, personal in own
                   if (pattern.pattern, pattern.flags) not in covered]
        _CHECKS = [(lits, scans, ascii_scans, personal, all(map(_blob_safe, scans + ascii_scans)))
                   for lits, scans, ascii_scans, personal in checks]
    return _RULES


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


@dataclass
class Hit:
    kind: str
    secret: bool  # False for personal data (email, cookie): redacted, not an error


def redact(text: str, hits: list[Hit] | None = None, personal_data: bool = True) -> str:
    """``text`` with secrets (and, if ``personal_data``, emails and cookies) replaced by markers.

    Each replacement is appended to ``hits``.
    """
    if not text:
        return text
    all_rules = rules()
    low = text.lower()
    present = {lit for lit in _LITERALS if lit in low}
    out = text
    for kind, literals, pattern in all_rules:
        if literals is not None and present.isdisjoint(literals):
            continue
        if not pattern.search(out):
            continue

        def repl(m: re.Match, kind=kind, pattern=pattern) -> str:
            if hits is not None:
                hits.append(Hit(kind, True))
            # Header rules keep their name ("Authorization: Bearer …") and replace the value group;
            # every other rule (detect-secrets' groups are not the secret) replaces the whole match.
            if pattern in _VALUE_GROUP and m.lastindex and m.group(m.lastindex):
                start, end = m.span(m.lastindex)
                s0 = m.start()
                return m.group(0)[: start - s0] + f"[REDACTED:{kind}]" + m.group(0)[end - s0:]
            return f"[REDACTED:{kind}]"
        out = pattern.sub(repl, out)

    def field(m: re.Match) -> str:
        value = m.group(1)
        if value.startswith("[REDACTED:") or (len(value) < 16 and _entropy(value) < 2.5 and "pass" not in m.group(0).lower()
                                               and "pwd" not in m.group(0).lower()):
            return m.group(0)
        if hits is not None:
            hits.append(Hit("credential-field", True))
        start, end = m.span(1)
        return m.group(0)[: start - m.start()] + "[REDACTED:credential-field]" + m.group(0)[end - m.start():]
    if not present.isdisjoint(_FIELD_LITERALS):
        out = _FIELD.sub(field, out)
    if personal_data and "@" in present:
        def email(m: re.Match) -> str:
            if hits is not None:
                hits.append(Hit("email", False))
            return "[REDACTED:email]"
        out = _EMAIL.sub(email, out)
    if personal_data and "cookie" in present:
        def cookie(m: re.Match) -> str:
            if hits is not None:
                hits.append(Hit("cookie", False))
            return m.group(1) + "[REDACTED:cookie]"
        out = _COOKIE.sub(cookie, out)
    return out


def _redact_value_plain(value: Any, hits: list[Hit], personal_data: bool = True) -> Any:
    # The per-string path: what the blob prefilter must always agree with.
    if isinstance(value, str):
        return redact(value, hits, personal_data)
    if isinstance(value, list):
        return [_redact_value_plain(v, hits, personal_data) for v in value]
    if isinstance(value, tuple):
        return tuple(_redact_value_plain(v, hits, personal_data) for v in value)
    if isinstance(value, dict):
        return {redact(k, hits, personal_data) if isinstance(k, str) else k: _redact_value_plain(v, hits, personal_data)
                for k, v in value.items()}
    return value


# The blob prefilter. Most strings of a trace contain no secret, and calling ``redact`` on each (a
# lower-case copy, a literal check per rule, then the patterns) costs far more than the searching
# itself. So the strings are joined with NUL into blobs of about _BLOB characters, each check of
# _CHECKS (see _COVERS) searches the whole blob, and only the strings a match touches go through
# ``redact``; the others are left as they are (``redact`` would return them unchanged, with no hits).
#
# Why no string is missed: a match inside a string is also a match in the blob, at the same place,
# as long as the pattern sees the separator only as a character that is not a word character and
# that nothing inside a negative lookahead could consume (``_blob_safe``): ``\b`` and ``(?!\w)``
# behave at a NUL as at the start or end of a string. A match that runs across a separator only
# costs time: the string it starts in goes through ``redact``. The literals of a blob are those of
# its strings together, so a check skipped for want of its literals would be skipped for each string.
_SEP = "\x00"
_BLOB = 32768


def _accepts_nul(items) -> bool:
    """Whether a parsed character item (LITERAL, NOT_LITERAL, ANY, IN, CATEGORY) can match NUL."""
    from re import _constants as c

    op, arg = items
    if op is c.LITERAL:
        return arg == 0
    if op is c.NOT_LITERAL:
        return arg != 0
    if op is c.ANY:
        return True
    if op is c.CATEGORY:
        return arg not in (c.CATEGORY_DIGIT, c.CATEGORY_SPACE, c.CATEGORY_WORD, c.CATEGORY_LINEBREAK)
    if op is c.RANGE:
        return arg[0] == 0
    if op is c.IN:
        negate = bool(arg) and arg[0][0] is c.NEGATE
        return negate != any(_accepts_nul(item) for item in (arg[1:] if negate else arg))
    raise ValueError(op)


def _safe_seq(seq, strict: bool) -> bool:
    """Whether a parsed sequence matches in a blob wherever it matches in one of the blob's strings.

    ``strict`` (inside a negative lookahead): also never consumes NUL, so it cannot match in the blob
    where it does not in the string.
    """
    from re import _constants as c

    for op, arg in seq:
        if op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN, c.CATEGORY):
            if strict and _accepts_nul((op, arg)):
                return False
        elif op is c.AT:
            if arg not in (c.AT_BOUNDARY, c.AT_NON_BOUNDARY):
                return False  # ^, $, \A, \Z: a blob has them at its ends only
        elif op is c.BRANCH:
            if not all(_safe_seq(alt, strict) for alt in arg[1]):
                return False
        elif op is c.SUBPATTERN:
            if not _safe_seq(arg[3], strict):
                return False
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            if not _safe_seq(arg[2], strict):
                return False
        elif op is c.ASSERT and arg[0] == 1:  # (?=…)
            if not _safe_seq(arg[1], strict):
                return False
        elif op is c.ASSERT_NOT and arg[0] == 1:  # (?!…)
            if not _safe_seq(arg[1], True):
                return False
        else:  # lookbehind, atomic and possessive groups, back references
            return False
    return True


def _blob_safe(pattern: re.Pattern) -> bool:
    """Whether ``pattern`` may scan a NUL-joined blob in place of each string (else: string by string)."""
    try:
        from re import _parser

        return isinstance(pattern.pattern, str) and _safe_seq(_parser.parse(pattern.pattern, pattern.flags), False)
    except Exception:  # a parser from another Python version: scan string by string
        return False


def _dirty(strings: list[str], personal_data: bool) -> list[int]:
    """Indexes (ascending) of the strings ``redact`` might change; it returns the others unchanged."""
    rules()
    out: list[int] = []  # str subclasses take the per-string path (it decides their type)
    # ASCII strings go into blobs of their own, where case-insensitive rules have faster scans.
    ascii_only: list[int] = []
    other: list[int] = []
    for i, s in enumerate(strings):
        if type(s) is not str:
            out.append(i)
        elif s:  # redact("") is ""
            (ascii_only if s.isascii() else other).append(i)
    for group in (ascii_only, other):
        start, n = 0, len(group)
        while start < n:
            end, size = start, 0
            while end < n and (end == start or size + len(strings[group[end]]) < _BLOB):
                size += len(strings[group[end]]) + 1
                end += 1
            idx = group[start:end]
            out.extend(idx[i] for i in _dirty_blob([strings[i] for i in idx], personal_data))
            start = end
    out.sort()
    return out


def _dirty_blob(part: list[str], personal_data: bool) -> set[int]:
    """Positions in ``part`` (non-empty strings) of the strings ``redact`` might change."""
    flagged: set[int] = set()
    blob = _SEP.join(part)
    is_ascii = blob.isascii()
    low = ""
    present: dict[str, bool] = {}  # literal -> in the lower-cased blob, looked up when needed
    nexts = list(accumulate(len(s) + 1 for s in part))  # nexts[i]: where string i + 1 starts
    for literals, scans, ascii_scans, personal, safe in _CHECKS:
        if personal and not personal_data:
            continue
        if literals is not None:
            low = low or blob.lower()
            for lit in literals:
                if (found := present.get(lit)) is None:
                    found = present[lit] = lit in low
                if found:
                    break
            else:
                continue
        if not safe:
            flagged.update(i for i, s in enumerate(part) if i not in flagged and any(scan.search(s) for scan in scans))
            continue
        text = blob
        if is_ascii and ascii_scans:
            # ASCII lower-casing keeps every position, and case-insensitive matching on ASCII text is
            # case-sensitive matching of the lower-cased text against the lower-case pattern.
            low = low or blob.lower()
            text, scans = low, ascii_scans
        for scan in scans:
            # The string where the leftmost match starts goes to ``redact``; the search goes on from
            # the next string (a match in a string starts in it: none of them is missed).
            pos = 0
            while (m := scan.search(text, pos)) is not None:
                i = bisect_right(nexts, m.start())
                flagged.add(i)
                if i + 1 >= len(part):
                    break
                pos = nexts[i]
        if len(flagged) == len(part):
            break
    return flagged


def _strings(value: Any, out: list) -> None:
    """Append the strings of ``value`` to ``out`` in the order ``_redact_value_plain`` visits them."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _strings(v, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                out.append(k)
            _strings(v, out)


def _rebuild(value: Any, new) -> Any:
    """A copy of ``value`` as ``_redact_value_plain`` makes it, with its strings taken from the iterator ``new``."""
    if isinstance(value, str):
        return next(new)
    if isinstance(value, list):
        return [_rebuild(v, new) for v in value]
    if isinstance(value, tuple):
        return tuple(_rebuild(v, new) for v in value)
    if isinstance(value, dict):
        return {next(new) if isinstance(k, str) else k: _rebuild(v, new) for k, v in value.items()}
    return value


def _redact_many(values: list, personal_data: bool) -> tuple[list, dict[int, list[Hit]]]:
    """Each of ``values`` redacted as ``_redact_value_plain`` would, and the hits by position in ``values``."""
    strings: list = []
    ends = []
    for value in values:
        if type(value) is str:
            strings.append(value)
        else:
            _strings(value, strings)
        ends.append(len(strings))
    hits: dict[int, list[Hit]] = {}
    for i in _dirty(strings, personal_data):
        strings[i] = redact(strings[i], hits.setdefault(bisect_right(ends, i), []), personal_data)
    new = iter(strings)
    return [next(new) if type(value) is str else _rebuild(value, new) for value in values], hits


def redact_value(value: Any, hits: list[Hit], personal_data: bool = True) -> Any:
    """Redact every string inside a JSON-like value (dict keys too).

    Lists, tuples and dicts are copied (dicts as plain dicts); other values are returned as they are.
    Each replacement is appended to ``hits``.
    """
    (new,), found = _redact_many([value], personal_data)
    hits.extend(found.get(0, ()))
    return new


def _redact_trace_plain(trace, personal_data: bool = True) -> list[tuple[str, Hit]]:
    # The per-string path, for traces whose steps share objects (each is redacted once per use).
    found: list[tuple[str, Hit]] = []

    def run(value, place: str):
        hits: list[Hit] = []
        new = _redact_value_plain(value, hits, personal_data)
        found.extend((place, h) for h in hits)
        return new

    base = trace.source_pointer or ""
    for name in ("submission", "error", "scorer_explanation"):
        val = getattr(trace, name)
        if isinstance(val, str):
            setattr(trace, name, run(val, f"{base} ({name})"))
    trace.notes = run(trace.notes, f"{base} (notes)")
    trace.metadata = run(trace.metadata, f"{base} (metadata)")
    for step in trace.steps:
        place = step.source or f"{base} step {step.index}"
        step.content = run(step.content, place)
        if step.title:
            step.title = run(step.title, place)
        if step.actor:
            step.actor = run(step.actor, place)
        if step.tool_call is not None:
            step.tool_call.arguments = run(step.tool_call.arguments, place)
            step.tool_call.function = run(step.tool_call.function, place)
    return found


def redact_trace(trace, personal_data: bool = True) -> list[tuple[str, Hit]]:
    """Redact a Trace in place; returns (place, hit) for each replacement.

    ``place`` is the step's source pointer (or the trace field name).
    """
    steps = trace.steps
    calls = [step.tool_call for step in steps if step.tool_call is not None]
    if len({id(s) for s in steps}) < len(steps) or len({id(c) for c in calls}) < len(calls):
        return _redact_trace_plain(trace, personal_data)
    # (object, attribute, place) in the order _redact_trace_plain redacts them, and their values.
    slots: list[tuple[Any, str, str]] = []
    base = trace.source_pointer or ""
    for name in ("submission", "error", "scorer_explanation"):
        if isinstance(getattr(trace, name), str):
            slots.append((trace, name, f"{base} ({name})"))
    slots.append((trace, "notes", f"{base} (notes)"))
    slots.append((trace, "metadata", f"{base} (metadata)"))
    for step in steps:
        place = step.source or f"{base} step {step.index}"
        slots.append((step, "content", place))
        if step.title:
            slots.append((step, "title", place))
        if step.actor:
            slots.append((step, "actor", place))
        if step.tool_call is not None:
            slots.append((step.tool_call, "arguments", place))
            slots.append((step.tool_call, "function", place))
    values, hits = _redact_many([getattr(obj, name) for obj, name, _ in slots], personal_data)
    for (obj, name, _), value in zip(slots, values):
        setattr(obj, name, value)
    return [(slots[i][2], h) for i in sorted(hits) for h in hits[i]]


def redact_run(run, personal_data: bool = True) -> tuple[Any, list[tuple[str, Hit]]]:
    """A copy of a Run whose free-text fields are redacted, and the hits with their JSON pointers."""
    found: list[tuple[str, Hit]] = []
    update = {}
    for name in ("description", "environment", "metadata"):
        hits: list[Hit] = []
        value = getattr(run, name)
        new = redact_value(value, hits, personal_data)
        if hits:
            update[name] = new
            found.extend((f"/{name}", h) for h in hits)
    hits = []
    sub = redact_value(run.submitter.model_dump(), hits, False)  # a submitter's name is meant to be public
    if hits:
        update["submitter"] = run.submitter.model_copy(update=sub)
        found.extend(("/submitter", h) for h in hits)
    return (run.model_copy(update=update) if update else run), found
