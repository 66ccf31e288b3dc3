"""BrowserGym / AgentLab experiment summaries and the AgentLab reproducibility journal.

Spec sources: ``ServiceNow/AgentLab`` (Apache-2.0)
``src/agentlab/experiments/loop.py`` (``ExpArgs._make_dir``: experiment
folder ``<YYYY-MM-DD_HH-MM-SS>_<agent_name>_on_<task_name>_<seed>``;
``ExpArgs.save_summary_info``: ``summary_info.json`` = ``{n_steps, cum_reward,
cum_raw_reward, err_msg, stack_trace, "stats.cum_<k>", "stats.max_<k>",
terminated, truncated}``; ``_set_logger``: ``experiment.log`` records
``%(asctime)s - %(process)d - %(name)s:%(lineno)d - %(levelname)s -
%(message)s`` with ``Agent thought: …`` per step; ``save_package_versions``:
``package_versions.txt``) and ``src/agentlab/experiments/reproducibility_util.py``
(``get_reproducibility_info``, ``append_to_journal``: the columns of
``reproducibility_journal.csv`` and ``reproducibility_info.json``). BrowserGym's
``browsergym/experiments/src/browsergym/experiments/loop.py`` writes the same
summary.

**Pickles are never read.** The step records (``step_<n>.pkl.gz``),
``exp_args.pkl``, ``goal_object.pkl.gz`` and ``study.pkl.gz`` are Python
pickles: loading one runs arbitrary code. They are left out of the drafts'
files and counted in ``metadata``/``notes``; the per-step observations,
actions and model messages they hold are therefore not shown.

Inputs
------
- an experiment folder (holds ``summary_info.json``): one trace;
- a study folder whose sub-folders are all experiment folders: one run, one
  trace per experiment, plus its ``reproducibility_info.json``;
- a ``summary_info*.json`` file on its own;
- ``reproducibility_journal.csv``: one draft per row (declared scores,
  provenance), no traces.

Normalisations
--------------
- **Identity** from the experiment folder name: task (``miniwob.ascending-numbers``),
  seed (→ ``metadata.seed``), agent name. The draft's agent id is the whole
  AgentLab agent name (``GenericAgent-gpt-4o-mini``: the registry binds an agent
  id to its models); the model is the part after the first ``-``
  (``gpt-4o-mini``; AgentLab writes ``/`` in model names as ``_``), and the
  trace's ``agent`` is the part before it (``GenericAgent``). Benchmark = the task
  name's first dotted part (``miniwob``, ``workarena``, ``webarena``…) unless
  ``reproducibility_info.json`` names it.
- **Steps** (a summary has no per-step record): the ``Agent thought:`` and
  ``Agent action:`` records of ``experiment.log`` when it lies beside the
  summary (``message`` / ``browser_event`` steps; its times are the harness's
  local time without a zone and are taken as UTC, with a note; other log
  records are counted), then an ``observation`` step with the episode summary
  (steps, terminated/truncated, token and time statistics), an ``error`` step
  when ``err_msg`` is set (with the stack trace), and a final ``score`` step
  (``cum_reward``) that is ``Trace.deciding_step``.
- **Status**: ``err_msg`` → error (except AgentLab's own "Last step in episode was
  not terminated or truncated." → incomplete); else ``truncated`` → limit;
  ``terminated`` → completed; neither → incomplete.
- **Usage**: ``stats.cum_openai_prompt_tokens``/``cum_input_tokens`` → input,
  ``…completion_tokens``/``cum_output_tokens`` → output,
  ``…total_tokens`` → total, ``cum_openai_total_cost``/``cum_cost`` → USD;
  ``duration_s`` = ``stats.cum_step_elapsed`` + ``stats.cum_agent_elapsed``
  (environment time + agent time, seconds).
- **Drafts**: ``run_id`` = the study folder's name (or the experiment folder's,
  for one experiment); files = ``summary_info.json``, ``experiment.log``,
  ``package_versions.txt`` and other JSON/text files, never pickles,
  screenshots or videos (counted in ``metadata``); ``reproducibility_info.json``
  of a study gives the benchmark, its version and the git provenance.
- **Journal**: the file is parsed record by record (a record starts with a line
  whose fifth field is a ``YYYY-MM-DD_HH-MM-SS`` date) because the real journal
  has rows whose last multi-line cell opens a quote it never closes; such a
  cell is read up to the end of its record and the draft notes it.
  ``avg_reward`` → ``declared.overall`` (a 0..1 mean), ``std_err``, ``n_err``,
  ``n_completed`` → metadata; versions, git hashes and local modifications (a
  list of ``M: path`` lines) → ``environment``; ``git_user`` → submitter name;
  ``date`` → ``submitted`` (local time without zone, taken as UTC).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any, Iterator

from generator.errors import InputError
from generator.importers import Importer
from generator.importers._webutil import UTC, clip, finite_num, slug
from generator.jsonread import expect, load_json
from generator.model import DeclaredScores, RunDraft, Step, StepKind, Submitter, Trace, Usage

SUMMARY = "summary_info.json"
PICKLE_SUFFIXES = (".pkl", ".pkl.gz", ".pickle")
MEDIA_SUFFIXES = {".png", ".jpg", ".jpeg", ".webm", ".mp4", ".gif"}
KEEP_SUFFIXES = {".json", ".txt", ".log", ".csv", ".md"}
JOURNAL_COLUMNS = {"agent_name", "benchmark", "avg_reward", "n_completed"}
_EXP_DIR = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})_(?P<agent>.+?)_on_(?P<rest>.+)$")
_TASK_SEED = re.compile(r"^(?P<task>.+?)_(?P<seed>\d+)(?:_(?P<suffix>[0-9A-Za-z]+))?$")
_LOG_RECORD = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}) - (?P<pid>\d+) - (?P<where>\S+) - "
    r"(?P<level>[A-Z]+) - (?P<msg>.*)$")
_JOURNAL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$")
NOT_DONE = "Last step in episode was not terminated or truncated."
PICKLE_NOTE = ("per-step details (observations, actions, model messages) live in step_*.pkl.gz pickles, "
               "which are never read (unpickling runs arbitrary code)")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _is_pickle(p: Path) -> bool:
    return p.name.endswith(PICKLE_SUFFIXES)


def _is_summary_name(name: str) -> bool:
    return name.startswith("summary_info") and name.endswith(".json")


def _summary_ok(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return False
    return b'"cum_reward"' in head and b'"n_steps"' in head


def _is_exp_dir(folder: Path) -> bool:
    return (folder / SUMMARY).is_file() and _summary_ok(folder / SUMMARY)


def _exp_children(folder: Path) -> list[Path] | None:
    """Experiment sub-folders when every sub-folder of ``folder`` is one, else None."""
    try:
        dirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return None
    if not dirs or not all(_is_exp_dir(d) for d in dirs):
        return None
    return dirs


def _identity(label_name: str) -> dict[str, Any]:
    """Agent, task, seed and date from an experiment folder name (or a summary file's label)."""
    out: dict[str, Any] = {"agent_name": None, "task": None, "seed": None, "date": None}
    m = _EXP_DIR.match(label_name)
    rest = label_name
    if m:
        out["agent_name"], out["date"] = m.group("agent"), m.group("date")
        rest = m.group("rest")
    t = _TASK_SEED.match(rest)
    if t:
        out["task"], out["seed"] = t.group("task"), int(t.group("seed"))
    else:
        out["task"] = rest
    return out


def _split_agent(agent_name: str | None) -> tuple[str | None, str | None]:
    """``GenericAgent-gpt-4o-mini`` → (``GenericAgent``, ``gpt-4o-mini``)."""
    if not agent_name:
        return None, None
    head, sep, tail = agent_name.partition("-")
    return (head, tail) if sep and tail else (agent_name, None)


def _benchmark_of(task: str | None) -> str | None:
    if not task:
        return None
    return slug(task.split(".")[0].lower())


def _package_versions(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return out
    for line in text.splitlines():
        name, sep, version = line.strip().partition("==")
        low = name.lower()
        if sep and (low.startswith(("agentlab", "browsergym", "weblinx")) or low in ("playwright", "openai",
                                                                                     "gymnasium")):
            out[name] = version
    return out


def _exp_label(path: Path) -> str:
    """The experiment name of a summary file: its folder's name, or the ``<x>`` of ``summary_info.<x>.json``."""
    if path.name == SUMMARY:
        return path.parent.name
    stem = path.name[: -len(".json")]
    return stem[len("summary_info"):].lstrip("._-") or stem


# --------------------------------------------------------------------------
# experiment.log
# --------------------------------------------------------------------------


def _log_steps(path: Path, rel: str) -> tuple[list[Step], int, bool]:
    """``Agent thought`` / ``Agent action`` records as steps; (steps, other records, had times)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return [], 0, False
    records: list[tuple[int, re.Match, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = _LOG_RECORD.match(line)
        if m:
            records.append((number, m, [m.group("msg")]))
        elif records:
            records[-1][2].append(line)
    steps: list[Step] = []
    other = 0
    for number, m, lines in records:
        msg = "\n".join(lines).strip()
        try:
            ts = dt.datetime.strptime(m.group("ts"), "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=UTC)
        except ValueError:
            ts = None
        if msg.startswith("Agent thought:"):
            steps.append(Step(kind=StepKind.message, actor="agent", timestamp=ts, title="thought",
                              content=clip(msg[len("Agent thought:"):].strip(), 20_000)[0],
                              source=f"{rel} line {number}"))
        elif msg.startswith("Agent action:"):
            steps.append(Step(kind=StepKind.browser_event, actor="agent", timestamp=ts, title="action",
                              content=clip(msg[len("Agent action:"):].strip(), 20_000)[0],
                              source=f"{rel} line {number}"))
        else:
            other += 1
    return steps, other, bool(records)


# --------------------------------------------------------------------------
# Journal
# --------------------------------------------------------------------------


def _journal_header(path: Path) -> list[str] | None:
    try:
        with path.open("rb") as fh:
            first = fh.readline(64 * 1024).decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    try:
        return [c.strip() for c in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return None


def _journal_records(path: Path, label: str) -> tuple[list[str], list[tuple[int, dict[str, str], bool]]]:
    """``(header, [(line, row, repaired)])``: records split at lines that start a new row."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(label, "", f"cannot read the journal as UTF-8 ({exc})") from None
    lines = text.splitlines()
    if not lines:
        raise InputError(label, "line 1", "expected a header row")
    header = [c.strip() for c in next(csv.reader([lines[0]]))]
    if "date" not in header:
        raise InputError(label, "line 1", "expected a 'date' column in the journal header")
    di = header.index("date")

    def starts_record(line: str) -> bool:
        try:
            cells = next(csv.reader([line]))
        except (csv.Error, StopIteration):
            return False
        return len(cells) > di and bool(_JOURNAL_DATE.match(cells[di].strip())) and not line.startswith(" ")

    groups: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines[1:], start=2):
        if starts_record(line):
            groups.append((number, [line]))
        elif groups:
            groups[-1][1].append(line)
        elif line.strip():
            raise InputError(label, f"line {number}", "expected a journal row starting with git_user, agent_name, "
                                                      "benchmark, benchmark_version, date")
    out = []
    for number, group in groups:
        body = "\n".join(group)
        repaired = False
        try:
            rows = list(csv.reader(io.StringIO(body, newline=""), strict=True))
        except csv.Error:
            rows = list(csv.reader(io.StringIO(body, newline="")))
            repaired = True
        cells = rows[0] if len(rows) == 1 else [c for r in rows for c in r]
        if len(rows) != 1:
            raise InputError(label, f"line {number}", "expected one journal row per record")
        if len(cells) != len(header):
            raise InputError(label, f"line {number}", f"expected {len(header)} fields, found {len(cells)}")
        out.append((number, dict(zip(header, cells)), repaired))
    return header, out


def _modifications(cell: str) -> list[str]:
    return [line.strip() for line in cell.splitlines() if line.strip()]


# --------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------


class AgentLab(Importer):
    name = "agentlab"
    title = "BrowserGym / AgentLab experiment summaries and reproducibility journal"
    spec = ("ServiceNow/AgentLab: src/agentlab/experiments/loop.py (summary_info.json, experiment.log), "
            "src/agentlab/experiments/reproducibility_util.py (reproducibility_journal.csv)")
    patterns = (
        "<date>_<agent>_on_<task>_<seed>/ (summary_info.json; pickles ignored)",
        "a study folder of experiment folders",
        "summary_info*.json",
        "reproducibility_journal.csv",
    )
    priority = 40

    # -- sniff -------------------------------------------------------------

    def sniff(self, path: Path) -> str | None:
        path = Path(path)
        if path.is_dir():
            if _is_exp_dir(path) or _exp_children(path):
                return None
            return "folder holds no AgentLab summary_info.json"
        if not path.is_file():
            return "not a file or folder"
        if _is_pickle(path):
            return "a Python pickle: never read (unpickling runs arbitrary code)"
        if path.suffix.lower() == ".csv":
            header = _journal_header(path)
            if header and JOURNAL_COLUMNS <= set(header):
                return None
            return "CSV header is not an AgentLab reproducibility journal (agent_name, benchmark, avg_reward)"
        if not _is_summary_name(path.name):
            return "not summary_info.json or reproducibility_journal.csv"
        if not _summary_ok(path):
            return "summary_info.json lacks n_steps and cum_reward"
        return None

    # -- traces ------------------------------------------------------------

    def traces(self, path: Path, label: str) -> Iterator[Trace]:
        path = Path(path)
        if not _is_summary_name(path.name):
            return  # experiment.log, package_versions.txt, journal, reproducibility_info.json: metadata
        yield self._trace(path, label)

    def _trace(self, path: Path, label: str) -> Trace:
        doc = load_json(path, label)
        expect(doc, dict, label, "", "a summary_info object")
        for key in ("n_steps", "cum_reward"):
            if key not in doc:
                raise InputError(label, f"/{key}", f"expected '{key}' in summary_info.json")
        n_steps = doc["n_steps"]
        if n_steps is not None:
            expect(n_steps, int, label, "/n_steps", "'n_steps' as an integer")
        reward = doc["cum_reward"]
        if reward is not None:
            expect(reward, (int, float), label, "/cum_reward", "'cum_reward' as a number")
        raw_reward = doc.get("cum_raw_reward")
        err = doc.get("err_msg")
        if err is not None:
            expect(err, str, label, "/err_msg", "'err_msg' as a string or null")
        trace_text = doc.get("stack_trace")
        if trace_text is not None:
            expect(trace_text, str, label, "/stack_trace", "'stack_trace' as a string or null")
        terminated, truncated = doc.get("terminated"), doc.get("truncated")
        for key, value in (("terminated", terminated), ("truncated", truncated)):
            if value is not None:
                expect(value, bool, label, f"/{key}", f"'{key}' as a boolean")
        stats = {k[len("stats."):]: v for k, v in doc.items() if k.startswith("stats.")}
        for k, v in stats.items():
            if v is not None and finite_num(v) is None:
                raise InputError(label, f"/stats.{k}", "expected a number (or null)")

        exp_label = _exp_label(path)
        ident = _identity(exp_label)
        agent, model = _split_agent(ident["agent_name"])
        task = ident["task"] or exp_label
        notes: list[str] = []
        steps: list[Step] = []
        in_exp = path.name == SUMMARY

        log = path.parent / "experiment.log" if in_exp else None
        if log is not None and log.is_file():
            log_steps, other, timed = _log_steps(log, "experiment.log")
            steps.extend(log_steps)
            if log_steps:
                notes.append(f"{len(log_steps)} steps come from experiment.log (agent thoughts and actions); "
                             "its times are local time without a zone, taken as UTC")
            if other:
                notes.append(f"{other} other experiment.log records are not shown as steps")
        if in_exp:
            pickles = [p for p in path.parent.iterdir() if p.is_file() and _is_pickle(p)]
            notes.append(PICKLE_NOTE + (f" ({len(pickles)} pickle files here)" if pickles else ""))
        else:
            notes.append(PICKLE_NOTE)

        def stat(*keys: str) -> float | None:
            for k in keys:
                if finite_num(stats.get(k)) is not None:
                    return finite_num(stats[k])
            return None

        inp = stat("cum_openai_prompt_tokens", "cum_input_tokens", "cum_prompt_tokens")
        out = stat("cum_openai_completion_tokens", "cum_output_tokens", "cum_completion_tokens")
        total = stat("cum_openai_total_tokens", "cum_total_tokens")
        cost = stat("cum_openai_total_cost", "cum_cost", "cum_total_cost")
        usage = Usage(input_tokens=int(inp) if inp is not None else None,
                      output_tokens=int(out) if out is not None else None,
                      total_tokens=int(total) if total is not None else None, cost_usd=cost)
        env_t, agent_t = stat("cum_step_elapsed"), stat("cum_agent_elapsed")
        duration = (env_t or 0) + (agent_t or 0) if env_t is not None or agent_t is not None else None

        lines = [f"steps: {n_steps}", f"terminated: {terminated}", f"truncated: {truncated}"]
        for name, value in (("input tokens", inp), ("output tokens", out), ("total tokens", total),
                            ("cost (USD)", cost), ("environment time (s)", env_t), ("agent time (s)", agent_t)):
            if value is not None:
                lines.append(f"{name}: {value:g}")
        retries = stat("cum_n_retry")
        if retries:
            lines.append(f"LLM retries: {retries:g}")
        steps.append(Step(kind=StepKind.observation, actor="harness", title="episode summary",
                          content="\n".join(lines), usage=usage if usage.tokens() is not None or cost is not None
                          else None, duration_s=duration, source="/n_steps"))

        status = "incomplete"
        error = None
        if err and err.strip() != NOT_DONE:
            status, error = "error", err.strip().splitlines()[0][:500]
            content = err + (f"\n\n{trace_text}" if trace_text else "")
            steps.append(Step(kind=StepKind.error, actor="harness", title="error", content=clip(content, 20_000)[0],
                              is_error=True, source="/err_msg"))
        elif truncated:
            status = "limit"
        elif terminated:
            status = "completed"
        if err and err.strip() == NOT_DONE:
            notes.append("AgentLab: " + NOT_DONE)

        score = float(reward) if reward is not None else None
        explanation = None
        deciding = None
        if score is not None:
            how = ("the episode terminated (task done)" if terminated else
                   "the episode was truncated (step limit or no action)" if truncated else
                   "the episode neither terminated nor was truncated")
            explanation = f"cum_reward {score:g}" + (f" (cum_raw_reward {raw_reward:g})"
                                                     if finite_num(raw_reward) is not None else "") \
                          + f" after {n_steps} steps; {how}" + ("; the run ended with an error" if error else "")
            steps.append(Step(kind=StepKind.score, actor="environment", title=f"score {score:g}",
                              content=explanation, source="/cum_reward"))
            deciding = len(steps)

        started = None
        if ident["date"]:
            try:
                started = dt.datetime.strptime(ident["date"], "%Y-%m-%d_%H-%M-%S").replace(tzinfo=UTC)
                notes.append("the experiment folder's date is local time without a zone; taken as UTC")
            except ValueError:
                started = None
        metadata: dict[str, Any] = {"experiment": exp_label}
        if ident["agent_name"]:
            metadata["agent_name"] = ident["agent_name"]
        if ident["seed"] is not None:
            metadata["seed"] = ident["seed"]
        if finite_num(raw_reward) is not None:
            metadata["cum_raw_reward"] = raw_reward
        metadata["stats"] = stats
        if in_exp and (path.parent / "package_versions.txt").is_file():
            versions = _package_versions(path.parent / "package_versions.txt")
            if versions:
                metadata["package_versions"] = versions
        return Trace(
            id=exp_label, task_id=task, trial=1, status=status,
            termination_reason="error" if error else "truncated" if truncated else "terminated" if terminated else None,
            score=score, score_source="summary_info.json cum_reward" if score is not None else None,
            scorer_explanation=explanation, error=error, agent=agent, model=model, usage=usage,
            duration_s=duration, started_at=started, deciding_step=deciding, steps=steps, source_file=label,
            source_pointer="", notes=notes, metadata=metadata,
        )

    # -- drafts ------------------------------------------------------------

    def drafts(self, path: Path) -> list[RunDraft]:
        path = Path(path)
        if path.is_dir():
            if _is_exp_dir(path):
                return [self._exp_draft([path], path.parent, slug(path.name, "agentlab-run"))]
            exps = _exp_children(path)
            if exps:
                return [self._exp_draft(exps, path, slug(path.name, "agentlab-study"), study=path)]
            raise InputError(str(path), "", "expected an AgentLab experiment folder (summary_info.json) or a study "
                                            "folder of them")
        if path.suffix.lower() == ".csv":
            return self._journal_drafts(path)
        if path.name == SUMMARY and _is_exp_dir(path.parent):
            return self.drafts(path.parent)
        if not _is_summary_name(path.name):
            raise InputError(str(path), "", "expected summary_info.json or reproducibility_journal.csv")
        doc = load_json(path, str(path))
        expect(doc, dict, str(path), "", "a summary_info object")
        ident = _identity(_exp_label(path))
        agent, model = _split_agent(ident["agent_name"])
        resolved = str(path.resolve())
        return [RunDraft(run_id=slug(path.stem, "agentlab-run"), agent=slug(ident["agent_name"]),
                         agent_name=ident["agent_name"], model=model, harness="agentlab",
                         benchmark=_benchmark_of(ident["task"]), tasks=[ident["task"] or _exp_label(path)],
                         format=self.name, files=[resolved], names={resolved: path.name},
                         formats={resolved: self.name})]

    def _exp_draft(self, exps: list[Path], base: Path, run_id: str | None, study: Path | None = None) -> RunDraft:
        files: list[str] = []
        names: dict[str, str] = {}
        pickles = media = other = 0
        tasks: list[str] = []
        agents: set[str] = set()
        versions: dict[str, str] = {}
        for exp in exps:
            for p in sorted(exp.rglob("*")):
                if not p.is_file() or p.is_symlink():
                    continue
                if _is_pickle(p):
                    pickles += 1
                elif p.suffix.lower() in MEDIA_SUFFIXES:
                    media += 1
                elif p.suffix.lower() in KEEP_SUFFIXES and not p.name.startswith("."):
                    files.append(str(p.resolve()))
                    names[str(p.resolve())] = p.relative_to(base).as_posix()
                else:
                    other += 1
            ident = _identity(exp.name)
            task = ident["task"] or exp.name
            if task not in tasks:
                tasks.append(task)
            if ident["agent_name"]:
                agents.add(ident["agent_name"])
            if not versions and (exp / "package_versions.txt").is_file():
                versions = _package_versions(exp / "package_versions.txt")
        environment: dict[str, Any] = {}
        if versions:
            environment["package_versions"] = versions
        benchmark = benchmark_version = None
        if study is not None:
            for p in sorted(study.iterdir()):
                if p.is_file() and not p.name.startswith("."):
                    if _is_pickle(p):
                        pickles += 1
                    elif p.suffix.lower() in KEEP_SUFFIXES:
                        files.append(str(p.resolve()))
                        names[str(p.resolve())] = p.relative_to(base).as_posix()
                    else:
                        other += 1
            info_path = study / "reproducibility_info.json"
            if info_path.is_file():
                info = load_json(info_path, str(info_path))
                expect(info, dict, str(info_path), "", "reproducibility info as an object")
                if isinstance(info.get("benchmark"), str):
                    benchmark = slug(info["benchmark"])
                if isinstance(info.get("benchmark_version"), str):
                    benchmark_version = info["benchmark_version"]
                for key, value in info.items():
                    if key == "benchmark_version":
                        continue
                    if key.endswith(("_version", "_git_hash")) or key == "os":
                        environment[key] = value
                    elif key.endswith("__local_modifications") and isinstance(value, str):
                        environment[key] = _modifications(value)
        agent_name = agents.pop() if len(agents) == 1 else None
        agent, model = _split_agent(agent_name)
        metadata: dict[str, Any] = {}
        if pickles:
            metadata["pickles_not_read"] = pickles
        if media:
            metadata["screenshots_and_videos_not_copied"] = media
        if other:
            metadata["other_files_not_copied"] = other
        return RunDraft(
            run_id=run_id, agent=slug(agent_name), agent_name=agent_name, model=model,
            harness="agentlab", harness_version=versions.get("agentlab"),
            benchmark=benchmark or _benchmark_of(tasks[0] if tasks else None), benchmark_version=benchmark_version,
            tasks=tasks, format=self.name, files=files, names=names, formats={f: self.name for f in files},
            environment=environment, metadata=metadata,
        )

    def _journal_drafts(self, path: Path) -> list[RunDraft]:
        label = str(path)
        header, records = _journal_records(path, label)
        if not JOURNAL_COLUMNS <= set(header):
            raise InputError(label, "line 1", "expected the AgentLab journal columns agent_name, benchmark, "
                                              "avg_reward, n_completed")
        resolved = str(path.resolve())
        out = []
        seen: dict[str, int] = {}
        for line, row, repaired in records:
            place = f"line {line}"
            agent_name = row.get("agent_name", "").strip()
            if not agent_name:
                raise InputError(label, place, "expected an agent_name")
            try:
                avg = float(row["avg_reward"]) if row.get("avg_reward", "").strip() else None
            except ValueError:
                raise InputError(label, place,
                                 f"expected avg_reward as a number, found {row['avg_reward']!r}") from None
            agent, model = _split_agent(agent_name)
            date = row.get("date", "").strip()
            submitted = None
            try:
                submitted = dt.datetime.strptime(date, "%Y-%m-%d_%H-%M-%S").replace(tzinfo=UTC)
            except ValueError:
                pass
            bench = row.get("benchmark", "").strip()
            environment: dict[str, Any] = {}
            for key in ("os", "python_version", "playwright_version", "agentlab_version", "agentlab_git_hash",
                        "browsergym_version", "browsergym_git_hash"):
                if row.get(key, "").strip():
                    environment[key] = row[key].strip()
            for key in ("agentlab__local_modifications", "browsergym__local_modifications"):
                mods = _modifications(row.get(key, ""))
                if mods:
                    environment[key] = mods
            metadata: dict[str, Any] = {"journal_line": line, "agent_name": agent_name}
            for key in ("std_err", "n_err"):
                try:
                    if row.get(key, "").strip():
                        metadata[key] = float(row[key]) if key == "std_err" else int(float(row[key]))
                except ValueError:
                    raise InputError(label, place, f"expected {key} as a number, found {row[key]!r}") from None
            for key in ("n_completed", "study_id", "comment"):
                value = row.get(key, "").strip()
                if value and value != "None":
                    metadata[key] = value
            if repaired:
                metadata["repaired"] = "a quoted cell of this row was never closed; it was read up to the row's end"
            rid = slug(f"{agent_name}-{bench}-{date}", "agentlab-run")
            if rid in seen:
                seen[rid] += 1
                rid = slug(f"{rid}-{seen[rid]}")
            else:
                seen[rid] = 1
            user = row.get("git_user", "").strip()
            out.append(RunDraft(
                run_id=rid, agent=slug(agent_name), agent_name=agent_name, model=model,
                harness="agentlab", harness_version=environment.get("agentlab_version"),
                benchmark=slug(bench) if bench else None, benchmark_version=row.get("benchmark_version") or None,
                format=self.name, files=[resolved], names={resolved: path.name}, formats={resolved: self.name},
                submitter=Submitter(name=user or None), submitted=submitted,
                declared=DeclaredScores(overall=avg, source=f"{path.name} avg_reward"),
                environment=environment, metadata=metadata,
            ))
        return out
