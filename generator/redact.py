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
from collections import Counter
from dataclasses import dataclass
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


def rules() -> list[Rule]:
    global _RULES, _LITERALS
    if _RULES is None:
        _RULES = _EXTRA + _load_detect_secrets()
        _LITERALS = tuple(sorted({lit for _, lits, _ in _RULES if lits for lit in lits}
                                 | set(_FIELD_LITERALS) | {"@", "cookie"}))
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


def redact_value(value: Any, hits: list[Hit], personal_data: bool = True) -> Any:
    """Redact every string inside a JSON-like value (dict keys too)."""
    if isinstance(value, str):
        return redact(value, hits, personal_data)
    if isinstance(value, list):
        return [redact_value(v, hits, personal_data) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_value(v, hits, personal_data) for v in value)
    if isinstance(value, dict):
        return {redact(k, hits, personal_data) if isinstance(k, str) else k: redact_value(v, hits, personal_data)
                for k, v in value.items()}
    return value


def redact_trace(trace, personal_data: bool = True) -> list[tuple[str, Hit]]:
    """Redact a Trace in place; returns (place, hit) for each replacement.

    ``place`` is the step's source pointer (or the trace field name).
    """
    found: list[tuple[str, Hit]] = []

    def run(value, place: str):
        hits: list[Hit] = []
        new = redact_value(value, hits, personal_data)
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
