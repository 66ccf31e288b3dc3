"""Inspect AI eval logs (UK AISI ``inspect_ai``): ``.eval`` zips and ``.json`` logs.

Format (MIT, UKGovernmentBEIS/inspect_ai): ``src/inspect_ai/log/_log.py``
(EvalLog, EvalSpec, EvalSample, EvalResults), ``src/inspect_ai/event/`` (the
event union), ``src/inspect_ai/log/_recorders/eval.py`` (the zip container),
``src/inspect_ai/log/_condense.py`` and ``_pool.py`` (attachments and the
``events_data`` pools). This is a reader of its own: the ``inspect-ai``
package is not a dependency.

Containers
----------
- ``.json``: one document holding the whole EvalLog. It is parsed in one go
  (memory grows with the file).
- ``.eval``: a zip with ``header.json`` (the log without samples; a log that
  crashed mid-run has only ``_journal/start.json``, read instead, and counts as
  status ``started``) and one member per sample and epoch,
  ``samples/<id>_epoch_<n>.json``. Samples are read one member at a time, so
  memory is bounded by one sample. ``summaries.json`` and the journal are not
  used. Members compressed with deflate or stored are read through
  :mod:`zipfile`; zstd members (method 93, the Inspect default since 0.3.206,
  which Python's zipfile cannot read) are read from their local header and
  decompressed with the optional ``zstandard`` package
  (``pip install 'tracesite[zstd]'``); without it such a file is refused with
  that instruction.
- **Chunked samples** (``samples/<id>_epoch_<n>/sample.json``, ``events/<start>.json``
  ...; written by the converter for very large samples) are **not supported
  yet**: ``drafts`` and ``traces`` raise an InputError naming the first such
  sample rather than import part of a run.

Archive safety: members are only ever read into memory, never extracted.
An archive is refused (InputError) when it has more than ``MAX_MEMBERS``
members (checked from the end-of-central-directory record before the
directory is parsed), a member name with ``..``, a leading ``/``, a drive
letter, a backslash or a NUL, duplicate names, encrypted members, a
compression method other than stored/deflate/zstd, member data past the end
of the file, a member larger than ``MAX_MEMBER_BYTES``, an expansion ratio
above ``MAX_RATIO`` once past ``RATIO_MIN_BYTES`` (checked on the declared
sizes and again while streaming), or more than ``MAX_TOTAL_BYTES`` read in
all. A truncated zip, or one whose directory cannot be read, is an
InputError. A sample member that is corrupt (its data does not inflate, fails
its CRC or size check, is not valid JSON or not a valid sample) concerns that
sample only: see "One bad sample" below.

Runs (``drafts``)
-----------------
One RunDraft per file: ``run_id`` = slug of ``<task>-<eval.run_id or
eval_id>`` (a placeholder run id such as ``...`` falls back to the file stem);
``model`` = ``eval.model``; ``agent`` = slug of ``eval.solver`` or else of the
``plan.steps`` solver names joined with ``-`` (package prefixes ``pkg/``
dropped); harness ``inspect_ai`` at ``eval.packages.inspect_ai``;
``benchmark`` = slug of ``eval.task`` without its ``pkg/`` prefix, version
``eval.task_version``; ``tasks`` = ``eval.dataset.sample_ids``. Declared
scores: ``overall`` = the ``accuracy`` (else ``mean``) metric of
``results.scores[0]``; ``tasks`` = that scorer's per-sample values from the
reductions when the epoch reducer is the mean (or there is one epoch);
``cost_usd`` = the sum of ``stats.model_usage.*.total_cost`` when present.
``environment`` keeps small JSON values only: sandbox, revision,
model_generate_config, task_args, model_roles, epochs and sample limits.

Traces (``traces``)
-------------------
One Trace per sample and epoch, in file order: ``id`` ``<sample id>-e<epoch>``,
``task_id`` the sample id, ``trial`` the epoch. A sample whose (id, epoch) an
earlier sample already had is yielded too, with the same trace id, and the
samples after it are still read: the run stage keeps the first copy and
reports each later one as an error at its place (``/samples/<i>`` or the
member name), in this file or another of the run.

One bad sample: a sample that cannot be read (a corrupt ``.eval`` member,
invalid JSON in it, or a sample whose shape is wrong, in a ``.eval`` or a
``.json`` log that otherwise parses) is skipped and every other sample is
still yielded. After the last trace the file raises one InputError at the
first skipped sample's place (``samples/3_epoch_1.json``,
``samples/3_epoch_1.json#line 1, column 80``, ``/samples/2/events``), the
others named in its message, which the run stage reports as an error. An
archive-wide refusal (a safety limit, zstd without the extra) still stops
the file where it is met.

``status``: ``error`` when the
sample has an error, ``limit`` when it hit a limit, ``incomplete`` when the
log is not ``success`` (started, cancelled, error) and the sample has no
scores, else ``completed``. ``score``: the value of the scorer named by
``results.scores[0]`` (else the first scorer) mapped like Inspect's
``value_to_float``: ``C``/``I``/``P``/``N`` -> 1/0/0.5/0, yes/true -> 1,
no/false -> 0, numeric strings and numbers as is, booleans 1/0, a dict or
list -> the mean of its entries that map to a number; anything else gives no
score and a note. ``usage`` sums ``model_usage`` over models (or, without it,
the model events' usage). Timestamps become timezone-aware UTC; a zone-less
one is taken as UTC and noted.

Steps come from ``events`` when present, else from ``messages``:

- ``model`` -> system/user ``message`` steps for input messages not shown
  before (resolving condensed ``input_refs`` into ``events_data.messages``),
  then ``model_call`` (content: the output text; usage from
  ``output.usage``), then one ``tool_call`` per tool call in the output;
- ``tool`` -> ``tool_result`` (``is_error`` when it has an error); when the
  tool ran in its own span (``span_begin`` type ``tool`` just before it) the
  result is placed at the end of that span, after the sandbox commands it
  ran; nested ``events`` of tool and subtask events are walked first;
- ``sandbox`` exec -> ``terminal_command`` (read_file/write_file ->
  ``observation``); ``score`` -> ``score``; ``error`` and ``sample_limit`` ->
  ``error``; ``input``/``info``/``logger``/``approval``/``subtask`` ->
  ``observation``;
- ``span_begin``/``span_end``/``state``/``store``/``step``/``sample_init``
  and any other type are skipped and counted per type in ``Trace.notes``.

``attachment://<hash>`` strings are replaced from ``sample.attachments``. A
sample error or limit with no matching event adds an ``error`` step. A scored
sample always ends in a ``score`` step (the last non-intermediate score
event's, else one built from ``sample.scores``), which is the
``deciding_step``. ``Step.source`` is a JSON pointer into the file
(``/samples/0/events/12``) or, for ``.eval``, the member and a pointer
(``samples/1_epoch_1.json#/events/12``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import integer as _int, json_text as _json_text, num as _num, slug as _slug
from generator.jsonread import expect, load_json, loads, pointer
from generator.model import DeclaredScores, RunDraft, Step, StepKind, ToolCall, Trace, Usage

# --------------------------------------------------------------------------
# Limits (module level so tests and callers can tighten them)
# --------------------------------------------------------------------------

MAX_MEMBERS = 100_000
MAX_MEMBER_BYTES = 1 << 30  # one sample member, uncompressed
MAX_TOTAL_BYTES = 16 << 30  # everything read from one archive in one pass
MAX_RATIO = 200
RATIO_MIN_BYTES = 10 << 20
READ_CHUNK = 1 << 20
SNIFF_BYTES = 64 << 10
MAX_EVENT_DEPTH = 32
MAX_ENV_VALUE_BYTES = 4096

ZIP_ZSTD = 93
ATTACHMENT = "attachment://"
LEGACY_CONTENT = "tc://"

_SAMPLE_MEMBER = re.compile(r"^samples/([^/]+)\.json$")
_CHUNKED_MEMBER = re.compile(r"^samples/([^/]+)/")
_DRIVE = re.compile(r"^[A-Za-z]:")

_SKIP_WHY = {
    "span_begin": "span markers",
    "span_end": "span markers",
    "state": "JSON patches of the task state",
    "store": "JSON patches of the store",
    "step": "solver and scorer step markers",
    "sample_init": "initial sample state",
    "score_edit": "score edits",
    "compaction": "context compaction markers",
}

_ZSTD_MISSING = "this .eval uses zstd compression; install the extra: pip install 'tracesite[zstd]'"


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _strip_pkg(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _small_json(value: Any) -> bool:
    try:
        return len(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)) <= MAX_ENV_VALUE_BYTES
    except TypeError:
        return False


def score_to_float(value: Any) -> float | None:
    """An Inspect score value as a number (Inspect's ``value_to_float`` rules).

    ``C``/``I``/``P``/``N`` -> 1/0/0.5/0; booleans 1/0; numbers as is;
    yes/true -> 1, no/false -> 0, numeric strings as numbers; a dict or list
    -> the mean of the entries that map to a number. None when nothing maps.
    """
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        v = value.strip()
        if v == "C":
            return 1.0
        if v == "P":
            return 0.5
        if v in ("I", "N"):
            return 0.0
        low = v.lower()
        if low in ("yes", "true"):
            return 1.0
        if low in ("no", "false"):
            return 0.0
        try:
            number = float(v)
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        numbers = [n for n in (score_to_float(v) for v in value if not isinstance(v, (dict, list))) if n is not None]
        return sum(numbers) / len(numbers) if numbers else None
    return None


class _Notes:
    """Notes for one trace, each said once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        if text not in self.items:
            self.items.append(text)


def _timestamp(value: Any, file: str, place: str, notes: _Notes | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(file, place, "expected an ISO 8601 timestamp string")
    try:
        stamp = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(file, place, f"expected an ISO 8601 timestamp, found {value[:40]!r}") from None
    if stamp.tzinfo is None:
        if notes is not None:
            notes.add("timestamps without a time zone were taken as UTC")
        return stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.astimezone(dt.timezone.utc)


# --------------------------------------------------------------------------
# Zip access: in memory only, with limits
# --------------------------------------------------------------------------


def _precheck_member_count(fh: Any, size: int, label: str) -> None:
    """Refuse an archive whose end-of-central-directory record claims too many
    members, before zipfile parses the whole directory."""
    tail_len = min(size, 65536 + 22)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return  # zipfile reports the broken archive
    count = struct.unpack("<H", tail[pos + 10 : pos + 12])[0]
    if count == 0xFFFF and pos >= 20 and tail[pos - 20 : pos - 16] == b"PK\x06\x07":
        (offset,) = struct.unpack("<Q", tail[pos - 12 : pos - 4])
        if offset + 56 <= size:
            fh.seek(offset)
            record = fh.read(56)
            if record[:4] == b"PK\x06\x06":
                count = struct.unpack("<Q", record[32:40])[0]
    if count > MAX_MEMBERS:
        raise InputError(label, "", f"zip archive lists {count} members; refused (expected at most {MAX_MEMBERS})")


def _bad_name(name: str) -> str | None:
    if not name:
        return "an empty name"
    if "\x00" in name:
        return "a NUL character"
    if "\\" in name:
        return "a backslash"
    if name.startswith("/"):
        return "an absolute path"
    if _DRIVE.match(name):
        return "a drive letter"
    if any(part == ".." for part in name.split("/")):
        return "a '..' path component"
    return None


class _EvalZip:
    """A ``.eval`` archive opened for reading members into memory."""

    def __init__(self, path: Path, label: str) -> None:
        self.label = label
        self.total = 0
        try:
            self.fh = path.open("rb")
        except OSError as exc:
            raise InputError(label, "", f"cannot read file ({exc.strerror})") from None
        try:
            self.size = os.fstat(self.fh.fileno()).st_size
            _precheck_member_count(self.fh, self.size, label)
            try:
                self.zf = zipfile.ZipFile(self.fh)
                infos = self.zf.infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error, UnicodeDecodeError, NotImplementedError) as exc:
                raise InputError(label, "", f"not a readable zip archive ({exc}); expected an Inspect AI .eval log") from None
            self._check(infos)
        except BaseException:
            self.fh.close()
            raise
        self.infos = infos
        self.names = {i.filename: i for i in infos}

    def _check(self, infos: list[zipfile.ZipInfo]) -> None:
        label = self.label
        if len(infos) > MAX_MEMBERS:
            raise InputError(label, "", f"zip archive has {len(infos)} members; refused (expected at most {MAX_MEMBERS})")
        seen: set[str] = set()
        for info in infos:
            for name in {info.filename, info.orig_filename}:
                why = _bad_name(name)
                if why:
                    raise InputError(
                        label, repr(name)[1:-1],
                        f"zip member name has {why}; refused (expected relative names such as samples/1_epoch_1.json)",
                    )
            if info.filename in seen:
                raise InputError(label, info.filename, "zip member name appears twice; refused (expected unique member names)")
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise InputError(label, info.filename, "zip member is encrypted; refused")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, ZIP_ZSTD):
                raise InputError(
                    label, info.filename, f"zip member uses compression method {info.compress_type}; expected stored, deflate or zstd (93)"
                )
            if info.header_offset + 30 + info.compress_size > self.size:
                raise InputError(label, info.filename, "zip member data runs past the end of the file; the archive is truncated")
            kind_bits = stat.S_IFMT(info.external_attr >> 16)  # zero when only permissions are recorded
            if info.create_system == 3 and kind_bits and kind_bits not in (stat.S_IFREG, stat.S_IFDIR):
                kind = "a symlink" if kind_bits == stat.S_IFLNK else "a special file"
                raise InputError(label, info.filename, f"zip member is {kind}; refused (expected regular files only)")
            if info.file_size > MAX_MEMBER_BYTES:
                raise InputError(
                    label, info.filename, f"zip member is {info.file_size} bytes uncompressed; refused (expected at most {MAX_MEMBER_BYTES})"
                )
            if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise InputError(label, info.filename, f"zip member expands {ratio}x; refused as a possible zip bomb (limit {MAX_RATIO}x)")
        # Overlapping entries (several members sharing one compressed stream) are the trick of
        # non-recursive zip bombs: every member's data must start after the previous member's ends.
        spans = sorted((i.header_offset, i.header_offset + 30 + len(i.orig_filename.encode("utf-8", "surrogateescape"))
                        + i.compress_size, i.filename) for i in infos)
        for (_, end, name), (start, _, other) in zip(spans, spans[1:]):
            if start < end:
                raise InputError(label, other, f"zip member overlaps the data of {name!r}; refused as a possible zip bomb")

    def close(self) -> None:
        self.zf.close()
        self.fh.close()

    def __enter__(self) -> _EvalZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, name: str) -> bytes:
        """The member's uncompressed bytes, streamed under the limits."""
        info = self.names[name]
        out = bytearray()
        crc = 0
        for chunk in self._chunks(info):
            out += chunk
            crc = zlib.crc32(chunk, crc)
            self._account(info, len(out), len(chunk))
        if len(out) != info.file_size:
            raise InputError(self.label, name, f"zip member decompressed to {len(out)} bytes; expected {info.file_size}")
        if info.compress_type == ZIP_ZSTD and crc != info.CRC:
            raise InputError(self.label, name, "zip member fails its CRC check; the archive is corrupt")
        return bytes(out)

    def _account(self, info: zipfile.ZipInfo, member_bytes: int, chunk: int) -> None:
        self.total += chunk
        if member_bytes > MAX_MEMBER_BYTES or member_bytes > info.file_size:
            raise _Refused(self.label, info.filename, f"zip member expands past its declared size ({info.file_size} bytes); refused")
        if member_bytes > RATIO_MIN_BYTES and member_bytes > MAX_RATIO * max(info.compress_size, 1):
            raise _Refused(self.label, info.filename, f"zip member expands more than {MAX_RATIO}x; refused as a possible zip bomb")
        if self.total > MAX_TOTAL_BYTES:
            raise _Refused(self.label, info.filename, f"archive expands past {MAX_TOTAL_BYTES} bytes in total; refused")

    def _chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        if info.compress_type == ZIP_ZSTD:
            yield from self._zstd_chunks(info)
            return
        try:
            with self.zf.open(info) as member:
                while True:
                    chunk = member.read(READ_CHUNK)
                    if not chunk:
                        return
                    yield chunk
        except InputError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error, NotImplementedError, RuntimeError) as exc:
            raise InputError(self.label, info.filename, f"cannot read zip member ({exc}); the archive is corrupt or truncated") from None

    def _zstd_chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        try:
            import zstandard
        except ImportError:
            raise _Refused(self.label, info.filename, _ZSTD_MISSING) from None
        self.fh.seek(info.header_offset)
        header = self.fh.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise InputError(self.label, info.filename, "zip member has no local file header; the archive is corrupt")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        if start + info.compress_size > self.size:
            raise InputError(self.label, info.filename, "zip member data runs past the end of the file; the archive is truncated")
        self.fh.seek(start)
        raw = self.fh.read(info.compress_size)
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw), read_across_frames=True)
        try:
            while True:
                chunk = reader.read(READ_CHUNK)
                if not chunk:
                    return
                yield chunk
        except zstandard.ZstdError as exc:
            raise InputError(self.label, info.filename, f"cannot decompress zstd member ({exc}); the archive is corrupt") from None
        finally:
            reader.close()

    def load(self, name: str) -> Any:
        return _loads_member(self.read(name), self.label, name)

    def layout(self) -> tuple[str | None, list[str], list[str]]:
        """(header member, monolith sample members, chunked sample prefixes)."""
        header = "header.json" if "header.json" in self.names else ("_journal/start.json" if "_journal/start.json" in self.names else None)
        samples: list[str] = []
        chunked: list[str] = []
        for info in self.infos:
            name = info.filename
            if _SAMPLE_MEMBER.match(name):
                samples.append(name)
            else:
                m = _CHUNKED_MEMBER.match(name)
                if m and f"samples/{m.group(1)}/" not in chunked:
                    chunked.append(f"samples/{m.group(1)}/")
        return header, samples, chunked


