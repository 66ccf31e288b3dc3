"""Harbor ATIF trajectories (Agent Trajectory Interchange Format, ``ATIF-v1.x``).

Spec: ``harbor-framework/harbor`` (formerly ``laude-institute/harbor``),
``rfcs/0001-trajectory-format.md`` (earlier ``docs/rfcs/0001-trajectory-format.md``;
versions v1.0 … v1.7) and the pydantic models in
``src/harbor/models/trajectories/``. Harbor's trial result is
``src/harbor/models/trial/result.py`` (``TrialResult``).

What one trace is
-----------------
One trial = the main trajectory file plus everything that belongs to it:

- **continuations**: ``continued_trajectory_ref`` names the next segment
  (``trajectory.cont-1.json`` …, Terminus-2 ``linear_history`` mode); the chain
  is followed in order and each segment's steps come after the previous one's,
  after an ``observation`` step titled ``continuation`` that marks the seam;
- **subagent trajectories**: ``observation.results[].subagent_trajectory_ref``
  (a list; a single object is accepted too) names files such as
  ``trajectory.summarization-1-summary.json`` (Terminus-2 context
  summarisation writes ``-summary``, ``-questions`` and ``-answers``). Their
  steps are inserted right after the step that references them, after an
  ``observation`` step titled ``subagent <name>``; their actors are
  ``<source>:<subagent agent name>`` (``agent:terminus-2-summarization-summary``).
  v1.7 ``subagent_trajectories`` embedded in the file are found by
  ``trajectory_id``.

A ``trajectory_path`` is resolved relative to the referencing file's folder;
when that file is absent (files renamed with a prefix, e.g.
``X.trajectory.json`` referencing ``trajectory.cont-1.json``), the Harbor
naming convention ``<main stem>.<cont-N | summarization-N-part>.json`` beside
the main file is tried. References never leave the main file's folder (no
``..``, no absolute paths, no symlinks). A referenced file that cannot be
found is named in ``Trace.notes``. Files named like a part of the main file
(``<main stem>.cont-N.json`` …) that no reference reaches are appended at the
end with a note, so nothing beside the main file is lost.

Detection: ``sniff`` accepts a ``.json`` file whose head has
``"schema_version": "ATIF-v…"``; it refuses a continuation/subagent file whose
main file (``<base>.json`` for ``<base>.cont-N.json`` /
``<base>.summarization-N-part.json``) lies beside it, since that file is read
with its main file (``traces`` yields nothing for it). A part whose main file
is absent is imported as a trace of its own, with a note; the other parts of
the same absent main are then traces of their own too, so such a trace only
names them (in a ``continuation``/``subagent`` observation) instead of reading
them again. Folders are never accepted (the import command walks them).

Harbor trial result
-------------------
ATIF carries no task id, score or outcome. When the trajectory sits in a
Harbor trial folder (``<trial>/agent/trajectory.json``) and
``<trial>/result.json`` is a ``TrialResult`` (``task_name``/``trial_name``),
it gives the task id (``task_name``), the trace id (``trial_name``), the
score (``verifier_result.rewards.reward``, or the only reward when there is
one; ``score_source`` names it), ``exception_info`` (an ``error`` step and
``Trace.error``; ``AgentTimeoutError`` → status ``limit``, any other exception
→ ``error``), ``started_at``/``finished_at`` and ``agent_result`` token counts
(``Trace.metadata["harbor_agent_result"]``; used for the trace usage only when
no step has metrics). ``config`` is never copied (it may hold environment
variables and keys). The result file is part of the draft's files; ``traces``
yields nothing for it. A final ``score`` step (actor ``verifier``) carries the
rewards and is the ``deciding_step``. Harbor's terminal recording
``agent/recording.cast`` beside ``trajectory.json`` joins the draft's files
(format ``harbor-atif``: ``traces`` yields nothing for it, so it adds no task)
and ``Trace.metadata["recording"]`` names it inside the run folder, for a
player on the trace page.

Without a result file: task id = the main file's stem without a trailing
``.trajectory`` (a bare ``trajectory.json`` takes its folder's name, skipping
an ``agent`` folder, and a Harbor ``<task>__<suffix>`` trial name loses its
suffix); score None; status ``completed`` when the file has
``final_metrics`` (its writer closed it), else ``incomplete``; the notes say
the outcome is not in ATIF.

Steps
-----
For each ATIF step (``Step.source`` = ``/steps/<i>`` in the main file,
``<file>#/steps/<i>`` in another file, relative to the main file's folder):

- ``reasoning_content`` → ``message`` titled ``reasoning``;
- ``message`` (a string, or v1.6 content parts: text parts joined, images
  shown as ``[image <path>]``) → ``message`` (actor = ATIF ``source``:
  ``system``/``user``/``agent``); an empty step makes an empty message, it is
  not dropped;
- ``tool_calls[]``: Terminus-2 ``bash_command`` (``keystrokes``) and other
  shell tools (``bash``/``Bash``/``execute_bash``/``shell``/``exec_command``/
  ``run_shell_command`` with a ``command``/``cmd`` string or list) →
  ``terminal_command`` (content = the keystrokes/command verbatim, with the
  ``ToolCall``); any other function → ``tool_call``;
- ``observation.results[]`` with ``content`` → ``observation`` when it
  answers a terminal command (titled ``terminal output``), ``tool_result``
  when it answers another tool call (``tool_call_id`` set), ``observation``
  when it answers none. A result without ``source_call_id`` in a step with
  exactly one tool call is linked to that call (Terminus-2 writes no
  ``source_call_id``); the notes count these.
- steps with ``is_copied_context: true`` (context replayed at the start of a
  continuation or subagent) → one ``message`` titled ``copied context`` with
  their text only; their tool calls and observations, which repeat earlier
  steps, are counted in the notes, not repeated as actions.

Usage: step ``metrics`` → the first step made from the ATIF step
(``prompt_tokens`` → input, which already includes cached tokens;
``completion_tokens`` → output; ``cost_usd``). Trace usage = the sum over all
steps of all files of the trial; only when no step has metrics, Harbor's
``agent_result`` or the last segment's ``final_metrics``. ``final_metrics``
of every file are kept in ``Trace.metadata["final_metrics"]`` (the notes say
when the last segment's declared ``total_prompt_tokens`` differs from the
steps' sum); ``cached_tokens`` sums go to ``metadata["cached_tokens"]``. Token
ids and logprobs (RL fields) are not shown; the notes count them, and any
other field this importer does not show (step ``extra``, ``llm_call_count``,
``reasoning_effort``, tool-call and result ``extra`` …) is counted in a
``fields not shown`` note. Root ``extra`` goes to ``metadata["extra"]``
(secret-looking keys removed).

Timestamps: ISO 8601 strings, converted to UTC; zone-less ones (Harbor writes
``datetime.now()``) are taken as UTC and the notes say so. Trial = 1 (ATIF has
no trial number; Harbor trial names tell attempts apart in the trace id).

Drafts: one draft per trial. ``run_id`` = for a trial inside a Harbor job
folder (one holding ``config.json``/``result.json``/``job.log``/``lock.json``)
``<job>__<agent>__<model>__<dataset source>``, so that the import command
merges the trials of one job, agent, model and dataset into one run (like
Harbor's own ``evals`` keys); else the trial folder name; else the main
file's stem (a bare ``trajectory.json`` takes its folder's name). The job's
own files are not read;
``names`` keep the trial folder (``<trial>/result.json``,
``<trial>/agent/trajectory.json``) so that trials merged into one run with
``import --run`` do not collide; ``harness``/``harness_version`` = ``agent.name`` /
``agent.version``; ``agent`` = slug of ``<agent.name>-<model_name>``;
``model`` = ``agent.model_name`` (else Harbor ``agent_info.model_info.name``);
``benchmark`` = Harbor ``source`` (``name@version`` is split) when there is a
result file, else None. ``agent.extra`` is copied to ``environment`` without
keys that look like secrets (``key``, ``token``, ``secret``, ``password``…).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import orjson

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._common import fmt_number, is_number, short, slug_or
from generator.jsonread import expect, load_json, pointer
from generator.model import RunDraft, Step, StepKind, ToolCall, Trace, Usage

_HEAD_BYTES = 64 * 1024
_ATIF_HEAD = re.compile(rb'"schema_version"\s*:\s*"ATIF-v\d+(?:\.\d+)*"')
_RELATED = re.compile(r"^(?P<base>.+)\.(?P<part>cont-\d+|summarization-\d+-[A-Za-z0-9_]+)\.json$")
_NUMBER = (int, float)
_MAX_FILES = 500
_SECRET_KEY = re.compile(r"key|token|secret|passw|auth|cookie|credential", re.IGNORECASE)
_NAIVE_NOTE = "some timestamps carry no time zone; they were taken as UTC"

# Shell tools whose calls are terminal commands: function name -> argument names holding the command.
_TERMINAL_TOOLS: dict[str, tuple[str, ...]] = {
    "bash_command": ("keystrokes",),
    "bash": ("command", "cmd"),
    "Bash": ("command",),
    "execute_bash": ("command",),
    "shell": ("command", "cmd"),
    "exec_command": ("cmd", "command"),
    "run_shell_command": ("command",),
}
_LIMIT_EXCEPTIONS = {"AgentTimeoutError"}
_JOB_FILES = ("config.json", "result.json", "job.log", "lock.json")
# Fields this importer shows (or keeps in metadata); any other field is counted in the notes.
_SHOWN = {
    "step": {"step_id", "timestamp", "source", "model_name", "message", "reasoning_content", "tool_calls",
             "observation", "metrics", "is_copied_context"},
    "tool call": {"tool_call_id", "function_name", "arguments"},
    "observation result": {"source_call_id", "content", "subagent_trajectory_ref"},
    "metrics": {"prompt_tokens", "completion_tokens", "cached_tokens", "cost_usd", "prompt_token_ids",
                "completion_token_ids", "logprobs"},
}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(_HEAD_BYTES)
    except OSError:
        return b""


def _is_atif_head(head: bytes) -> bool:
    return head.lstrip().startswith(b"{") and _ATIF_HEAD.search(head) is not None


def _main_of(path: Path) -> Path | None:
    """The main trajectory beside a ``<base>.cont-N.json`` / ``<base>.summarization-N-x.json`` file."""
    m = _RELATED.match(path.name)
    if not m:
        return None
    main = path.with_name(m["base"] + ".json")
    if main.is_file() and not main.is_symlink() and _is_atif_head(_head(main)):
        return main
    return None


def _base_stem(path: Path) -> str:
    m = _RELATED.match(path.name)
    return m["base"] if m else path.name[: -len(path.suffix)] if path.suffix else path.name


def _clean(value: Any) -> Any:
    """A copy of ``value`` without dict keys that look like secrets."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not (isinstance(k, str) and _SECRET_KEY.search(k))}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _harbor_result(doc: Any) -> bool:
    return isinstance(doc, dict) and ("task_name" in doc or "trial_name" in doc) and "schema_version" not in doc


