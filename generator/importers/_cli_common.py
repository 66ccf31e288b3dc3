"""Helpers shared by the coding-CLI session importers (claude_code, codex_cli, gemini_cli).

A private module (leading underscore): the importer registry does not load it
as a format. Nothing here knows a format; each importer documents its own
normalisations.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers._common import SNIFF_BYTES
from generator.jsonread import iter_jsonl
from generator.model import Step, StepKind, Trace, Usage

# Tool names whose calls run a shell command (shown as terminal_command).
SHELL_TOOLS = {"bash", "shell", "exec_command", "container.exec", "shell_command", "local_shell",
               "run_shell_command", "execute_command", "run_terminal_cmd"}


class Notes:
    """Notes for one trace, each said once, in order."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        if text not in self.items:
            self.items.append(text)


def parse_args(value: Any) -> Any:
    """Tool arguments: a JSON string is decoded (kept raw when it is not valid JSON)."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError:
                return value
    return value


def timestamp(value: Any, label: str, place: str, notes: Notes | None) -> dt.datetime | None:
    """ISO 8601 text (``Z`` or an offset) -> aware UTC; zone-less is taken as UTC and noted."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(label, place, "expected an ISO 8601 timestamp string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(label, place, f"expected an ISO 8601 timestamp, found {value[:40]!r}") from None
    if stamp.tzinfo is None:
        if notes is not None:
            notes.add("timestamps without a time zone were taken as UTC")
        return stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone(dt.timezone.utc)


def tool_kind(name: str) -> StepKind:
    """terminal_command for shell tools, browser_event for browser automation tools, else tool_call."""
    low = name.lower()
    if low in SHELL_TOOLS:
        return StepKind.terminal_command
    if low.startswith(("mcp__playwright__", "mcp__puppeteer__", "mcp__browser")) or low.startswith("browser_"):
        return StepKind.browser_event
    return StepKind.tool_call


def command_text(name: str, args: Any) -> str | None:
    """The shell command of a shell tool call, when the arguments hold one."""
    if isinstance(args, dict):
        cmd = args.get("command", args.get("cmd"))
        if isinstance(cmd, list) and all(isinstance(c, str) for c in cmd):
            if len(cmd) >= 3 and cmd[0] in ("bash", "sh", "zsh") and cmd[1] in ("-lc", "-c"):
                return cmd[2]
            return " ".join(cmd)
        if isinstance(cmd, str):
            return cmd
    if isinstance(args, str) and name.lower() in SHELL_TOOLS:
        return args
    return None


def int_field(obj: dict, key: str, label: str, place: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InputError(label, place, f"expected {key} as a number")
    return int(value)


def read_head_lines(path: Path, limit: int = 20) -> list[Any]:
    """The JSON values of the first complete non-blank lines within the first 64 KB (unparsable -> None)."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    lines = head.split(b"\n")
    if len(head) == SNIFF_BYTES:
        lines = lines[:-1]  # the last one may be cut
    out: list[Any] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            out.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            out.append(None)
        if len(out) >= limit:
            break
    return out


def session_head(path: Path, tool: str, limit: int = 20) -> tuple[list[Any], str | None]:
    """The first JSON Lines records of a single-file ``.jsonl`` session, or why ``path``
    is not one (a folder, another extension, an empty file): ``(records, None)`` or
    ``([], reason)``. ``tool`` names the CLI in the reason."""
    if path.is_dir():
        return [], f"a folder; {tool} sessions are single .jsonl files"
    if path.suffix.lower() != ".jsonl":
        return [], "not a .jsonl file"
    values = read_head_lines(path, limit=limit)
    if not values:
        return [], "empty file"
    return values, None


def final_answer(steps: list[Step]) -> Step | None:
    """The last assistant text step (model_call or assistant message), if the session ends on one."""
    for step in reversed(steps):
        if step.kind in (StepKind.observation,) and step.actor in ("harness", None):
            continue
        if step.kind in (StepKind.model_call, StepKind.message) and step.actor == "assistant" and step.content.strip() \
                and (step.title or "") not in ("reasoning", "thinking"):
            return step
        return None
    return None


def first_value(d: dict, *keys: str) -> Any:
    for key in keys:
        if d.get(key) is not None:
            return d[key]
    return None


def iter_lines(path: Path, label: str) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` of each non-blank JSON Lines record (the shared strict reader:
    bad JSON, duplicate keys and over-long integers -> InputError naming the line)."""
    try:
        yield from iter_jsonl(path, label)
    except OSError as exc:
        raise InputError(label, "", f"cannot read file ({exc.strerror})") from None


def session_trace(*, session_id: str, label: str, agent: str, models: list[str], usage: Usage | None,
                  started: dt.datetime | None, duration_s: float | None, pointer: str = "line 1",
                  **outcome: Any) -> Trace:
    """The one Trace of a coding-CLI session: the session id is both trace and task id
    (sessions belong to no benchmark), trial 1, the models joined by ", ".
    ``outcome`` holds the remaining Trace fields (status, termination_reason,
    submission, error, deciding_step, steps, notes, metadata)."""
    return Trace(id=session_id, task_id=session_id, trial=1, agent=agent,
                 model=", ".join(models) if models else None, usage=usage or Usage(), duration_s=duration_s,
                 started_at=started, source_file=label, source_pointer=pointer, **outcome)


def span_seconds(times: list[dt.datetime]) -> tuple[dt.datetime | None, float | None]:
    """(first timestamp, seconds from first to last) of a session's sorted timestamps."""
    times = sorted(times)
    return (times[0] if times else None), ((times[-1] - times[0]).total_seconds() if len(times) > 1 else None)