class _Refused(InputError):
    """An archive-wide refusal met while reading a member (a safety limit, a decompressor that is not
    installed): it stops the file. Any other error of a sample member (data that does not inflate or
    fails its CRC, invalid JSON, a malformed sample) concerns that sample only (see :class:`_Skipped`)."""


class _Skipped:
    """The samples of one log that could not be read, while every other sample is imported.

    Each is an InputError at its place (``samples/3_epoch_1.json``, ``samples/3_epoch_1.json#/events/2``,
    ``/samples/2/id``). The run stage turns an InputError into one finding and ends the file there, so
    the importer raises once, after the last good trace: the first skipped sample at its place, the
    others named in the message (``error()``)."""

    SHOWN = 10

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, exc: InputError) -> None:
        self.errors.append(exc)

    def _others(self, errors: list[InputError]) -> str:
        shown = "; ".join(f"{e.place or '(whole sample)'}: {e.message}" for e in errors[: self.SHOWN])
        more = f"; and {len(errors) - self.SHOWN} more" if len(errors) > self.SHOWN else ""
        return shown + more

    def error(self) -> InputError | None:
        """The InputError to raise once every good trace is out, or None when nothing was skipped."""
        if not self.errors:
            return None
        first, rest = self.errors[0], self.errors[1:]
        message = f"{first.message}; this sample is skipped and every other sample of the log is imported"
        if rest:
            n = len(rest)
            message += f"; {n} more sample{'s are' if n > 1 else ' is'} skipped: {self._others(rest)}"
        return InputError(first.file, first.place, message)

    def refusal(self, exc: InputError) -> InputError:
        """``exc`` (which stops the file) naming the samples skipped before it too."""
        if not self.errors:
            return exc
        n = len(self.errors)
        return InputError(exc.file, exc.place, f"{exc.message} (before it, {n} sample{'s were' if n > 1 else ' was'} "
                          f"skipped: {self._others(self.errors)})")


