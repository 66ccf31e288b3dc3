"""asciicast v2 and v3 terminal recordings (``.cast``, asciinema).

Spec: docs.asciinema.org ``manual/asciicast/v2`` and ``manual/asciicast/v3``
(source ``asciinema/asciinema`` ``doc/asciicast-v2.md``; player
``asciinema/asciinema-player``). Newline-delimited JSON: line 1 is the header,
every other line one event ``[time, code, data]``.

- v2 header: ``version: 2``, ``width``, ``height`` (required), ``timestamp``
  (unix seconds), ``duration``, ``idle_time_limit``, ``command``, ``title``,
  ``env``, ``theme``. Event time = seconds since the start of the recording.
- v3 header: ``version: 3``, ``term{cols, rows, type, version, theme}``
  (required: cols, rows), ``timestamp``, ``idle_time_limit``, ``command``,
  ``title``, ``env``, ``tags``. Event time = **interval since the previous
  event**; lines starting with ``#`` are comments.
- codes: ``o`` output, ``i`` input (keystrokes), ``m`` marker, ``r`` resize
  (``"COLSxROWS"``), ``x`` exit status (v3).

Normalisations:

- **Time**: v3 intervals are summed, so every event has seconds since the
  start (v2 times already are). With a header ``timestamp`` a step's
  timestamp is that unix time (UTC) plus the seconds of its first event;
  without one, steps carry no wall-clock time and output titles give the
  seconds since the start. ``duration_s`` of a step = last minus first event
  time of its group; of the trace = header ``duration`` (v2), else the time of
  the last event. An event time beyond 1e9 seconds (about 31 years), or one
  that puts a step's timestamp outside the years 1-9999, is refused with
  ``line N``.
- **Steps** (the file is read line by line; ``Step.source`` = ``line N`` of
  the group's first event):

  - input (``i``) events accumulate into one ``terminal_command`` (actor
    ``input``) until a keystroke batch holds Enter (``\\r``/``\\n``) or
    Ctrl-C/D/Z; its content shows the keys with ``\\r`` as a new line and
    other control characters in caret notation (``^C``, ``^[``); output
    echoed while typing stays in the following observation;
  - output (``o``) events accumulate into one ``observation`` (actor
    ``terminal``, titled ``output at <s> s``) that ends when new input
    starts, or at a marker, an exit or the end of the file; its content is
    the raw terminal output (ANSI sequences are left to the renderer);
  - a marker (``m``) → ``observation`` titled ``marker`` (content = label);
  - an exit (``x``) → ``observation`` titled ``exit`` (``is_error`` when the
    status is not 0); ``termination_reason`` = ``exit status N`` and
    ``Trace.metadata["exit_status"]``;
  - resizes (``r``) make no step: they are listed in
    ``Trace.metadata["resizes"]`` (``[seconds, "COLSxROWS"]``, at most 1000)
    and counted in the notes; comment lines, blank lines and unknown event
    codes are counted in the notes.
- **Identity**: a recording has no task id, agent or model: ``task_id`` =
  trace ``id`` = the file stem, trial 1 (a generic stem such as
  ``recording``/``agent``/``tests`` is prefixed with the nearest meaningful
  folder name: ``<trial>/agent/recording.cast`` → ``<trial>-recording``, and
  the file keeps that folder inside the run, ``<trial>/recording.cast``, so
  recordings of several trials can share a run); status ``completed`` (a recording
  that ends is a finished session; a v3 recording without an exit event
  says so in the notes). No score, no usage.
- **Metadata**: ``Trace.metadata["recording"]`` = the file's name relative
  to its run folder (``traces/<run>/<name>`` → ``<name>``) so the trace page
  can offer a player; the header (version, term size/type/theme, title,
  command, timestamp, idle_time_limit, tags) goes to metadata, with ``env``
  stripped of variables whose names look like secrets.
- **Drafts**: one run per file; ``run_id`` = the task id; benchmark, agent
  and model are None (the ``import`` command asks for them).

asciicast v1 (one JSON document with ``stdout`` frames) is refused, and so is
Harbor's ``agent/recording.cast`` when an ATIF ``agent/trajectory.json`` lies
beside it: the ``harbor-atif`` importer takes it into that trial's run and
names it in the trace's ``metadata["recording"]``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import is_number, slug_or
from generator.importers.harbor_atif import _recording_of
from generator.jsonread import expect
from generator.model import RunDraft, Step, StepKind, Trace

_HEAD_BYTES = 64 * 1024
_SECRET_KEY = re.compile(r"key|token|secret|passw|auth|cookie|credential|session", re.IGNORECASE)
_GENERIC_STEMS = {"recording", "agent", "tests", "test", "session", "terminal", "cast", "record"}
_GENERIC_DIRS = {"agent", "sessions", "session", "logs", "recordings", "agent-logs", "casts"}
_ENTER = re.compile(r"[\r\n\x03\x04\x1a]")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MAX_RESIZES = 1000
_MAX_TIME_S = 1e9  # about 31 years: event times (v3: sums of intervals) beyond this are refused


def _caret(text: str) -> str:
    """Keystrokes for display: CR/LF as new lines, other control characters as ``^X``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CTRL.sub(lambda m: "^?" if m.group(0) == "\x7f" else "^" + chr(ord(m.group(0)) + 64), text)


