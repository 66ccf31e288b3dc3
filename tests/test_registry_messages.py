"""What a new user meets: stubs left by `import`, a broken registry, and the
messages for run.yaml, registry and config mistakes (they must name the place
in the file, say what was expected and point at the right document)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel, ValidationError

from generator.build import build_site, check_project
from generator.cli import main
from generator.config import Config, Limits
from generator.schema_errors import pydantic_findings
from generator.ingest import import_paths
from generator.model import Agent, Benchmark, DeclaredScores, EvidenceRule, FailureOverride, Metric, Run, Submitter, \
    TraceFile
from generator.scaffold import init_project
from generator.validate import task_set_sha256
from sitecheck import parse

DOCS = Path(__file__).resolve().parents[1] / "docs"
RESULTS = Path(__file__).resolve().parent / "fixtures" / "tau2" / "results.json"
RUN = "r1"
AGENTS = {"agent": {"name": "Agent One", "organisation": "Org", "harness": "tau2", "models": ["agent-llm-1"]}}
BENCHES = {"bench": {"name": "Bench", "version": "0123456", "tasks": ["0", "1"],
                     "tasks_sha256": task_set_sha256(["0", "1"])}}


@pytest.fixture
def imported(tmp_path) -> Path:
    """A project right after `init` and `import`: agent and benchmark are the stubs import wrote."""
    root = tmp_path / "p"
    init_project(root)
    report = import_paths(root, [RESULTS], run_id=RUN, benchmark="bench", agent="agent")
    assert not report.failed and len(report.stubs) == 2
    return root


@pytest.fixture
def project(imported) -> Path:
    """The same project with both registry entries filled in by a person: every check passes."""
    _write(imported / "registry" / "agents.yaml", AGENTS)
    _write(imported / "registry" / "benchmarks.yaml", BENCHES)
    _edit(_meta(imported), lambda d: d.update(benchmark_version="0123456"))
    assert check_project(imported).findings == []
    return imported


def _meta(root: Path) -> Path:
    return root / "traces" / RUN / "run.yaml"


def _write(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _edit(path: Path, fn) -> None:
    data = yaml.safe_load(path.read_text())
    fn(data)
    _write(path, data)


def _run_findings(root: Path, rule: str) -> list:
    """The findings of the run's own run.yaml under ``rule``."""
    result = check_project(root)
    return [f for f in result.runs[0].findings if f.rule == rule] if result.runs else []


# ---------------------------------------------------------------- 1. stubs are not verified

def test_a_run_on_import_stubs_is_not_verified(imported, tmp_path):
    result = check_project(imported)
    rs = result.runs[0]
    assert not rs.verified
    ident = [f for f in rs.findings if f.rule == "identity"]
    source = [f for f in rs.findings if f.rule == "task-source"]
    assert [(f.file, f.place, f.severity) for f in ident] == [(f"traces/{RUN}/run.yaml", "/agent", "warning")]
    assert "stub" in ident[0].message and "registry/agents.yaml" in ident[0].message
    assert [(f.file, f.place, f.severity) for f in source] == [(f"traces/{RUN}/run.yaml", "/benchmark", "warning")]
    assert "stub" in source[0].message and "registry/benchmarks.yaml" in source[0].message
    # Warnings: CI passes (the scores are recomputed from the traces), but the badge is not "verified".
    assert CliRunner().invoke(main, ["-C", str(imported), "check"]).exit_code == 0
    site = tmp_path / "site"
    build_site(imported, site)
    board = parse(site / "benchmarks" / "bench" / "index.html")
    badges = [c.split() for h, c in board.links if "badge" in c.split()]
    assert len(badges) == 1 and "good" not in badges[0] and "warn" in badges[0]
    run_page = parse(site / "runs" / RUN / "index.html")
    assert {"check-identity", "check-task-source"} <= run_page.ids
    assert "All checks passed" not in (site / "runs" / RUN / "index.html").read_text()


def test_each_stub_counts_on_its_own(imported):
    _write(imported / "registry" / "agents.yaml", AGENTS)  # the agent is filled in, the benchmark is not
    rs = check_project(imported).runs[0]
    assert [f.rule for f in rs.findings if "stub" in f.message] == ["task-source"] and not rs.verified
    _write(imported / "registry" / "benchmarks.yaml", BENCHES)
    _edit(_meta(imported), lambda d: d.update(benchmark_version="0123456"))
    _edit(imported / "registry" / "agents.yaml", lambda d: d["agent"].update(stub=True))
    rs = check_project(imported).runs[0]
    assert [f.rule for f in rs.findings if "stub" in f.message] == ["identity"] and not rs.verified


def test_filled_in_registry_is_verified(project):
    assert check_project(project).runs[0].verified


# ---------------------------------------------------------------- 2. a broken registry entry or file