def _loads_member(data: bytes, label: str, member: str) -> Any:
    try:
        return loads(data, label)
    except InputError as exc:
        place = f"{member}#{exc.place}" if exc.place else member
        raise InputError(label, place, exc.message) from None


def _eval_header(ez: "_EvalZip", label: str) -> tuple[dict[str, Any], str, list[str]]:
    """(log header, its member name, the sample members) of an .eval zip.

    A log that only has ``_journal/start.json`` crashed before finishing: its status is
    ``started``. Raises InputError for chunked samples or a zip without a header.
    """
    header_name, members, chunked = ez.layout()
    if chunked:
        raise _chunked_error(label, chunked[0])
    if header_name is None:
        raise InputError(label, "", "expected a header.json or _journal/start.json member in the .eval zip")
    header = dict(expect(ez.load(header_name), dict, label, header_name, "a JSON object (the log header)"))
    if header_name != "header.json":
        header.setdefault("status", "started")
    return header, header_name, members


def _chunked_error(label: str, prefix: str) -> InputError:
    return InputError(
        label,
        prefix,
        "chunked samples (samples/<id>_epoch_<n>/...) are not supported yet; "
        "expected one samples/<id>_epoch_<n>.json member per sample",
    )


# --------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------


class InspectAI(Importer):
    name = "inspect-ai"
    title = "Inspect AI eval log"
    spec = (
        "UKGovernmentBEIS/inspect_ai src/inspect_ai/log/_log.py, src/inspect_ai/event/, "
        "src/inspect_ai/log/_recorders/eval.py, src/inspect_ai/log/_condense.py"
    )
    patterns = ("*.eval", "*.json with version/eval/samples")
    # What the run stage says it expected when a trace id comes twice (the id is "<sample id>-e<epoch>").
    trace_identity = "distinct (id, epoch) pairs: each sample id once per epoch"

    # -- sniff -------------------------------------------------------------

    def sniff(self, path: Path) -> str | None:
        if path.is_dir():
            return "a folder; Inspect AI logs are single .eval or .json files"
        suffix = path.suffix.lower()
        if suffix == ".eval":
            return self._sniff_eval(path)
        if suffix == ".json":
            return self._sniff_json(path)
        return "not a .eval or .json file"

    def _sniff_eval(self, path: Path) -> str | None:
        if not zipfile.is_zipfile(path):
            return "a .eval file that is not a zip archive"
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            try:
                _precheck_member_count(fh, size, str(path))
            except InputError as exc:
                return exc.message
            try:
                with zipfile.ZipFile(fh) as zf:
                    names = set(zf.namelist())
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error, UnicodeDecodeError, NotImplementedError) as exc:
                return f"a .eval file that is not a readable zip archive ({exc})"
        if "header.json" in names or "_journal/start.json" in names:
            return None
        return "a zip without header.json or _journal/start.json"

    def _sniff_json(self, path: Path) -> str | None:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES + 1)
        if len(head) <= SNIFF_BYTES:
            try:
                data = orjson.loads(head)
            except orjson.JSONDecodeError:
                return "not valid JSON"
            if isinstance(data, dict) and "eval" in data and "version" in data:
                return None
            return 'JSON without top-level "eval" and "version" keys'
        text = head.decode("utf-8", errors="replace").lstrip()
        if text.startswith("{") and re.search(r'"version"\s*:\s*\d', text) and re.search(r'"eval"\s*:\s*\{', text):
            return None
        return 'JSON whose start has no "version" and "eval" keys'

    # -- reading the log header --------------------------------------------

    def _read_log(self, path: Path, label: str) -> tuple[dict[str, Any], Any, str]:
        """(header dict, reductions or None, container) without the samples for .eval."""
        if path.suffix.lower() == ".eval":
            with _EvalZip(path, label) as ez:
                header, header_name, _samples = _eval_header(ez, label)
                reductions = ez.load("reductions.json") if "reductions.json" in ez.names else None
                return header, reductions, header_name + "#"
        data = expect(load_json(path, label), dict, label, "", "a JSON object (an Inspect AI log)")
        return data, data.get("reductions"), ""

    def drafts(self, path: Path) -> list[RunDraft]:
        label = str(path)
        log, reductions, where = self._read_log(path, label)
        ev = expect(log.get("eval"), dict, label, where + "/eval", "an object (eval spec)")

        def s(key: str) -> str | None:
            value = ev.get(key)
            return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None

        task = s("task")
        task_slug = _slug(_strip_pkg(task)) if task else None
        rid = _slug(s("run_id") or s("eval_id"))
        if rid is None:  # a placeholder such as "..." : use the file name
            rid = _slug(path.stem)
            if rid and task_slug and rid.startswith(task_slug):
                task_slug_part = None
            else:
                task_slug_part = task_slug
        else:
            task_slug_part = task_slug
        run_id = _slug("-".join(p for p in (task_slug_part, rid) if p)) or "inspect-run"

        agent = None
        solver = ev.get("solver")
        if isinstance(solver, str):
            agent = _slug(_strip_pkg(solver))
        if agent is None:
            plan = log.get("plan")
            if isinstance(plan, dict) and isinstance(plan.get("steps"), list):
                names = [_strip_pkg(st["solver"]) for st in plan["steps"] if isinstance(st, dict) and isinstance(st.get("solver"), str)]
                agent = _slug("-".join(names)) if names else None

        packages = ev.get("packages")
        harness_version = packages.get("inspect_ai") if isinstance(packages, dict) else None
        dataset = ev.get("dataset")
        tasks: list[str] = []
        if isinstance(dataset, dict) and dataset.get("sample_ids") is not None:
            ids = expect(dataset["sample_ids"], list, label, where + "/eval/dataset/sample_ids", "a list of sample ids")
            tasks = [str(x) for x in ids]

        declared = self._declared(log, reductions, label, where)
        environment = self._environment(ev)
        metadata: dict[str, Any] = {}
        for key in ("eval_id", "run_id", "task_id", "eval_set_id", "created", "task_file", "task_registry_name"):
            if isinstance(ev.get(key), str):
                metadata[key] = ev[key]
        if isinstance(log.get("status"), str):
            metadata["status"] = log["status"]
        stats = log.get("stats")
        if isinstance(stats, dict):
            for key in ("started_at", "completed_at"):
                if isinstance(stats.get(key), str):
                    metadata[key] = stats[key]
        if isinstance(dataset, dict):
            for key in ("name", "location"):
                if isinstance(dataset.get(key), str):
                    metadata[f"dataset_{key}"] = dataset[key]

        model = ev.get("model") if isinstance(ev.get("model"), str) else None
        abs_path = str(path.resolve())
        return [
            RunDraft(
                run_id=run_id,
                agent=agent,
                model=model,
                harness="inspect_ai",
                harness_version=str(harness_version) if harness_version is not None else None,
                benchmark=task_slug,
                benchmark_name=_strip_pkg(task) if task_slug else None,
                benchmark_version=str(ev["task_version"]) if ev.get("task_version") is not None else None,
                tasks=tasks,
                format=self.name,
                files=[abs_path],
                names={abs_path: path.name},
                formats={abs_path: self.name},
                declared=declared,
                environment=environment,
                metadata=metadata,
            )
        ]

    def _declared(self, log: dict[str, Any], reductions: Any, label: str, where: str) -> DeclaredScores:
        declared = DeclaredScores()
        results = log.get("results")
        first_scorer: str | None = None
        if isinstance(results, dict) and results.get("scores") is not None:
            scores = expect(results["scores"], list, label, where + "/results/scores", "a list of scores")
            if scores:
                first = expect(scores[0], dict, label, where + "/results/scores/0", "an object (EvalScore)")
                first_scorer = first.get("name") if isinstance(first.get("name"), str) else first.get("scorer")
                metrics = first.get("metrics") or {}
                expect(metrics, dict, label, where + "/results/scores/0/metrics", "an object of metrics")
                for name in ("accuracy", "mean"):
                    metric = metrics.get(name)
                    value = _num(metric.get("value")) if isinstance(metric, dict) else None
                    if value is not None:
                        declared.overall = value
                        declared.source = f"results.scores[0].metrics.{name}"
                        break
        stats = log.get("stats")
        if isinstance(stats, dict) and isinstance(stats.get("model_usage"), dict):
            costs = [_num(u.get("total_cost")) for u in stats["model_usage"].values() if isinstance(u, dict)]
            costs = [c for c in costs if c is not None]
            if costs:
                declared.cost_usd = sum(costs)
        ev = log.get("eval") if isinstance(log.get("eval"), dict) else {}
        config = ev.get("config") if isinstance(ev.get("config"), dict) else {}
        reducers = config.get("epochs_reducer")
        epochs = config.get("epochs")
        mean_reduced = epochs in (None, 1) or reducers in (None, ["mean"])
        if first_scorer and isinstance(reductions, list) and mean_reduced:
            for red in reductions:
                if not isinstance(red, dict) or red.get("scorer") != first_scorer:
                    continue
                if red.get("reducer") not in (None, "mean") and epochs not in (None, 1):
                    continue
                for item in red.get("samples") or []:
                    if isinstance(item, dict) and item.get("sample_id") is not None:
                        value = score_to_float(item.get("value"))
                        if value is not None:
                            declared.tasks[str(item["sample_id"])] = value
                break
        return declared

    def _environment(self, ev: dict[str, Any]) -> dict[str, Any]:
        env: dict[str, Any] = {}
        for key in ("sandbox", "revision", "model_generate_config", "task_args", "model_roles"):
            value = ev.get(key)
            if value not in (None, {}, []) and _small_json(value):
                env[key] = value
        config = ev.get("config")
        if isinstance(config, dict):
            for key in ("epochs", "message_limit", "token_limit", "time_limit", "working_limit", "cost_limit"):
                if config.get(key) is not None and _small_json(config[key]):
                    env[key] = config[key]
        return env

    # -- traces ------------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        """One trace per sample, in file order, duplicates included (see ``trace_identity``)."""
        if path.suffix.lower() == ".eval":
            yield from self._eval_traces(path, label)
        else:
            yield from self._json_traces(path, label)

    def _json_traces(self, path: Path, label: str) -> Iterator[Trace]:
        log = expect(load_json(path, label), dict, label, "", "a JSON object (an Inspect AI log)")
        ctx = _LogContext.from_header(log, label, "")
        samples = log.get("samples")
        if samples is None:
            return
        expect(samples, list, label, "/samples", "a list of samples")
        skipped = _Skipped()
        for i, sample in enumerate(samples):
            place = pointer("samples", i)
            try:
                trace = _SampleReader(ctx, label, place, place).trace(sample)
            except InputError as exc:  # this sample only: the others are still imported
                skipped.add(exc)
                continue
            yield trace
        if (error := skipped.error()) is not None:
            raise error

    def _eval_traces(self, path: Path, label: str) -> Iterator[Trace]:
        with _EvalZip(path, label) as ez:
            header, header_name, members = _eval_header(ez, label)
            ctx = _LogContext.from_header(header, label, header_name + "#")
            skipped = _Skipped()
            for member in members:
                try:
                    sample = ez.load(member)
                    trace = _SampleReader(ctx, label, member + "#", member).trace(sample)
                except _Refused as exc:
                    raise skipped.refusal(exc) from None
                except InputError as exc:  # this member only (corrupt data, invalid JSON, a malformed sample)
                    skipped.add(exc)
                    continue
                del sample
                yield trace
            if (error := skipped.error()) is not None:
                raise error