class _Clock:
    def __init__(self) -> None:
        self.naive = False

    def parse(self, value: Any, label: str, place: str) -> dt.datetime | None:
        if value is None or value == "":
            return None
        expect(value, str, label, place, "an ISO 8601 timestamp string")
        try:
            ts = dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            raise InputError(label, place, f"expected an ISO 8601 timestamp, found {value[:40]!r}") from None
        if ts.tzinfo is None:
            self.naive = True
            return ts.replace(tzinfo=dt.timezone.utc)
        return ts.astimezone(dt.timezone.utc)


# --------------------------------------------------------------------------
# One trial: main file + continuations + subagents
# --------------------------------------------------------------------------


class _Trial:
    """Reads a main trajectory and the files that belong to it into steps."""

    def __init__(self, main: Path, label: str):
        self.main = main
        self.label = label
        self.dir = main.parent
        self.root = main.parent.resolve()
        self.base = _base_stem(main)
        # A part (cont-N / summarization) whose main file is absent: the other parts beside it are
        # traces of their own too, so they are referenced, not read into this trace.
        self.orphan = _RELATED.match(main.name) is not None
        self.clock = _Clock()
        self.steps: list[Step] = []
        self.files: list[Path] = []          # every trajectory file read, in order of first use
        self.visited: set[Path] = set()
        self.notes: list[str] = []
        self.counts: dict[str, int] = {}
        self.hidden: dict[str, int] = {}
        self.final_metrics: dict[str, Any] = {}
        self.cached = 0
        self.have_cached = False
        self.embedded: dict[str, tuple[dict[str, Any], Path, str]] = {}  # id -> (doc, file, pointer)
        self.embedded_used: set[str] = set()
        self.main_doc: dict[str, Any] = {}
        self.last_doc: dict[str, Any] = {}  # the last segment of the main chain
        self.last_path: Path = main
        self.missing: list[str] = []

    # -- paths ------------------------------------------------------------

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.name

    def file_label(self, path: Path) -> str:
        if path == self.main:
            return self.label
        return str(PurePosixPath(self.label).parent / self.rel(path))

    def prefix(self, path: Path) -> str:
        return "" if path == self.main else self.rel(path) + "#"

    def resolve(self, ref: str, from_path: Path) -> Path | None:
        p = PurePosixPath(ref.replace("\\", "/"))
        if p.is_absolute() or ".." in p.parts or not p.parts:
            return None
        cands = [from_path.parent / p]
        m = _RELATED.match(p.name)
        if m:
            cands.append(self.dir / f"{self.base}.{m['part']}.json")
        for c in cands:
            if c.is_file() and not c.is_symlink():
                try:
                    c.resolve().relative_to(self.root)
                except ValueError:
                    continue
                return c
        return None

    def separate(self, path: Path) -> bool:
        """True when ``path`` is a sibling part that is imported as a trace of its own."""
        m = _RELATED.match(path.name)
        return self.orphan and m is not None and m["base"] == self.base and path.parent == self.dir

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def unshown(self, what: str, obj: dict[str, Any]) -> None:
        for key in obj:
            if key not in _SHOWN[what]:
                k = f"{what}:{key}"
                self.hidden[k] = self.hidden.get(k, 0) + 1

    # -- reading files ----------------------------------------------------

    def load(self, path: Path) -> dict[str, Any]:
        label = self.file_label(path)
        doc = load_json(path, label)
        expect(doc, dict, label, "", "an ATIF trajectory object")
        version = doc.get("schema_version")
        if not isinstance(version, str) or not version.startswith("ATIF-"):
            raise InputError(label, "/schema_version", "expected an ATIF schema_version such as \"ATIF-v1.5\"")
        return doc

    def run(self) -> None:
        doc = self.load(self.main)
        self.main_doc = doc
        self.segment_chain(self.main, doc, depth=0, actor_suffix="")
        # Parts of the main file that no reference reached.
        stray = []
        for p in [] if self.orphan else sorted(self.dir.glob(f"{_glob_escape(self.base)}.*.json")):
            m = _RELATED.match(p.name)
            if m and m["base"] == self.base and p.resolve() not in self.visited and p.is_file() and not p.is_symlink():
                stray.append(p)
        for p in stray:
            if p.resolve() in self.visited:
                continue
            self.notes.append(f"{self.rel(p)} is named as a part of this trajectory but no reference reaches it; "
                              "its steps are appended at the end")
            sub = self.load(p)
            if _RELATED.match(p.name)["part"].startswith("summarization"):
                self.subagent_block(p, sub, "", None, depth=1)
            else:
                self.segment_chain(p, sub, depth=0, actor_suffix="")
        for tid in list(self.embedded):
            if tid not in self.embedded_used:
                self.embedded_used.add(tid)
                self.notes.append(f"embedded subagent trajectory {tid!r} is referenced by no step; "
                                  "its steps are appended at the end")
                self.embedded_block(tid, None, depth=1)

    def segment_chain(self, path: Path, doc: dict[str, Any], depth: int, actor_suffix: str) -> None:
        """Steps of ``path`` then of its ``continued_trajectory_ref`` chain."""
        current: Path | None = path
        while current is not None and doc is not None:
            key = current.resolve()
            if key in self.visited:
                self.notes.append(f"{self.rel(current)} is referenced twice (a cycle); read once")
                return
            if len(self.visited) >= _MAX_FILES:
                self.notes.append(f"more than {_MAX_FILES} trajectory files; the rest are not read")
                return
            self.visited.add(key)
            self.files.append(current)
            if depth == 0:
                self.last_doc, self.last_path = doc, current
            self.read_doc(doc, current, self.prefix(current), depth, actor_suffix)
            ref = doc.get("continued_trajectory_ref")
            if ref is None:
                return
            flabel = self.file_label(current)
            expect(ref, str, flabel, "/continued_trajectory_ref", "a continuation file path (string)")
            nxt = self.resolve(ref, current)
            if nxt is None:
                self.missing.append(ref)
                self.notes.append(f"continuation {ref!r} (continued_trajectory_ref of {self.rel(current)}) "
                                  "is not beside the file; the trial's later steps are missing")
                return
            if self.separate(nxt):
                self.steps.append(Step(kind=StepKind.observation, actor="harness", title="continuation",
                                       content=f"The trajectory continues in {self.rel(nxt)}, which is imported as "
                                               "a trace of its own (the main trajectory is absent).",
                                       source=self.prefix(current) + "/continued_trajectory_ref"))
                return
            self.steps.append(Step(kind=StepKind.observation, actor="harness", title="continuation",
                                   content=f"The trajectory continues in {self.rel(nxt)}.",
                                   source=self.prefix(current) + "/continued_trajectory_ref"))
            current = nxt
            doc = self.load(nxt)

    def read_doc(self, doc: dict[str, Any], path: Path, prefix: str, depth: int, actor_suffix: str,
                 base: str = "") -> None:
        label = self.file_label(path)
        agent = doc.get("agent")
        if agent is not None:
            expect(agent, dict, label, base + "/agent", "an agent object")
        agent = agent or {}
        model = agent.get("model_name") if isinstance(agent.get("model_name"), str) else None
        fm = doc.get("final_metrics")
        if fm is not None:
            expect(fm, dict, label, base + "/final_metrics", "a final_metrics object")
            self.final_metrics[self.rel(path) + (("#" + base) if base else "")] = fm
        notes = doc.get("notes")
        if isinstance(notes, str) and notes.strip():
            self.notes.append(f"trajectory notes ({self.rel(path)}{('#' + base) if base else ''}): {notes.strip()}")
        embedded = doc.get("subagent_trajectories")
        if embedded is not None:
            expect(embedded, list, label, base + "/subagent_trajectories", "a list of embedded trajectories")
            for k, sub in enumerate(embedded):
                sp = f"{base}/subagent_trajectories/{k}"
                expect(sub, dict, label, sp, "an embedded trajectory object")
                tid = sub.get("trajectory_id") or sub.get("session_id")
                if isinstance(tid, str) and tid not in self.embedded:
                    self.embedded[tid] = (sub, path, sp)
        steps = expect(doc.get("steps"), list, label, base + "/steps", "a list of steps")
        for i, st in enumerate(steps):
            self.step(st, path, label, prefix, f"{base}/steps/{i}", model, depth, actor_suffix)

    # -- one ATIF step ----------------------------------------------------

    def step(self, st: Any, path: Path, label: str, prefix: str, place: str, default_model: str | None,
             depth: int, actor_suffix: str) -> None:
        expect(st, dict, label, place, "a step object")
        self.unshown("step", st)
        source = st.get("source")
        if not isinstance(source, str) or not source:
            raise InputError(label, place + "/source", "expected a step source (system, user or agent)")
        if source not in ("system", "user", "agent"):
            self.count(f"steps with a source other than system/user/agent ({source!r}); shown as messages")
        actor = source + actor_suffix
        ts = self.clock.parse(st.get("timestamp"), label, place + "/timestamp")
        model = st.get("model_name")
        if model is not None:
            expect(model, str, label, place + "/model_name", "a model name (string)")
        model = model or (default_model if source == "agent" else None)
        text = self.content(st.get("message"), label, place + "/message")
        calls = st.get("tool_calls")
        if calls is not None:
            expect(calls, list, label, place + "/tool_calls", "a list of tool calls (or null)")
        calls = calls or []
        obs = st.get("observation")
        results: list[Any] = []
        if obs is not None:
            expect(obs, dict, label, place + "/observation", "an observation object (or null)")
            results = expect(obs.get("results", []), list, label, place + "/observation/results",
                             "a list of observation results")
        usage = self.usage(st.get("metrics"), label, place + "/metrics")
        src = prefix + place
        first = len(self.steps)

        if st.get("is_copied_context") is True:
            self.steps.append(Step(kind=StepKind.message, actor=actor, timestamp=ts, title="copied context",
                                   content=text, model=model if source == "agent" else None, source=src))
            self.count("copied")
            if calls:
                self.count("copied_calls", len(calls))
            if results:
                self.count("copied_results", len(results))
            if usage is not None:
                self.steps[first].usage = usage
            return

        reasoning = st.get("reasoning_content")
        if reasoning is not None:
            expect(reasoning, str, label, place + "/reasoning_content", "reasoning content (string)")
        if reasoning and reasoning.strip():
            self.steps.append(Step(kind=StepKind.message, actor=actor, timestamp=ts, title="reasoning",
                                   content=reasoning, model=model, source=src + "/reasoning_content"))
        if text.strip() or (not calls and not results and not (reasoning and reasoning.strip())):
            self.steps.append(Step(kind=StepKind.message, actor=actor, timestamp=ts, content=text,
                                   model=model if source == "agent" else None, source=src))
        by_id: dict[str, Step] = {}
        call_steps: list[Step] = []
        for j, tc in enumerate(calls):
            s = self.tool_call(tc, label, f"{place}/tool_calls/{j}", prefix, actor, ts, model)
            call_steps.append(s)
            if s.tool_call and s.tool_call.id:
                by_id[s.tool_call.id] = s
            self.steps.append(s)
        for k, res in enumerate(results):
            rp = f"{place}/observation/results/{k}"
            expect(res, dict, label, rp, "an observation result object")
            self.unshown("observation result", res)
            scid = res.get("source_call_id")
            if scid is not None:
                expect(scid, str, label, rp + "/source_call_id", "a tool call id (string)")
            target = by_id.get(scid) if scid else None
            if scid and target is None:
                self.count("results naming a source_call_id that is not a tool call of their step")
            if not scid and len(call_steps) == 1:
                target = call_steps[0]
                self.count("linked")
            has_content = "content" in res and res.get("content") is not None
            refs = res.get("subagent_trajectory_ref")
            if has_content or not refs:
                body = self.content(res.get("content"), label, rp + "/content")
                if target is not None and target.kind == StepKind.terminal_command:
                    kind, title = StepKind.observation, "terminal output"
                elif target is not None:
                    kind, title = StepKind.tool_result, target.title
                else:
                    kind, title = StepKind.observation, "observation"
                self.steps.append(Step(kind=kind, actor="environment", timestamp=ts, title=title, content=body,
                                       tool_call_id=target.tool_call.id if target is not None and target.tool_call
                                       else scid, source=prefix + rp))
            if refs is not None:
                if isinstance(refs, dict):
                    refs = [refs]
                expect(refs, list, label, rp + "/subagent_trajectory_ref", "a list of subagent trajectory references")
                for r, ref in enumerate(refs):
                    self.subagent_ref(ref, path, label, prefix, f"{rp}/subagent_trajectory_ref/{r}", ts, depth)
        if usage is not None and len(self.steps) > first:
            self.steps[first].usage = usage
        elif usage is not None:
            self.steps.append(Step(kind=StepKind.message, actor=actor, timestamp=ts, content="", model=model,
                                   usage=usage, source=src))

    def content(self, value: Any, label: str, place: str) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            out = []
            for i, part in enumerate(value):
                if isinstance(part, str):
                    out.append(part)
                    continue
                expect(part, dict, label, f"{place}/{i}", "a content part object")
                if part.get("type") == "image" or "source" in part and part.get("type") != "text":
                    src = part.get("source") if isinstance(part.get("source"), dict) else {}
                    where = src.get("path") or src.get("url") or ""
                    media = src.get("media_type") or ""
                    out.append(f"[image {where}{' ' + media if media else ''}]".replace("  ", " "))
                    self.count("images")
                elif isinstance(part.get("text"), str):
                    out.append(part["text"])
                else:
                    out.append(short(part, 2000))
            return "\n".join(out)
        if isinstance(value, (dict, int, float)) and not isinstance(value, bool):
            return short(value, 100_000)
        found = type(value).__name__
        raise InputError(label, place, f"expected message content (a string or a list of content parts), found {found}")

    def usage(self, metrics: Any, label: str, place: str) -> Usage | None:
        if metrics is None:
            return None
        expect(metrics, dict, label, place, "a metrics object")
        self.unshown("metrics", metrics)
        vals: dict[str, Any] = {}
        for key in ("prompt_tokens", "completion_tokens", "cached_tokens"):
            v = metrics.get(key)
            if v is not None:
                vals[key] = expect(v, int, label, f"{place}/{key}", "a token count (integer)")
        cost = metrics.get("cost_usd")
        if cost is not None:
            cost = expect(cost, _NUMBER, label, place + "/cost_usd", "a cost in USD (number)")
        if any(metrics.get(k) is not None for k in ("prompt_token_ids", "completion_token_ids", "logprobs")):
            self.count("rl_fields")
        if "cached_tokens" in vals:
            self.cached += vals["cached_tokens"]
            self.have_cached = True
        inp, out = vals.get("prompt_tokens"), vals.get("completion_tokens")
        if inp is None and out is None and cost is None:
            return None
        total = (inp or 0) + (out or 0) if (inp is not None or out is not None) else None
        return Usage(input_tokens=inp, output_tokens=out, total_tokens=total,
                     cost_usd=float(cost) if cost is not None else None)

    def tool_call(self, tc: Any, label: str, place: str, prefix: str, actor: str, ts: dt.datetime | None,
                  model: str | None) -> Step:
        expect(tc, dict, label, place, "a tool call object")
        self.unshown("tool call", tc)
        name = tc.get("function_name")
        if not isinstance(name, str) or not name:
            raise InputError(label, place + "/function_name", "expected a function name (string)")
        call_id = tc.get("tool_call_id")
        if call_id is not None:
            expect(call_id, str, label, place + "/tool_call_id", "a tool call id (string)")
        args = tc.get("arguments")
        if isinstance(args, str):
            try:
                args = orjson.loads(args)
            except orjson.JSONDecodeError:
                pass  # keep the string as written
        call = ToolCall(id=call_id or None, function=name, arguments=args)
        command = None
        if name in _TERMINAL_TOOLS and isinstance(args, dict):
            for key in _TERMINAL_TOOLS[name]:
                v = args.get(key)
                if isinstance(v, str):
                    command = v
                    break
                if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                    command = " ".join(v)
                    break
        if command is not None:
            first = next((ln.strip() for ln in command.splitlines() if ln.strip()), "")
            if not first:
                wait = args.get("duration") if isinstance(args, dict) else None
                first = f"wait {fmt_number(wait)}s" if is_number(wait) else "(no keys)"
            return Step(kind=StepKind.terminal_command, actor=actor, timestamp=ts, title=first[:120],
                        content=command, tool_call=call, tool_call_id=call_id or None, model=model,
                        source=prefix + place)
        return Step(kind=StepKind.tool_call, actor=actor, timestamp=ts, title=name,
                    content=short(args, 10_000) if args is not None else "", tool_call=call,
                    tool_call_id=call_id or None, model=model, source=prefix + place)

    # -- subagents --------------------------------------------------------

    def subagent_ref(self, ref: Any, path: Path, label: str, prefix: str, place: str, ts: dt.datetime | None,
                     depth: int) -> None:
        expect(ref, dict, label, place, "a subagent trajectory reference object")
        tpath = ref.get("trajectory_path")
        tid = ref.get("trajectory_id")
        sid = ref.get("session_id")
        extra = ref.get("extra") if isinstance(ref.get("extra"), dict) else {}
        summary = extra.get("summary") if isinstance(extra.get("summary"), str) else None
        name = tpath or tid or sid or "?"
        if tpath is not None:
            expect(tpath, str, label, place + "/trajectory_path", "a trajectory path (string)")
            found = self.resolve(tpath, path)
            if found is None:
                self.missing.append(tpath)
                self.steps.append(Step(kind=StepKind.observation, actor="harness", timestamp=ts,
                                       title=f"subagent {sid or tpath}",
                                       content=(f"{summary}\n" if summary else "") +
                                       f"Subagent trajectory {tpath} is not beside the file; its steps are missing.",
                                       source=prefix + place))
                return
            if self.separate(found):
                self.steps.append(Step(kind=StepKind.observation, actor="harness", timestamp=ts,
                                       title=f"subagent {sid or tpath}",
                                       content=(f"{summary}\n" if summary else "") +
                                       f"Subagent trajectory {self.rel(found)} is imported as a trace of its own "
                                       "(the main trajectory is absent).",
                                       source=prefix + place))
                return
            if found.resolve() in self.visited:
                self.steps.append(Step(kind=StepKind.observation, actor="harness", timestamp=ts,
                                       title=f"subagent {sid or tpath}",
                                       content=f"Subagent trajectory {self.rel(found)} (shown earlier in this trace).",
                                       source=prefix + place))
                return
            sub = self.load(found)
            self.subagent_block(found, sub, prefix + place, summary, depth + 1, ts)
            return
        key = tid if isinstance(tid, str) and tid in self.embedded else sid if isinstance(sid, str) and sid in self.embedded else None
        if key is not None and key not in self.embedded_used:
            self.embedded_used.add(key)
            self.embedded_block(key, summary, depth + 1, ts, prefix + place)
            return
        self.missing.append(str(name))
        self.steps.append(Step(kind=StepKind.observation, actor="harness", timestamp=ts, title=f"subagent {name}",
                               content=(f"{summary}\n" if summary else "") +
                               f"Subagent trajectory {name} is not in this trial's files; its steps are missing.",
                               source=prefix + place))

    def subagent_block(self, path: Path, doc: dict[str, Any], ref_src: str, summary: str | None, depth: int,
                       ts: dt.datetime | None = None) -> None:
        agent = doc.get("agent") if isinstance(doc.get("agent"), dict) else {}
        name = agent.get("name") if isinstance(agent.get("name"), str) else self.rel(path)
        sid = doc.get("session_id")
        lines = [summary] if summary else []
        lines.append(f"Subagent {name} ({self.rel(path)}" + (f", session {sid}" if isinstance(sid, str) else "") + ")")
        self.steps.append(Step(kind=StepKind.observation, actor="harness", timestamp=ts, title=f"subagent {name}",
                               content="\n".join(lines), source=ref_src or self.prefix(path) + "/agent"))
        self.count("subagents")
        self.segment_chain(path, doc, depth, actor_suffix=f":{name}")

    def embedded_block(self, tid: str, summary: str | None, depth: int, ts: dt.datetime | None = None,
                       ref_src: str = "") -> None:
        doc, path, base = self.embedded[tid]
        prefix = self.prefix(path)
        agent = doc.get("agent") if isinstance(doc.get("agent"), dict) else {}
        name = agent.get("name") if isinstance(agent.get("name"), str) else tid
        lines = [summary] if summary else []
        lines.append(f"Subagent {name} (embedded trajectory {tid})")
        self.steps.append(Step(kind=StepKind.observation, actor="harness", timestamp=ts, title=f"subagent {name}",
                               content="\n".join(lines), source=ref_src or prefix + base))
        self.count("subagents")
        self.read_doc(doc, path, prefix, depth, f":{name}", base=base)


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