def _header_kind(header: Any) -> str | None:
    """``"v2"``/``"v3"`` for a valid header, else None."""
    if not isinstance(header, dict):
        return None
    version = header.get("version")
    if version == 2 and not isinstance(version, bool):
        if isinstance(header.get("width"), int) and isinstance(header.get("height"), int):
            return "v2"
    if version == 3 and not isinstance(version, bool):
        term = header.get("term")
        if isinstance(term, dict) and isinstance(term.get("cols"), int) and isinstance(term.get("rows"), int):
            return "v3"
    return None


def _first_line(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.readline(_HEAD_BYTES)


def _run_relative(label: str, path: Path) -> str:
    parts = PurePosixPath(label.replace("\\", "/")).parts
    if len(parts) >= 3 and parts[0] == "traces":
        return "/".join(parts[2:])
    return path.name


def _identity(path: Path) -> tuple[str, str]:
    """(task id, name inside the run folder). The file stem, except that a generic stem
    (``recording``, ``agent``, ``tests``…) is prefixed with the nearest meaningful folder name."""
    stem = path.stem
    if stem.lower() in _GENERIC_STEMS:
        folder = path.parent
        while folder.name.lower() in _GENERIC_DIRS and folder.parent != folder:
            folder = folder.parent
        if folder.name:
            return f"{folder.name}-{stem}", f"{folder.name}/{path.name}"
    return stem, path.name


def _clean_env(env: Any) -> dict[str, Any]:
    if not isinstance(env, dict):
        return {}
    return {k: v for k, v in env.items() if isinstance(k, str) and not _SECRET_KEY.search(k)}


class _Groups:
    """Turns the event stream into steps."""

    def __init__(self, start: dt.datetime | None):
        self.start = start
        self.steps: list[Step] = []
        self.inp: list[str] = []
        self.inp_t: tuple[float, float, int] | None = None  # first time, last time, first line
        self.out: list[str] = []
        self.out_t: tuple[float, float, int] | None = None

    def stamp(self, t: float) -> dt.datetime | None:
        return self.start + dt.timedelta(seconds=t) if self.start is not None else None

    def flush_input(self) -> None:
        if self.inp_t is None:
            return
        t0, t1, line = self.inp_t
        keys = "".join(self.inp)
        shown = _caret(keys)
        title = next((ln.strip() for ln in shown.split("\n") if ln.strip()), "") or "(enter)"
        self.steps.append(Step(kind=StepKind.terminal_command, actor="input", timestamp=self.stamp(t0),
                               title=title[:120], content=shown.rstrip("\n") if shown.strip() else shown,
                               duration_s=round(t1 - t0, 6), source=f"line {line}"))
        self.inp, self.inp_t = [], None

    def flush_output(self) -> None:
        if self.out_t is None:
            return
        t0, t1, line = self.out_t
        self.steps.append(Step(kind=StepKind.observation, actor="terminal", timestamp=self.stamp(t0),
                               title=f"output at {t0:.3f} s", content="".join(self.out),
                               duration_s=round(t1 - t0, 6), source=f"line {line}"))
        self.out, self.out_t = [], None

    def flush(self) -> None:
        self.flush_input()
        self.flush_output()

    def input(self, t: float, data: str, line: int) -> None:
        if self.inp_t is None:
            self.flush_output()  # new input starts: the screen output so far is one observation
            self.inp_t = (t, t, line)
        else:
            self.inp_t = (self.inp_t[0], t, self.inp_t[2])
        self.inp.append(data)
        if _ENTER.search(data):
            self.flush_input()

    def output(self, t: float, data: str, line: int) -> None:
        self.out_t = (t, t, line) if self.out_t is None else (self.out_t[0], t, self.out_t[2])
        self.out.append(data)

    def marker(self, t: float, data: str, line: int) -> None:
        self.flush()
        self.steps.append(Step(kind=StepKind.observation, actor="terminal", timestamp=self.stamp(t), title="marker",
                               content=data, source=f"line {line}"))

    def exit(self, t: float, status: int | None, raw: str, line: int) -> None:
        self.flush()
        text = f"exit status {status}" if status is not None else f"exit status {raw!r}"
        self.steps.append(Step(kind=StepKind.observation, actor="terminal", timestamp=self.stamp(t), title="exit",
                               content=text, is_error=status != 0, source=f"line {line}"))


class Asciicast(Importer):
    name = "asciicast"
    title = "asciicast v2/v3 terminal recordings (asciinema .cast)"
    spec = "docs.asciinema.org manual/asciicast/v2 and manual/asciicast/v3 (asciinema/asciinema doc/asciicast-v2.md)"
    patterns = ("*.cast (asciicast v2 or v3)",)
    priority = 30

    def sniff(self, path: Path) -> str | None:
        path = Path(path)
        if path.is_dir():
            return "a folder (recordings are .cast files)"
        if path.suffix.lower() != ".cast":
            return "not a .cast file"
        if _recording_of(path) is not None:
            return ("Harbor's recording of the ATIF trajectory.json beside it; it is imported with that trajectory "
                    "(harbor-atif) and attached to its trace")
        try:
            line = _first_line(path)
        except OSError as exc:
            return f"cannot read ({exc.strerror})"
        try:
            header = orjson.loads(line)
        except orjson.JSONDecodeError:
            if line.lstrip().startswith(b"{"):
                try:
                    with path.open("rb") as fh:
                        head = fh.read(_HEAD_BYTES)
                except OSError:
                    head = b""
                if re.search(rb'"version"\s*:\s*1\s*[,}]', head) and b'"stdout"' in head:
                    return "asciicast v1 (one JSON document with stdout frames); only v2 and v3 are read"
                return "first line is not a complete JSON header object (v2/v3 headers are one line)"
            return "first line is not a JSON header object"
        if isinstance(header, dict) and header.get("version") == 1:
            return "asciicast v1 (one JSON document with stdout frames); only v2 and v3 are read"
        if _header_kind(header) is None:
            return "first line is not an asciicast v2 header (version 2, width, height) or v3 header (version 3, term)"
        return None

    # -- header -----------------------------------------------------------

    def _header(self, line: bytes, label: str) -> tuple[dict[str, Any], str]:
        if line.startswith(b"\xef\xbb\xbf"):
            raise InputError(label, "line 1", "file starts with a UTF-8 byte-order mark; expected a JSON header")
        try:
            header = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(label, "line 1", f"invalid JSON ({str(exc).split(':')[0]}); expected the asciicast "
                                              "header object") from None
        expect(header, dict, label, "line 1", "the asciicast header object")
        kind = _header_kind(header)
        if kind is None:
            if header.get("version") == 1:
                raise InputError(label, "line 1", "expected asciicast v2 or v3; this is v1")
            raise InputError(label, "line 1", "expected an asciicast header: version 2 with integer width and "
                                              "height, or version 3 with term.cols and term.rows")
        return header, kind

    def _metadata(self, header: dict[str, Any], kind: str) -> dict[str, Any]:
        meta: dict[str, Any] = {"asciicast_version": header["version"]}
        if kind == "v2":
            meta["term"] = {"cols": header["width"], "rows": header["height"]}
            if isinstance(header.get("theme"), dict):
                meta["term"]["theme"] = header["theme"]
            env = header.get("env")
            if isinstance(env, dict) and isinstance(env.get("TERM"), str):
                meta["term"]["type"] = env["TERM"]
        else:
            term = header["term"]
            meta["term"] = {k: term[k] for k in ("cols", "rows", "type", "version", "theme") if k in term}
        for key in ("title", "command", "timestamp", "duration", "idle_time_limit", "tags"):
            if header.get(key) is not None:
                meta[key] = header[key]
        env = _clean_env(header.get("env"))
        if env:
            meta["env"] = env
        if isinstance(header.get("env"), dict) and len(env) < len(header["env"]):
            meta["env_removed"] = len(header["env"]) - len(env)
        return meta

    # -- traces -----------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        path = Path(path)
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise InputError(label, "", f"cannot read file ({exc.strerror})") from None
        with fh:
            header, kind = self._header(fh.readline(), label)
            ts = header.get("timestamp")
            start = None
            if ts is not None:
                if not is_number(ts):
                    raise InputError(label, "line 1", "expected the header timestamp as unix seconds (a number)")
                try:
                    start = dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc)
                except (OverflowError, OSError, ValueError):
                    raise InputError(label, "line 1", "expected the header timestamp as unix seconds "
                                                      "within the calendar") from None
            groups = _Groups(start)
            lo, hi = -_MAX_TIME_S, _MAX_TIME_S
            if start is not None:  # step timestamps are start + t: keep them within the calendar
                lo = max(lo, (dt.datetime.min.replace(tzinfo=dt.timezone.utc) - start).total_seconds() + 1)
                hi = min(hi, (dt.datetime.max.replace(tzinfo=dt.timezone.utc) - start).total_seconds() - 1)
            t = 0.0
            counts = {"comments": 0, "blank": 0, "negative": 0, "backwards": 0}
            unknown: dict[str, int] = {}
            resizes: list[list[Any]] = []
            n_resize = 0
            exit_status: int | None = None
            exit_seen = False
            events = 0
            for number, raw in enumerate(fh, start=2):
                stripped = raw.strip()
                if not stripped:
                    counts["blank"] += 1
                    continue
                if stripped.startswith(b"#"):
                    counts["comments"] += 1
                    continue
                place = f"line {number}"
                try:
                    ev = orjson.loads(stripped)
                except orjson.JSONDecodeError as exc:
                    raise InputError(label, place, f"invalid JSON ({str(exc).split(':')[0]}); expected an event "
                                                   "[time, code, data]") from None
                if not isinstance(ev, list) or len(ev) != 3:
                    raise InputError(label, place, "expected an event [time, code, data] (a 3-element array)")
                when, code, data = ev
                if not is_number(when):
                    raise InputError(label, place, "expected the event time as a number of seconds")
                if not isinstance(code, str):
                    raise InputError(label, place, "expected the event code as a string (o, i, m, r or x)")
                if kind == "v3":
                    if when < 0:
                        counts["negative"] += 1
                    t = t + float(when)
                else:
                    if float(when) < t:
                        counts["backwards"] += 1
                    t = float(when)
                if not lo <= t <= hi:  # also refuses infinity (v3 intervals that overflow when summed)
                    raise InputError(label, place, (
                        "expected the event time (seconds since the start; in v3 the sum of the intervals so far) "
                        f"within {_MAX_TIME_S:.0e} seconds"
                        + (" and, added to the header timestamp, within the years 1-9999" if start else "")
                        + f"; found {t:g}"))
                events += 1
                if code == "x":
                    exit_seen = True
                    if isinstance(data, int) and not isinstance(data, bool):
                        exit_status = data
                    elif isinstance(data, str) and re.fullmatch(r"-?\d+", data.strip()):
                        exit_status = int(data.strip())
                    else:
                        exit_status = None
                    groups.exit(t, exit_status, str(data), number)
                    continue
                if not isinstance(data, str):
                    raise InputError(label, place, "expected the event data as a string")
                if code == "o":
                    groups.output(t, data, number)
                elif code == "i":
                    groups.input(t, data, number)
                elif code == "m":
                    groups.marker(t, data, number)
                elif code == "r":
                    n_resize += 1
                    if len(resizes) < _MAX_RESIZES:
                        resizes.append([round(t, 6), data])
                else:
                    unknown[code] = unknown.get(code, 0) + 1
            groups.flush()

        metadata = self._metadata(header, kind)
        metadata["recording"] = _run_relative(label, path)
        notes: list[str] = []
        if kind == "v3":
            notes.append("asciicast v3 event times are intervals since the previous event; they were summed to "
                         "seconds since the start")
        if start is None:
            notes.append("the header has no timestamp: steps carry no wall-clock time; titles give seconds since "
                         "the start")
        if n_resize:
            metadata["resizes"] = resizes
            notes.append(f"{n_resize} resize events make no step; they are listed in metadata 'resizes'"
                         + (f" (the first {_MAX_RESIZES})" if n_resize > _MAX_RESIZES else ""))
        if counts["comments"]:
            notes.append(f"{counts['comments']} comment lines skipped")
        if counts["blank"]:
            notes.append(f"{counts['blank']} blank lines skipped")
        if counts["negative"]:
            notes.append(f"{counts['negative']} events have a negative interval (kept as written)")
        if counts["backwards"]:
            notes.append(f"{counts['backwards']} events have a time earlier than the event before them")
        for code, n in sorted(unknown.items()):
            notes.append(f"{n} events with unknown code {code!r} skipped")
        if not events:
            notes.append("the recording has no events")
        if kind == "v3" and not exit_seen:
            notes.append("no exit event: the recording ends without an exit status")

        reason = None
        if exit_seen:
            reason = f"exit status {exit_status}" if exit_status is not None else "exit"
            metadata["exit_status"] = exit_status
        dur = header.get("duration")
        duration = float(dur) if is_number(dur) else (t if events else None)
        task, _ = _identity(path)
        yield Trace(
            id=task, task_id=task, trial=1, status="completed", termination_reason=reason,
            duration_s=duration, started_at=start, steps=groups.steps, source_file=label, source_pointer=None,
            notes=notes, metadata=metadata,
        )

    # -- drafts -----------------------------------------------------------

    def drafts(self, path: Path) -> list[RunDraft]:
        path = Path(path)
        label = str(path)
        if path.is_dir():
            raise InputError(label, "", "expected an asciicast .cast file, not a folder")
        try:
            line = _first_line(path)
        except OSError as exc:
            raise InputError(label, "", f"cannot read file ({exc.strerror})") from None
        header, kind = self._header(line, label)
        task, name = _identity(path)
        meta = self._metadata(header, kind)
        environment = {"term": {k: v for k, v in meta["term"].items() if k != "theme"}}
        if isinstance(meta.get("env"), dict) and isinstance(meta["env"].get("SHELL"), str):
            environment["shell"] = meta["env"]["SHELL"]
        metadata = {k: meta[k] for k in ("asciicast_version", "title", "command") if k in meta}
        if is_number(header.get("timestamp")):
            try:
                metadata["recorded_at"] = dt.datetime.fromtimestamp(header["timestamp"], tz=dt.timezone.utc).isoformat()
            except (OverflowError, OSError, ValueError):
                pass
        absf = str(path.resolve())
        return [RunDraft(
            run_id=slug_or(task, "recording"), tasks=[task], format=self.name, files=[absf], names={absf: name},
            formats={absf: self.name}, environment=environment, metadata=metadata,
        )]