class _LogContext:
    """What every sample of one log shares."""

    def __init__(self, model: str | None, status: str | None, first_scorer: str | None) -> None:
        self.model = model
        self.status = status
        self.first_scorer = first_scorer

    @classmethod
    def from_header(cls, log: dict[str, Any], label: str, where: str) -> _LogContext:
        ev = expect(log.get("eval"), dict, label, where + "/eval", "an object (eval spec)")
        model = ev.get("model") if isinstance(ev.get("model"), str) else None
        status = log.get("status") if isinstance(log.get("status"), str) else None
        first = None
        results = log.get("results")
        if isinstance(results, dict) and isinstance(results.get("scores"), list) and results["scores"]:
            s0 = results["scores"][0]
            if isinstance(s0, dict):
                first = s0.get("name") if isinstance(s0.get("name"), str) else s0.get("scorer")
        return cls(model, status, first if isinstance(first, str) else None)


# --------------------------------------------------------------------------
# One sample -> one Trace
# --------------------------------------------------------------------------


class _Ranges:
    """Disjoint, sorted ``[start, end)`` ranges of integers (pool indices already read)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def take(self, start: int, end: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Add ``[start, end)``; return its parts not held before and its parts held before, in order."""
        fresh: list[tuple[int, int]] = []
        again: list[tuple[int, int]] = []
        if start >= end:
            return fresh, again
        starts, ends = self.starts, self.ends
        i = j = bisect.bisect_left(ends, start)  # the first range ending at or after start (touching merges)
        cur, lo, hi = start, start, end
        while j < len(starts) and starts[j] <= end:
            s, e = starts[j], ends[j]
            if s > cur:
                fresh.append((cur, s))
            if min(e, end) > max(s, cur):
                again.append((max(s, cur), min(e, end)))
            cur = max(cur, e)
            lo, hi = min(lo, s), max(hi, e)
            j += 1
        if cur < end:
            fresh.append((cur, end))
        starts[i:j] = [lo]
        ends[i:j] = [hi]
        return fresh, again