# --------------------------------------------------------------------------
# Harbor trial result
# --------------------------------------------------------------------------


def _result_path(main: Path) -> Path | None:
    if main.parent.name != "agent":
        return None
    res = main.parent.parent / "result.json"
    if res.is_file() and not res.is_symlink():
        return res
    return None


def _load_result(main: Path, label: str) -> tuple[Path | None, dict[str, Any] | None]:
    res = _result_path(main)
    if res is None:
        return None, None
    rlabel = str(PurePosixPath(label).parent.parent / "result.json")
    doc = load_json(res, rlabel)
    if not _harbor_result(doc):
        return None, None
    return res, doc


def _recording(main: Path) -> Path | None:
    """Harbor's terminal recording beside ``trajectory.json`` (``agent/recording.cast``)."""
    if main.name != "trajectory.json":
        return None
    rec = main.parent / "recording.cast"
    return rec if rec.is_file() and not rec.is_symlink() else None


def _recording_of(cast: Path) -> Path | None:
    """The ATIF ``trajectory.json`` a ``recording.cast`` belongs to, when it lies beside it."""
    if cast.name != "recording.cast":
        return None
    main = cast.parent / "trajectory.json"
    if main.is_file() and not main.is_symlink() and _is_atif_head(_head(main)):
        return main
    return None