def test_an_invalid_agent_entry_is_not_called_unregistered(project):
    _write(project / "registry" / "agents.yaml",
           {"agent": {"name": "Agent One", "organization": "Org", "models": ["agent-llm-1"]},
            "other": {"name": "Other"}})
    errs = _run_findings(project, "identity")
    assert len(errs) == 1 and errs[0].place == "/agent" and errs[0].severity == "error"
    msg = errs[0].message
    assert "not registered" not in msg
    assert "agent 'agent' has an invalid registry entry" in msg
    assert "registry/agents.yaml /agent/organization: unknown key 'organization'" in msg
    # The registry file itself still gets its finding at the key.
    findings = check_project(project).findings
    assert any(f.file == "registry/agents.yaml" and f.place == "/agent/organization" for f in findings)


def test_an_invalid_agent_entry_in_list_form(project):
    _write(project / "registry" / "agents.yaml", [{"id": "agent", "name": "Agent One", "models": "agent-llm-1"}])
    errs = _run_findings(project, "identity")
    assert len(errs) == 1 and "has an invalid registry entry" in errs[0].message
    assert "registry/agents.yaml /0/models: found a string" in errs[0].message
    assert "expected a list of model names" in errs[0].message


def test_an_empty_agent_entry(project):
    (project / "registry" / "agents.yaml").write_text("agent:\n")
    errs = _run_findings(project, "identity")
    assert len(errs) == 1 and "has an invalid registry entry" in errs[0].message
    assert "registry/agents.yaml /agent: found nothing" in errs[0].message
    assert "expected a mapping of agent fields (id, name, organisation, …)" in errs[0].message
    assert "the file is empty" not in errs[0].message  # the entry is, not the file


def test_an_unreadable_agents_file(project):
    (project / "registry" / "agents.yaml").write_text("agent:\n  name: Agent One\n  models: [agent-llm-1\n")
    errs = _run_findings(project, "identity")
    assert len(errs) == 1 and errs[0].place == "/agent"
    assert "not registered" not in errs[0].message
    assert "registry/agents.yaml could not be read" in errs[0].message and "line" in errs[0].message
    (project / "registry" / "agents.yaml").write_text("just text\n")
    errs = _run_findings(project, "identity")
    assert len(errs) == 1 and "registry/agents.yaml could not be read" in errs[0].message
    # Entries without an id to read: the run's agent may be one of them, so the message says so.
    (project / "registry" / "agents.yaml").write_text("- just\n- names\n")
    errs = _run_findings(project, "identity")
    assert len(errs) == 1 and "not registered" in errs[0].message and "at /0, /1" in errs[0].message


def test_an_invalid_benchmark_entry_and_an_unreadable_benchmarks_file(project):
    _edit(project / "registry" / "benchmarks.yaml", lambda d: d["bench"].update(metrc={"name": "x"}))
    errs = _run_findings(project, "task-source")
    assert len(errs) == 1 and errs[0].place == "/benchmark" and errs[0].severity == "error"
    assert "not registered" not in errs[0].message
    assert "benchmark 'bench' has an invalid registry entry" in errs[0].message
    assert "registry/benchmarks.yaml /bench/metrc: unknown key 'metrc'" in errs[0].message
    (project / "registry" / "benchmarks.yaml").write_text("bench: {name: Bench\n")
    errs = _run_findings(project, "task-source")
    assert len(errs) == 1 and "registry/benchmarks.yaml could not be read" in errs[0].message


def test_an_unregistered_agent_is_still_called_so(project):
    _edit(_meta(project), lambda d: d.update(agent="agent-two"))
    errs = _run_findings(project, "identity")
    assert errs and "not registered" in errs[0].message


# ---------------------------------------------------------------- 3. run.yaml messages a contributor can act on

def _meta_findings(root: Path) -> list:
    return [f for f in check_project(root).findings if f.file == f"traces/{RUN}/run.yaml"]


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "- id: r1\n- agent: agent\n", "just text\n"])
def test_a_run_yaml_that_is_not_a_mapping(project, text):
    _meta(project).write_text(text)
    found = _meta_findings(project)
    assert len(found) == 1 and found[0].place == "" and found[0].rule == "run-metadata"
    assert "expected a mapping of run fields (id, agent, benchmark, …); see docs/data-model.md" in found[0].message
    assert "valid dictionary" not in found[0].message and "instance of" not in found[0].message


def test_an_invalid_date_is_one_error_at_its_key(project):
    _edit(_meta(project), lambda d: d.update(submitted="2026-13-45"))
    found = _meta_findings(project)
    assert [(f.place, f.rule) for f in found] == [("/submitted", "run-metadata")]
    assert "expected a date (YYYY-MM-DD) or date-time (ISO 8601)" in found[0].message
    assert "2026-13-45" in found[0].message


def test_deviations_as_a_list_names_the_expected_shape(project):
    _edit(_meta(project), lambda d: d.update(deviations=["trials: 1"]))
    found = _meta_findings(project)
    assert [f.place for f in found] == ["/deviations"]
    assert "expected a mapping setting -> reason" in found[0].message
    assert "valid dictionary" not in found[0].message