class _RangeSums:
    """Counts per index ``0 <= k < size``, each set once, summed over ranges in O(log size) (Fenwick tree)."""

    def __init__(self, size: int) -> None:
        self.tree = [0] * (size + 1)
        self.known: set[int] = set()

    def set(self, k: int, count: int) -> None:
        if k in self.known:
            return
        self.known.add(k)
        k += 1
        while k < len(self.tree):
            self.tree[k] += count
            k += k & -k

    def _prefix(self, k: int) -> int:
        total = 0
        while k > 0:
            total += self.tree[k]
            k -= k & -k
        return total

    def total(self, start: int, end: int) -> int:
        """Sum of the counts of ``[start, end)``."""
        return self._prefix(end) - self._prefix(start)


class _SampleReader:
    def __init__(self, ctx: _LogContext, label: str, base: str, source_pointer: str) -> None:
        self.ctx = ctx
        self.label = label
        self.base = base  # prefix for pointers: "/samples/0" or "samples/1_epoch_1.json#"
        self.source_pointer = source_pointer
        self.notes = _Notes()
        self.steps: list[Step] = []
        self.skipped: Counter[str] = Counter()
        self.attachments: dict[str, Any] = {}
        self.pool: list[Any] | None = None
        self.events_data: Any = None
        self.seen_inputs: set[Any] = set()
        self.pool_read: dict[int, _Ranges] = {}  # input position - pool index -> pool ranges read
        self.pool_misses: _RangeSums | None = None  # missing attachments per pool message, once seen
        self.final_score_steps: list[int] = []  # positions in self.steps
        self.has_limit_step = False
        self.has_error_step = False
        self.missing_attachments = 0
        self.model_usages: list[Usage] = []

    # -- errors and text ---------------------------------------------------

    def err(self, place: str, message: str) -> InputError:
        return InputError(self.label, place, message)

    def expect(self, value: Any, kind: type | tuple[type, ...], place: str, what: str) -> Any:
        return expect(value, kind, self.label, place, what)

    def resolve(self, text: str) -> str:
        if text.startswith(LEGACY_CONTENT):
            text = ATTACHMENT + text[len(LEGACY_CONTENT) :]
        if text.startswith(ATTACHMENT):
            key = text[len(ATTACHMENT) :]
            value = self.attachments.get(key)
            if isinstance(value, str):
                return value
            self.missing_attachments += 1
        return text

    def resolve_json(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            return self.resolve(value)
        if depth > 64:
            return value
        if isinstance(value, list):
            return [self.resolve_json(v, depth + 1) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve_json(v, depth + 1) for k, v in value.items()}
        return value

    def text(self, content: Any) -> str:
        """Readable text of a message content, tool result or similar value."""
        if content is None:
            return ""
        if isinstance(content, str):
            return self.resolve(content)
        if isinstance(content, bool) or isinstance(content, (int, float)):
            return _json_text(content)
        if isinstance(content, dict):
            kind = content.get("type")
            if kind == "text" and isinstance(content.get("text"), str):
                return self.resolve(content["text"])
            if kind == "reasoning":
                if content.get("redacted"):
                    return "[reasoning redacted]"
                reasoning = content.get("summary") or content.get("reasoning")
                return "[reasoning] " + (self.resolve(reasoning) if isinstance(reasoning, str) else "")
            if kind in ("image", "audio", "video", "document"):
                return f"[{kind}]"
            if kind == "data" and "data" in content:
                return _json_text(self.resolve_json(content["data"]))
            return _json_text(self.resolve_json(content))
        if isinstance(content, list):
            return "\n".join(t for t in (self.text(c) for c in content) if t)
        return str(content)

    def stamp(self, value: Any, place: str) -> dt.datetime | None:
        return _timestamp(value, self.label, place, self.notes)

    def add(self, **fields: Any) -> Step:
        step = Step(**fields)
        self.steps.append(step)
        return step

    # -- the sample --------------------------------------------------------

    def trace(self, sample: Any) -> Trace:
        base = self.base
        sample = self.expect(sample, dict, base.removesuffix("#") or "/", "an object (EvalSample)")
        sid = sample.get("id")
        if sid is None or isinstance(sid, bool) or not isinstance(sid, (str, int)):
            raise self.err(base + "/id", "expected a sample id (string or integer)")
        epoch = _int(sample.get("epoch", 1))
        if epoch is None:
            raise self.err(base + "/epoch", "expected an integer epoch")
        attachments = sample.get("attachments")
        if attachments is not None:
            self.attachments = self.expect(attachments, dict, base + "/attachments", "an object of attachments")
        self.events_data = sample.get("events_data")

        scores = sample.get("scores")
        if scores is not None:
            self.expect(scores, dict, base + "/scores", "an object mapping scorer names to scores")
        scores = scores or {}

        events = sample.get("events")
        if events:
            self.expect(events, list, base + "/events", "a list of events")
            self.walk_events(events, base + "/events", 0)
        else:
            messages = sample.get("messages")
            if messages is not None:
                self.expect(messages, list, base + "/messages", "a list of chat messages")
                self.walk_messages(messages, base + "/messages")

        # error and limit
        error_text: str | None = None
        error = sample.get("error")
        if error is not None:
            if isinstance(error, dict):
                error_text = error.get("message") if isinstance(error.get("message"), str) else _json_text(error)
                traceback = error.get("traceback") if isinstance(error.get("traceback"), str) else None
            elif isinstance(error, str):
                error_text, traceback = error, None
            else:
                raise self.err(base + "/error", "expected an error object with a message")
            if not self.has_error_step:
                content = error_text + (f"\n\n{traceback}" if traceback and traceback not in error_text else "")
                self.add(kind=StepKind.error, actor="harness", title="sample error", content=content, is_error=True, source=base + "/error")
        limit = sample.get("limit")
        limit_text: str | None = None
        if limit is not None:
            if isinstance(limit, dict):
                kind = limit.get("type")
                limit_text = f"{kind} limit" + (f" ({_json_text(limit['limit'])})" if limit.get("limit") is not None else "")
            elif isinstance(limit, str):
                limit_text = f"{limit} limit"
            else:
                raise self.err(base + "/limit", "expected a limit object with a type")
            if not self.has_limit_step:
                self.add(
                    kind=StepKind.error, actor="harness", title=limit_text, content=f"sample stopped: {limit_text}",
                    is_error=True, source=base + "/limit",
                )

        # score
        score_name, score_obj = self.pick_score(scores)
        score = None
        score_source = None
        explanation = None
        answer = None
        if score_obj is not None:
            value = score_obj.get("value")
            score = score_to_float(value)
            score_source = f"scores.{score_name}.value"
            if isinstance(value, (dict, list)):
                score_source += " (mean of entries)"
            if score is None and value is not None:
                self.notes.add(f"score value {str(value)[:40]!r} of scorer {score_name} is not numeric; no score taken")
            answer = self.text(score_obj.get("answer")) if score_obj.get("answer") is not None else None
            explanation = self.explain(score_obj)

        output = sample.get("output")
        completion = None
        stop_reason = None
        if isinstance(output, dict):
            choices = output.get("choices")
            if isinstance(choices, list) and choices and isinstance(choices[0], dict):
                message = choices[0].get("message")
                if isinstance(message, dict):
                    completion = self.text(message.get("content")) or None
                if isinstance(choices[0].get("stop_reason"), str):
                    stop_reason = choices[0]["stop_reason"]

        deciding = None
        if score_obj is not None:
            if self.final_score_steps:
                deciding = self.final_score_steps[-1] + 1
            else:
                value = score_obj.get("value")
                self.add(
                    kind=StepKind.score,
                    actor="scorer",
                    title=f"{score_name}: {_short(value)}",
                    content=explanation or "",
                    source=base + pointer("scores", score_name),
                )
                deciding = len(self.steps)

        # status
        if error_text is not None:
            status, termination = "error", "error"
        elif limit_text is not None:
            status, termination = "limit", limit_text
        elif self.ctx.status not in (None, "success") and not scores:
            status, termination = "incomplete", None
            self.notes.add(f"the log's status is {self.ctx.status!r} and this sample has no scores")
        else:
            status, termination = "completed", stop_reason

        usage = self.usage(sample.get("model_usage"), base + "/model_usage")
        duration = _num(sample.get("total_time"))
        started = self.stamp(sample.get("started_at"), base + "/started_at")
        if started is None and events and isinstance(events[0], dict):
            started = self.stamp(events[0].get("timestamp"), base + "/events/0/timestamp")
        if started is None:
            started = next((s.timestamp for s in self.steps if s.timestamp is not None), None)
        if duration is None and started is not None and sample.get("completed_at") is not None:
            completed = self.stamp(sample.get("completed_at"), base + "/completed_at")
            if completed is not None:
                duration = (completed - started).total_seconds()

        for kind, count in sorted(self.skipped.items()):
            why = _SKIP_WHY.get(kind, "not mapped to steps")
            self.notes.add(f"skipped {count} {kind} event{'s' if count != 1 else ''} ({why})")
        if self.missing_attachments:
            self.notes.add(f"{self.missing_attachments} attachment reference(s) not found in sample.attachments were left as is")

        metadata: dict[str, Any] = {}
        if isinstance(sample.get("uuid"), str):
            metadata["uuid"] = sample["uuid"]
        target = sample.get("target")
        if target is not None and _small_json(target):
            metadata["target"] = target
        if len(scores) > 1:
            values = {k: v.get("value") for k, v in scores.items() if isinstance(v, dict)}
            if _small_json(values):
                metadata["scores"] = values
        if _num(sample.get("working_time")) is not None:
            metadata["working_time"] = sample["working_time"]
        if isinstance(sample.get("error_retries"), list) and sample["error_retries"]:
            metadata["error_retries"] = len(sample["error_retries"])
        if self.ctx.status and self.ctx.status != "success":
            metadata["log_status"] = self.ctx.status

        return Trace(
            id=f"{sid}-e{epoch}",
            task_id=str(sid),
            trial=epoch,
            status=status,
            termination_reason=termination,
            score=score,
            score_source=score_source,
            scorer_explanation=explanation,
            submission=answer if answer else completion,
            error=error_text,
            model=self.ctx.model,
            usage=usage,
            duration_s=duration,
            started_at=started,
            deciding_step=deciding,
            steps=self.steps,
            source_file=self.label,
            source_pointer=self.source_pointer,
            notes=self.notes.items,
            metadata=metadata,
        )

    def pick_score(self, scores: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        if not scores:
            return None, None
        name = self.ctx.first_scorer if self.ctx.first_scorer in scores else next(iter(scores))
        obj = self.expect(scores[name], dict, self.base + pointer("scores", name), "an object (Score)")
        return name, obj

    def explain(self, score: dict[str, Any]) -> str | None:
        explanation = score.get("explanation")
        explanation = self.text(explanation) if explanation is not None else None
        answer = score.get("answer")
        answer = self.text(answer) if answer is not None else None
        if explanation and answer and answer.strip() != explanation.strip():
            return f"{explanation}\n\nAnswer: {answer}"
        if explanation:
            return explanation
        if answer:
            return f"Answer: {answer}"
        return None

    def usage(self, model_usage: Any, place: str) -> Usage:
        if isinstance(model_usage, dict) and model_usage:
            parts = []
            for name, u in model_usage.items():
                parts.append(self.usage_of(self.expect(u, dict, place + pointer(name), "an object (ModelUsage)")))
        elif self.model_usages:
            parts = self.model_usages
            self.notes.add("usage summed from the model events (the sample has no model_usage)")
        else:
            return Usage()

        def total(attr: str) -> Any:
            values = [getattr(p, attr) for p in parts if getattr(p, attr) is not None]
            return sum(values) if values else None

        return Usage(
            input_tokens=total("input_tokens"),
            output_tokens=total("output_tokens"),
            total_tokens=total("total_tokens"),
            cost_usd=total("cost_usd"),
        )

    @staticmethod
    def usage_of(u: dict[str, Any]) -> Usage:
        return Usage(
            input_tokens=_int(u.get("input_tokens")),
            output_tokens=_int(u.get("output_tokens")),
            total_tokens=_int(u.get("total_tokens")),
            cost_usd=_num(u.get("total_cost")),
        )

    # -- events ------------------------------------------------------------

    def walk_events(self, events: list[Any], place: str, depth: int) -> None:
        if depth > MAX_EVENT_DEPTH:
            raise self.err(place, f"events nested deeper than {MAX_EVENT_DEPTH} levels; refused")
        pending: dict[str, list[Step]] = {}
        previous: dict[str, Any] | None = None
        for i, event in enumerate(events):
            where = place + pointer(i)
            if not isinstance(event, dict) or not isinstance(event.get("event"), str):
                raise self.err(where, 'expected an event object with an "event" field')
            kind = event["event"]
            if kind == "tool":
                held: list[Step] = []
                self.on_tool(event, where, depth, held)
                span = previous.get("id") if previous and previous.get("event") == "span_begin" and previous.get("type") == "tool" else None
                if isinstance(span, str):
                    pending.setdefault(span, []).extend(held)
                else:
                    self.steps.extend(held)
            elif kind == "model":
                self.on_model(event, where)
            elif kind == "sandbox":
                self.on_sandbox(event, where)
            elif kind == "score":
                self.on_score(event, where)
            elif kind == "error":
                self.on_error(event, where)
            elif kind == "sample_limit":
                self.on_limit(event, where)
            elif kind in ("input", "info", "logger", "approval"):
                self.on_observation(kind, event, where)
            elif kind == "subtask":
                self.on_subtask(event, where, depth)
            else:
                self.skipped[kind] += 1
                if kind in ("span_begin", "span_end"):
                    span_id = event.get("id")
                    if span_id is not None:
                        self.expect(span_id, str, where + "/id", "the span id as a string")
                    if kind == "span_end" and span_id in pending:
                        self.steps.extend(pending.pop(span_id))
            previous = event
        for held in pending.values():
            self.steps.extend(held)

    def event_stamp(self, event: dict[str, Any], where: str, key: str = "timestamp") -> dt.datetime | None:
        return self.stamp(event.get(key), where + "/" + key)

    def on_model(self, event: dict[str, Any], where: str) -> None:
        stamp = self.event_stamp(event, where)
        refs = event.get("input_refs")
        if refs is not None and not event.get("input"):
            self.pooled_inputs(refs, where, stamp)
        else:
            messages = event.get("input")
            if messages is not None:
                self.expect(messages, list, where + "/input", "a list of chat messages")
                prefix = where + "/input/"
                for j, message in enumerate(messages):
                    self.input_message(j, message, stamp, prefix, j)

        output = event.get("output")
        if output is not None:
            self.expect(output, dict, where + "/output", "an object (ModelOutput)")
        output = output or {}
        message: dict[str, Any] = {}
        choices = output.get("choices")
        if choices is not None:
            self.expect(choices, list, where + "/output/choices", "a list of choices")
            if choices:
                choice = self.expect(choices[0], dict, where + "/output/choices/0", "an object (ChatCompletionChoice)")
                message = choice.get("message") or {}
                self.expect(message, dict, where + "/output/choices/0/message", "a chat message object")
        content = self.text(message.get("content"))
        model = event.get("model") if isinstance(event.get("model"), str) else None
        usage = None
        if isinstance(output.get("usage"), dict):
            usage = self.usage_of(output["usage"])
            self.model_usages.append(usage)
        error = event.get("error")
        if error is None and output.get("error") is not None:
            error = output.get("error")
        if error is not None:
            content = (content + "\n\n" if content else "") + f"model error: {self.text(error)}"
        duration = _num(event.get("working_time"))
        if duration is None:
            duration = _num(output.get("time"))
        self.add(
            kind=StepKind.model_call,
            actor="assistant",
            title=model,
            content=content,
            model=model,
            usage=usage,
            is_error=error is not None,
            timestamp=stamp,
            duration_s=duration,
            source=where,
        )
        self.tool_calls(message.get("tool_calls"), where + "/output/choices/0/message/tool_calls", stamp, model)

    def input_message(self, position: int, message: Any, stamp: dt.datetime | None, prefix: str, index: int) -> None:
        """A ``message`` step for a system/user input message not shown before.

        ``position`` is the message's place in the model event's input,
        ``prefix + str(index)`` its source pointer (built only when needed).
        """
        if not isinstance(message, dict):
            self.expect(message, dict, prefix + str(index), "a chat message object")
        role = message.get("role")
        if role not in ("system", "user"):
            return
        text = self.text(message.get("content"))
        key = message.get("id") if isinstance(message.get("id"), str) else (position, role, text)
        if key in self.seen_inputs:
            return
        self.seen_inputs.add(key)
        self.add(kind=StepKind.message, actor=role, title=f"{role} message", content=text, timestamp=stamp, source=prefix + str(index))

    def pooled_inputs(self, refs: Any, where: str, stamp: dt.datetime | None) -> None:
        """The input messages of a condensed model event: ``input_refs`` ranges into ``events_data.messages``.

        Raises InputError at ``input_refs`` (not a list, or a range outside
        the pool), at ``events_data/messages`` (no pool) or at a pooled
        message that is not an object.
        """
        self.expect(refs, list, where + "/input_refs", "a list of [start, end) ranges")
        if self.pool is None:
            data = self.events_data
            if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
                raise self.err(self.base + "/events_data/messages", "expected a list of pooled messages (the model events use input_refs)")
            self.pool = data["messages"]
        pool = self.pool
        prefix = self.base + "/events_data/messages/"
        position = 0
        for r, ref in enumerate(refs):
            if not (
                isinstance(ref, list)
                and len(ref) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in ref)
                and 0 <= ref[0] <= ref[1] <= len(pool)
            ):
                raise self.err(
                    where + pointer("input_refs", r),
                    f"expected a [start, end) range within events_data.messages ({len(pool)} messages)",
                )
            start, end = ref
            shift = position - start
            # Each model event repeats the whole conversation so far. Pool message k read at
            # input position k + shift gives the same outcome every time (a step the first time,
            # then a key already seen), so each (k, shift) is read once: linear, not quadratic.
            fresh, again = self.pool_read.setdefault(shift, _Ranges()).take(start, end)
            if again and self.pool_misses is not None:
                # what reading them again would have counted (the note counts every read)
                self.missing_attachments += sum(self.pool_misses.total(a, b) for a, b in again)
            for a, b in fresh:
                for k in range(a, b):
                    missing = self.missing_attachments
                    self.input_message(k + shift, pool[k], stamp, prefix, k)
                    if self.missing_attachments != missing:
                        self.count_pool_misses(k, self.missing_attachments - missing)
            position += end - start

    def count_pool_misses(self, k: int, count: int) -> None:
        if self.pool_misses is None:
            self.pool_misses = _RangeSums(len(self.pool or ()))
        self.pool_misses.set(k, count)

    def tool_calls(self, calls: Any, place: str, stamp: dt.datetime | None, model: str | None) -> None:
        if calls is None:
            return
        self.expect(calls, list, place, "a list of tool calls")
        for k, call in enumerate(calls):
            src = place + pointer(k)
            call = self.expect(call, dict, src, "an object (ToolCall)")
            function = call.get("function")
            if not isinstance(function, str):
                raise self.err(src + "/function", "expected the tool call's function name")
            arguments = self.resolve_json(call.get("arguments"))
            content = _json_text(arguments) if arguments not in (None, {}) else ""
            if call.get("parse_error"):
                content += f"\n\nparse error: {self.text(call['parse_error'])}"
            call_id = call.get("id") if isinstance(call.get("id"), str) else None
            self.add(
                kind=StepKind.tool_call,
                actor="assistant",
                title=function,
                content=content,
                tool_call=ToolCall(id=call_id, function=function, arguments=arguments),
                tool_call_id=call_id,
                is_error=bool(call.get("parse_error")),
                model=model,
                timestamp=stamp,
                source=src,
            )

    def on_tool(self, event: dict[str, Any], where: str, depth: int, held: list[Step]) -> None:
        nested = event.get("events")
        if nested:
            self.expect(nested, list, where + "/events", "a list of events")
            self.walk_events(nested, where + "/events", depth + 1)
        function = event.get("function") if isinstance(event.get("function"), str) else None
        content = self.text(event.get("result"))
        error = event.get("error")
        if error is not None:
            if isinstance(error, dict):
                message = self.text(error.get("message"))
                etype = error.get("type")
                detail = f"tool error ({etype}): {message}" if etype else f"tool error: {message}"
            else:
                detail = f"tool error: {self.text(error)}"
            content = f"{content}\n\n{detail}" if content and detail not in content else (content or detail)
        stamp = self.event_stamp(event, where, "completed") or self.event_stamp(event, where)
        held.append(
            Step(
                kind=StepKind.tool_result,
                actor="tool",
                title=function,
                content=content,
                tool_call_id=event.get("id") if isinstance(event.get("id"), str) else None,
                is_error=error is not None,
                timestamp=stamp,
                duration_s=_num(event.get("working_time")),
                source=where,
            )
        )

    def on_sandbox(self, event: dict[str, Any], where: str) -> None:
        action = event.get("action")
        stamp = self.event_stamp(event, where)
        completed = self.event_stamp(event, where, "completed")
        duration = (completed - stamp).total_seconds() if completed and stamp else None
        result = event.get("result")
        if action == "exec":
            cmd = self.text(event.get("cmd"))
            parts = [f"$ {cmd}"]
            if event.get("input"):
                parts.append(f"[stdin]\n{self.text(event['input'])}")
            if event.get("output"):
                parts.append(self.text(event["output"]))
            if _int(result) is not None and result != 0:
                parts.append(f"[exit code {result}]")
            self.add(
                kind=StepKind.terminal_command,
                actor="sandbox",
                title=cmd[:120] if cmd else "exec",
                content="\n".join(parts),
                is_error=_int(result) is not None and result != 0,
                timestamp=stamp,
                duration_s=duration,
                source=where,
            )
        else:
            file = self.text(event.get("file"))
            body = self.text(event.get("output") if action == "read_file" else event.get("input"))
            self.add(
                kind=StepKind.observation,
                actor="sandbox",
                title=f"{action or 'sandbox'} {file}".strip(),
                content=body,
                is_error=_int(result) is not None and result != 0,
                timestamp=stamp,
                duration_s=duration,
                source=where,
            )

    def on_score(self, event: dict[str, Any], where: str) -> None:
        score = self.expect(event.get("score"), dict, where + "/score", "an object (Score)")
        intermediate = bool(event.get("intermediate"))
        scorer = event.get("scorer") if isinstance(event.get("scorer"), str) else None
        title = f"{'intermediate score' if intermediate else 'score'}{f' {scorer}' if scorer else ''}: {_short(score.get('value'))}"
        self.add(
            kind=StepKind.score,
            actor="scorer",
            title=title,
            content=self.explain(score) or "",
            timestamp=self.event_stamp(event, where),
            source=where,
        )
        if not intermediate:
            self.final_score_steps.append(len(self.steps) - 1)

    def on_error(self, event: dict[str, Any], where: str) -> None:
        error = event.get("error")
        if isinstance(error, dict):
            content = self.text(error.get("message"))
            if isinstance(error.get("traceback"), str) and error["traceback"]:
                content += "\n\n" + error["traceback"]
        else:
            content = self.text(error)
        self.has_error_step = True
        self.add(kind=StepKind.error, actor="harness", title="error", content=content, is_error=True, timestamp=self.event_stamp(event, where), source=where)

    def on_limit(self, event: dict[str, Any], where: str) -> None:
        kind = event.get("type")
        title = f"{kind} limit" if isinstance(kind, str) else "limit"
        content = self.text(event.get("message"))
        if event.get("limit") is not None:
            content = (content + "\n" if content else "") + f"limit: {_json_text(event['limit'])}"
        self.has_limit_step = True
        self.add(kind=StepKind.error, actor="harness", title=title, content=content, is_error=True, timestamp=self.event_stamp(event, where), source=where)

    def on_observation(self, kind: str, event: dict[str, Any], where: str) -> None:
        actor, title = kind, kind
        if kind == "input":
            actor, content = "user", self.text(event.get("input"))
        elif kind == "info":
            source = event.get("source")
            title = f"info: {source}" if isinstance(source, str) else "info"
            data = event.get("data")
            content = self.text(data) if isinstance(data, str) else _json_text(self.resolve_json(data))
        elif kind == "logger":
            message = event.get("message")
            if isinstance(message, dict):
                level = message.get("level")
                title = f"log {level}" if isinstance(level, str) else "log"
                content = self.text(message.get("message"))
            else:
                content = self.text(message)
        else:  # approval
            decision = event.get("decision")
            title = f"approval: {decision}" if isinstance(decision, str) else "approval"
            actor = event.get("approver") if isinstance(event.get("approver"), str) else "approver"
            content = "\n".join(t for t in (self.text(event.get("message")), self.text(event.get("explanation"))) if t)
        self.add(kind=StepKind.observation, actor=actor, title=title, content=content, timestamp=self.event_stamp(event, where), source=where)

    def on_subtask(self, event: dict[str, Any], where: str, depth: int) -> None:
        nested = event.get("events")
        if nested:
            self.expect(nested, list, where + "/events", "a list of events")
            self.walk_events(nested, where + "/events", depth + 1)
        name = event.get("name") if isinstance(event.get("name"), str) else "subtask"
        result = event.get("result")
        content = self.text(result) if isinstance(result, (str, list)) else _json_text(self.resolve_json(result))
        self.add(kind=StepKind.observation, actor="subtask", title=f"subtask {name}", content=content, timestamp=self.event_stamp(event, where), source=where)

    # -- messages (no events) ----------------------------------------------

    def walk_messages(self, messages: list[Any], place: str) -> None:
        for i, message in enumerate(messages):
            src = place + pointer(i)
            message = self.expect(message, dict, src, "a chat message object")
            role = message.get("role")
            if role not in ("system", "user", "assistant", "tool"):
                raise self.err(src + "/role", "expected a role of system, user, assistant or tool")
            content = self.text(message.get("content"))
            model = message.get("model") if isinstance(message.get("model"), str) else None
            if role == "tool":
                error = message.get("error")
                if error is not None:
                    if isinstance(error, dict):
                        etype = error.get("type")
                        detail = self.text(error.get("message"))
                        detail = f"tool error ({etype}): {detail}" if etype else f"tool error: {detail}"
                    else:
                        detail = f"tool error: {self.text(error)}"
                    content = f"{content}\n\n{detail}" if content and detail not in content else (content or detail)
                self.add(
                    kind=StepKind.tool_result,
                    actor="tool",
                    title=message.get("function") if isinstance(message.get("function"), str) else None,
                    content=content,
                    tool_call_id=message.get("tool_call_id") if isinstance(message.get("tool_call_id"), str) else None,
                    is_error=error is not None,
                    source=src,
                )
                continue
            self.add(kind=StepKind.message, actor=role, title=f"{role} message", content=content, model=model, source=src)
            if role == "assistant":
                self.tool_calls(message.get("tool_calls"), src + "/tool_calls", None, model)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else _json_text(value)
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."