def _run_relative(label: str) -> str:
    """``traces/<run>/<rest>`` -> ``<rest>``; other labels unchanged."""
    parts = PurePosixPath(label.replace("\\", "/")).parts
    if len(parts) >= 3 and parts[0] == "traces":
        return "/".join(parts[2:])
    return label


def _task_from_names(main: Path) -> str:
    stem = _base_stem(main)
    if stem.endswith(".trajectory"):
        stem = stem[: -len(".trajectory")]
    if stem in ("trajectory", ""):
        folder = main.parent
        if folder.name == "agent" and folder.parent != folder:
            folder = folder.parent
        stem = folder.name or "trajectory"
        if "__" in stem:
            stem = stem.rsplit("__", 1)[0] or stem
    return stem


# --------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------


class HarborAtif(Importer):
    name = "harbor-atif"
    title = "Harbor ATIF agent trajectories (ATIF-v1.x)"
    spec = ("harbor-framework/harbor rfcs/0001-trajectory-format.md (ATIF v1.0-v1.7) and "
            "src/harbor/models/trajectories/; trial result src/harbor/models/trial/result.py")
    patterns = ("*.json with \"schema_version\": \"ATIF-v1.x\" (trajectory.json)",
                "trajectory.cont-N.json / trajectory.summarization-N-*.json beside it",
                "<trial>/result.json beside <trial>/agent/trajectory.json")
    priority = 30

    def sniff(self, path: Path) -> str | None:
        path = Path(path)
        if path.is_dir():
            return "a folder (ATIF trajectories are files; the import command walks folders)"
        if not path.is_file():
            return "not a file"
        if path.suffix.lower() != ".json":
            return "not a .json file"
        if not _is_atif_head(_head(path)):
            traj = path.parent / "agent" / "trajectory.json"
            if path.name == "result.json" and traj.is_file() and _is_atif_head(_head(traj)):
                return "Harbor trial result; it is imported with agent/trajectory.json (its task id and score)"
            return "no ATIF \"schema_version\" (\"ATIF-v1.x\") in a JSON object"
        main = _main_of(path)
        if main is not None:
            return f"part of the ATIF trajectory {main.name} (continuation or subagent file); imported with it"
        return None

    def companion_of(self, path: Path) -> Path | None:
        path = Path(path)
        if not path.is_file() or path.suffix.lower() != ".json":
            return None
        traj = path.parent / "agent" / "trajectory.json"
        if path.name == "result.json" and traj.is_file() and _is_atif_head(_head(traj)):
            return traj
        return _main_of(path) if _is_atif_head(_head(path)) else None

    # -- traces -----------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        path = Path(path)
        if path.suffix.lower() == ".cast" and _recording_of(path) is not None:
            return  # Harbor's agent/recording.cast: attached to the trajectory's trace (metadata "recording")
        head = _head(path)
        if not _is_atif_head(head):
            if path.suffix.lower() == ".json":
                doc = load_json(path, label)
                if _harbor_result(doc):
                    return  # Harbor trial result: read with agent/trajectory.json
            raise InputError(label, "", "expected an ATIF trajectory (\"schema_version\": \"ATIF-v1.x\")")
        if _main_of(path) is not None:
            return  # a continuation/subagent file: its steps are in its main file's trace
        yield self._trace(path, label)

    def _trace(self, path: Path, label: str) -> Trace:
        trial = _Trial(path, label)
        trial.run()
        doc = trial.main_doc
        agent = doc.get("agent") if isinstance(doc.get("agent"), dict) else {}
        agent_name = agent.get("name") if isinstance(agent.get("name"), str) else None
        model = agent.get("model_name") if isinstance(agent.get("model_name"), str) else None
        steps = trial.steps
        notes: list[str] = []
        metadata: dict[str, Any] = {"schema_version": doc.get("schema_version")}
        for key in ("session_id", "trajectory_id"):
            if isinstance(doc.get(key), str):
                metadata[key] = doc[key]
        if isinstance(agent.get("version"), str):
            metadata["agent_version"] = agent["version"]
        if isinstance(agent.get("extra"), dict):
            metadata["agent_extra"] = _clean(agent["extra"])
        if isinstance(doc.get("extra"), dict):
            metadata["extra"] = _clean(doc["extra"])
        if isinstance(agent.get("tool_definitions"), list):
            metadata["tool_definitions"] = len(agent["tool_definitions"])
        metadata["files"] = [trial.rel(p) for p in trial.files]
        rec = _recording(path)
        if rec is not None:
            metadata["recording"] = _run_relative(str(PurePosixPath(label).parent / rec.name))
            notes.append(f"the terminal recording {rec.name} beside the trajectory is attached to this trace "
                         "(metadata 'recording'); it makes no steps")
        if trial.final_metrics:
            metadata["final_metrics"] = trial.final_metrics
        if trial.have_cached:
            metadata["cached_tokens"] = trial.cached

        related = _RELATED.match(path.name)
        if related:
            notes.append(f"{path.name} is a {'continuation' if related['part'].startswith('cont') else 'subagent'} "
                         f"file whose main trajectory ({related['base']}.json) is not beside it; "
                         "it is shown as a trace of its own")

        # Outcome: Harbor trial result when present.
        res_path, res = _load_result(path, label)
        rlabel = str(PurePosixPath(label).parent.parent / "result.json")
        task_id = _task_from_names(path)
        trace_id = task_id
        status = "completed" if isinstance(doc.get("final_metrics"), dict) else "incomplete"
        reason = None
        score = explanation = score_source = error = None
        deciding = None
        started = None
        duration = None
        if res is not None:
            metadata["harbor_result"] = "result.json"
            tn = res.get("task_name")
            if tn is not None:
                task_id = expect(tn, str, rlabel, "/task_name", "a task name (string)")
            trn = res.get("trial_name")
            trace_id = trn if isinstance(trn, str) and trn else task_id
            for key in ("trial_name", "source", "task_checksum", "trial_uri"):
                if isinstance(res.get(key), str):
                    metadata[f"harbor_{key}"] = res[key]
            ai = res.get("agent_info")
            if isinstance(ai, dict):
                mi = ai.get("model_info")
                if model is None and isinstance(mi, dict) and isinstance(mi.get("name"), str):
                    model = mi["name"]
                if agent_name is None and isinstance(ai.get("name"), str):
                    agent_name = ai["name"]
            ar = res.get("agent_result")
            if isinstance(ar, dict):
                metadata["harbor_agent_result"] = {k: ar[k] for k in ("n_input_tokens", "n_cache_tokens",
                                                                         "n_output_tokens", "cost_usd") if k in ar}
            status = "completed"
            ex = res.get("exception_info")
            if ex is not None:
                expect(ex, dict, rlabel, "/exception_info", "an exception_info object (or null)")
                etype = ex.get("exception_type") if isinstance(ex.get("exception_type"), str) else "exception"
                emsg = ex.get("exception_message") if isinstance(ex.get("exception_message"), str) else ""
                tb = ex.get("exception_traceback") if isinstance(ex.get("exception_traceback"), str) else ""
                error = f"{etype}: {emsg}" if emsg else etype
                status = "limit" if etype in _LIMIT_EXCEPTIONS else "error"
                reason = etype
                steps.append(Step(kind=StepKind.error, actor="harness", title=etype,
                                  timestamp=trial.clock.parse(ex.get("occurred_at"), rlabel, "/exception_info/occurred_at"),
                                  content=emsg + (f"\n\n{tb}" if tb else ""), is_error=True,
                                  source="result.json#/exception_info"))
            vr = res.get("verifier_result")
            if vr is not None:
                expect(vr, dict, rlabel, "/verifier_result", "a verifier_result object (or null)")
                rewards = vr.get("rewards")
                if rewards is not None:
                    expect(rewards, dict, rlabel, "/verifier_result/rewards", "a rewards object")
                    for k, v in rewards.items():
                        expect(v, _NUMBER, rlabel, pointer("verifier_result", "rewards", k), "a reward (number)")
                    key = "reward" if "reward" in rewards else next(iter(rewards)) if len(rewards) == 1 else None
                    if key is not None:
                        score = float(rewards[key])
                        score_source = f"result.json verifier_result.rewards.{key}"
                    lines = [f"{k} = {fmt_number(v)}" for k, v in rewards.items()]
                    if key is None and rewards:
                        lines.append("several rewards and none named 'reward': no single score")
                    if error:
                        lines.append(f"exception: {error}")
                    explanation = "Harbor verifier rewards:\n" + "\n".join(lines) if lines else "no rewards"
                    steps.append(Step(kind=StepKind.score, actor="verifier",
                                      title=f"reward {fmt_number(score)}" if score is not None else "rewards",
                                      content=explanation, source="result.json#/verifier_result"))
                    deciding = len(steps) if score is not None else None
            if score is None:
                notes.append("the Harbor result has no verifier reward; the trace is unscored")
            started = trial.clock.parse(res.get("started_at"), rlabel, "/started_at")
            finished = trial.clock.parse(res.get("finished_at"), rlabel, "/finished_at")
            if started and finished:
                duration = (finished - started).total_seconds()
        else:
            notes.append("ATIF carries no task id, score or outcome and no Harbor result.json is beside it: "
                         "the task id comes from the file name and the trace is unscored"
                         + ("" if status == "completed" else "; without final_metrics the record looks unfinished"))

        stamps = [s.timestamp for s in steps if s.timestamp is not None]
        if started is None and stamps:
            started = min(stamps)
        if duration is None and len(stamps) > 1:
            duration = (max(stamps) - min(stamps)).total_seconds()

        # Usage
        inp = out = None
        cost = None
        for s in steps:
            if s.usage is None:
                continue
            if s.usage.input_tokens is not None:
                inp = (inp or 0) + s.usage.input_tokens
            if s.usage.output_tokens is not None:
                out = (out or 0) + s.usage.output_tokens
            if s.usage.cost_usd is not None:
                cost = (cost or 0.0) + s.usage.cost_usd
        if inp is None and out is None and cost is None:
            ar = metadata.get("harbor_agent_result") or {}
            fm = trial.last_doc.get("final_metrics") if isinstance(trial.last_doc.get("final_metrics"), dict) else {}
            if any(isinstance(ar.get(k), _NUMBER) for k in ("n_input_tokens", "n_output_tokens", "cost_usd")):
                inp = ar.get("n_input_tokens") if isinstance(ar.get("n_input_tokens"), int) else None
                out = ar.get("n_output_tokens") if isinstance(ar.get("n_output_tokens"), int) else None
                cost = ar.get("cost_usd") if isinstance(ar.get("cost_usd"), _NUMBER) else None
                notes.append("no step has metrics: usage is Harbor's agent_result")
            elif fm:
                inp = fm.get("total_prompt_tokens") if isinstance(fm.get("total_prompt_tokens"), int) else None
                out = fm.get("total_completion_tokens") if isinstance(fm.get("total_completion_tokens"), int) else None
                c = fm.get("total_cost_usd")
                cost = float(c) if is_number(c) else None
                if inp is not None or out is not None or cost is not None:
                    notes.append("no step has metrics: usage is the final_metrics of the last file")
        fm_last = trial.last_doc.get("final_metrics") if isinstance(trial.last_doc.get("final_metrics"), dict) else {}
        declared_in = fm_last.get("total_prompt_tokens")
        if (isinstance(declared_in, int) and not isinstance(declared_in, bool) and inp is not None
                and declared_in != inp):
            notes.append(f"final_metrics of {trial.rel(trial.last_path)} "
                         f"declare {declared_in} prompt tokens, the steps read here sum to {inp} "
                         "(the declared total also counts files that are not here, or only this segment)")
        usage = Usage(input_tokens=inp, output_tokens=out,
                      total_tokens=(inp or 0) + (out or 0) if (inp is not None or out is not None) else None,
                      cost_usd=cost)

        # Notes, in a stable order.
        c = trial.counts
        if trial.clock.naive:
            notes.insert(0, _NAIVE_NOTE)
        notes.extend(trial.notes)
        if c.get("subagents"):
            notes.append(f"{c['subagents']} subagent trajector{'y is' if c['subagents'] == 1 else 'ies are'} "
                         "shown inline after the step that references them")
        if c.get("copied"):
            parts = []
            if c.get("copied_calls"):
                parts.append(f"{c['copied_calls']} tool calls")
            if c.get("copied_results"):
                parts.append(f"{c['copied_results']} observation results")
            notes.append(f"{c['copied']} steps are copied context (is_copied_context: replayed from earlier in the "
                         "trial) and are shown as 'copied context' messages"
                         + (f"; their {' and '.join(parts)} repeat earlier steps and are not shown again"
                            if parts else ""))
        if c.get("linked"):
            notes.append(f"{c['linked']} observation results have no source_call_id and were linked to the only "
                         "tool call of their step")
        if c.get("rl_fields"):
            notes.append(f"token ids and logprobs of {c['rl_fields']} steps are not shown")
        if c.get("images"):
            notes.append(f"{c['images']} images are shown by their path only")
        for key, n in c.items():
            if key.startswith("steps with") or key.startswith("results naming"):
                notes.append(f"{n} {key}")
        if trial.hidden:
            parts = [f"{k.split(':', 1)[1]} ({n} {k.split(':', 1)[0]}{'s' if n != 1 else ''})"
                     for k, n in sorted(trial.hidden.items())]
            notes.append("fields not shown: " + ", ".join(parts))

        if trial.missing:
            metadata["missing_files"] = trial.missing
        return Trace(
            id=trace_id, task_id=task_id, trial=1, status=status, termination_reason=reason,
            score=score, score_source=score_source, scorer_explanation=explanation, error=error,
            agent=agent_name, model=model, usage=usage, duration_s=duration, started_at=started,
            deciding_step=deciding, steps=steps, source_file=label, source_pointer=None,
            notes=notes, metadata=metadata,
        )

    # -- drafts -----------------------------------------------------------

    def drafts(self, path: Path) -> list[RunDraft]:
        path = Path(path)
        label = str(path)
        if path.is_dir():
            raise InputError(label, "", "expected an ATIF trajectory file, not a folder")
        if not _is_atif_head(_head(path)):
            doc = load_json(path, label)
            if _harbor_result(doc):
                main = path.parent / "agent" / "trajectory.json"
                if main.is_file():
                    return self.drafts(main)
            raise InputError(label, "", "expected an ATIF trajectory (\"schema_version\": \"ATIF-v1.x\")")
        main = _main_of(path)
        if main is not None:
            return self.drafts(main)
        trace = self._trace(path, label)
        doc_agent = trace.metadata.get("agent_extra")
        files: list[Path] = []
        res_path = _result_path(path) if trace.metadata.get("harbor_result") else None
        # Names inside the run folder: a Harbor trial (or a folder holding a bare trajectory.json) keeps its
        # folder name, so that several trials merged into one run (``import --run``) do not collide.
        if res_path is not None:
            unit: Path | None = path.parent.parent
        elif _base_stem(path) == "trajectory":
            unit = path.parent.parent if path.parent.name == "agent" and path.parent.parent != path.parent \
                else path.parent
        else:
            unit = None
        base_dir = unit.parent if unit is not None else path.parent
        if res_path is not None:
            files.append(res_path)
        for rel in trace.metadata.get("files", []):
            files.append(path.parent / rel)
        rec = _recording(path)
        if rec is not None:
            files.append(rec)
        abs_files = [str(f.resolve()) for f in files]
        names = {}
        for f, a in zip(files, abs_files):
            try:
                names[a] = f.resolve().relative_to(base_dir.resolve()).as_posix()
            except ValueError:
                names[a] = f.name
        harness_version = trace.metadata.get("agent_version")
        benchmark = version = None
        source = trace.metadata.get("harbor_source")
        if isinstance(source, str) and source:
            name, _, ver = source.partition("@")
            benchmark = slug_or(name, "atif") if name else None
            version = ver or None
        run_name = unit.name if unit is not None and unit.name else _base_stem(path)
        job = unit.parent if res_path is not None and unit is not None else None
        if job is not None and job.name and any((job / n).is_file() for n in _JOB_FILES):
            # Trials of one Harbor job, agent, model and dataset share a run (import merges equal run ids),
            # like the job's own "<agent>__<model>__<dataset>" evals.
            run_name = "__".join(p for p in (job.name, trace.agent, trace.model, source) if p)
        agent_id = None
        if trace.agent or trace.model:
            agent_id = slug_or("-".join(p for p in (trace.agent, trace.model) if p), "atif")
        metadata: dict[str, Any] = {k: trace.metadata[k] for k in ("session_id", "schema_version", "harbor_trial_name",
                                                                   "harbor_task_checksum") if k in trace.metadata}
        environment: dict[str, Any] = {}
        if isinstance(doc_agent, dict) and doc_agent:
            environment["agent_extra"] = doc_agent
        return [RunDraft(
            run_id=slug_or(run_name, "atif"), agent=agent_id,
            agent_name=(f"{trace.agent} ({trace.model})" if trace.agent and trace.model else trace.agent or trace.model),
            model=trace.model, harness=trace.agent, harness_version=harness_version,
            benchmark=benchmark, benchmark_version=version, tasks=[trace.task_id], format=self.name,
            files=abs_files, names=names, formats={a: self.name for a in abs_files},
            environment=environment, metadata=metadata,
        )]