def test_an_id_with_a_space_says_which_characters_are_allowed(project):
    _edit(_meta(project), lambda d: d.update(id="r 1"))
    found = [f for f in _meta_findings(project) if f.place == "/id"]
    assert found and "letters, digits, '.', '_' or '-'" in found[0].message
    assert "starting with a letter or digit" in found[0].message and "'r 1'" in found[0].message


def test_nested_shapes_and_missing_keys(project):
    _edit(_meta(project), lambda d: (d.update(submitter="Bob", failure_overrides={"t": "infra"}), d.pop("agent")))
    found = {f.place: f.message for f in _meta_findings(project)}
    assert "expected a mapping of submitter fields (name, organisation, url)" in found["/submitter"]
    assert "found a string" in found["/submitter"]
    assert "expected a mapping of failure override fields (class, reason)" in found["/failure_overrides/t"]
    assert "missing" in found["/agent"] and "agent" in found["/agent"]


def test_union_errors_collapse_generically():
    """Errors of every member of a union are reported once, at the key in the file."""

    class M(BaseModel):
        value: int | bool
        when: list[str] | None = None

    with pytest.raises(ValidationError) as exc:
        M.model_validate({"value": "x", "when": [1]})
    found = pydantic_findings(exc.value, "f.yaml", "rule", model=M)
    assert [f.place for f in found] == ["/value", "/when/0"]
    assert "expected a whole number or true or false" in found[0].message


# ---------------------------------------------------------------- 4. the right document

def test_unknown_config_key_points_at_the_configuration_doc(project):
    (project / "tracesite.yaml").write_text("title: T\ntitel: T\nlimits: {steps_per_pag: 10}\n")
    found = [f for f in check_project(project).findings if f.file == "tracesite.yaml"]
    assert {f.place for f in found} == {"/titel", "/limits/steps_per_pag"}
    for f in found:
        assert "docs/configuration.md" in f.message and "data-model" not in f.message
    _edit(_meta(project), lambda d: d.update(benchmrk="x"))
    found = [f for f in _meta_findings(project) if f.place == "/benchmrk"]
    assert found and "docs/data-model.md" in found[0].message


def _table_keys(doc: Path) -> set[str]:
    """Every key named in backticks in the first column of the tables of ``doc`` (``metric.k`` names
    ``metric`` and ``k``)."""
    keys = set()
    for line in doc.read_text().splitlines():
        if line.startswith("|"):
            for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
                keys.update(name.split("."))
    return keys


def _named_keys(doc: Path) -> set[str]:
    """Every word in backticks anywhere in ``doc`` (``{path, sha256}`` names ``path`` and ``sha256``)."""
    text = re.sub(r"^```.*$", "", doc.read_text(), flags=re.M)  # code fences would pair the wrong backticks
    return {w for name in re.findall(r"`([^`]+)`", text) for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", name)}


def _keys(model) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


@pytest.mark.parametrize("model", [Agent, Benchmark, Run])
def test_every_top_level_key_is_in_a_data_model_table(model):
    keys = _table_keys(DOCS / "data-model.md")
    missing = [k for k in _keys(model) if k not in keys and k != "id"]
    assert missing == [], f"{model.__name__}: {missing} not in a table of docs/data-model.md"


@pytest.mark.parametrize("model", [Metric, EvidenceRule, Submitter, DeclaredScores, TraceFile, FailureOverride])
def test_every_nested_key_is_named_in_the_data_model_doc(model):
    keys = _named_keys(DOCS / "data-model.md")
    missing = [k for k in _keys(model) if k not in keys]
    assert missing == [], f"{model.__name__}: {missing} not named in docs/data-model.md"


def test_deviations_shape_is_documented():
    text = (DOCS / "data-model.md").read_text()
    assert "setting" in text and "reason" in text and "failure_overrides" in text


@pytest.mark.parametrize("model", [Config, Limits])
def test_every_config_key_is_in_the_configuration_doc(model):
    text = (DOCS / "configuration.md").read_text()
    missing = [name for name in model.model_fields if not re.search(rf"\b{name}:", text)]
    assert missing == []


def test_an_id_inside_a_mapping_entry_that_differs_from_its_key_is_an_error(tmp_path):
    from generator.discover import load_registry

    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "agents.yaml").write_text(
        "swe-agent:\n  id: swe-agent-v2\n  name: SWE-agent\n  models: [gpt-4o]\n", encoding="utf-8")
    findings = []
    registry = load_registry(tmp_path, findings)
    assert "swe-agent" not in registry.agents and "swe-agent-v2" not in registry.agents
    assert [(f.file, f.place, f.rule) for f in findings] == [("registry/agents.yaml", "/swe-agent/id", "registry")]
    assert "differs from its key 'swe-agent'" in findings[0].message
    assert "swe-agent" in registry.invalid["agents"]  # runs naming it are told the entry is invalid
