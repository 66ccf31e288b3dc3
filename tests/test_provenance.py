"""Provenance checks: for every rule a passing and a failing case, on small
projects made from the tau2 fixture (2 tasks x 2 trials)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.build import build_site, check_project
from generator.cli import main
from generator.ingest import import_paths
from generator.scaffold import init_project
from generator.validate import task_set_sha256
from sitecheck import parse

RESULTS = Path(__file__).resolve().parent / "fixtures" / "tau2" / "results.json"
RUN = "r1"


def _expected_score() -> float:
    """Mean over tasks of the mean reward over trials, an unscored error counting 0."""
    doc = json.loads(RESULTS.read_text())
    per_task: dict[str, list[float]] = {}
    for sim in doc["simulations"]:
        per_task.setdefault(sim["task_id"], []).append((sim.get("reward_info") or {}).get("reward") or 0.0)
    return sum(sum(v) / len(v) for v in per_task.values()) / len(per_task)


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "p"
    init_project(root)
    report = import_paths(root, [RESULTS], run_id=RUN, benchmark="bench", agent="agent")
    assert not report.failed
    (root / "registry" / "agents.yaml").write_text(yaml.safe_dump({
        "agent": {"name": "Agent One", "organisation": "Org", "harness": "tau2", "models": ["agent-llm-1"]}}))
    (root / "registry" / "benchmarks.yaml").write_text(yaml.safe_dump({
        "bench": {"name": "Bench", "version": "0123456", "tasks": ["0", "1"], "tasks_sha256": task_set_sha256(["0", "1"])}}))
    meta = yaml.safe_load(_meta(root).read_text())
    meta["benchmark_version"] = "0123456"
    _meta(root).write_text(yaml.safe_dump(meta, sort_keys=False))
    return root


def _meta(root: Path) -> Path:
    return root / "traces" / RUN / "run.yaml"


def _edit(path: Path, fn) -> None:
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _errors(root: Path, rule: str) -> list:
    return [f for f in check_project(root).findings if f.rule == rule and f.severity == "error"]


def test_clean_run_passes_every_check(project):
    result = check_project(project)
    assert result.findings == []
    assert result.runs[0].verified
    assert CliRunner().invoke(main, ["-C", str(project), "check"]).exit_code == 0


# ---------------------------------------------------------------- integrity

def test_a_tampered_byte_fails(project):
    data = project / "traces" / RUN / "results.json"
    raw = bytearray(data.read_bytes())
    raw[100] = ord("X") if raw[100] != ord("X") else ord("Y")
    data.write_bytes(bytes(raw))
    errs = _errors(project, "integrity")
    assert len(errs) == 1 and errs[0].place == "/files/0/sha256" and "expected" in errs[0].message
    assert CliRunner().invoke(main, ["-C", str(project), "check"]).exit_code == 1


def test_missing_undeclared_and_symlinked_files(project):
    folder = project / "traces" / RUN
    (folder / "extra.json").write_text("{}")
    (folder / "link.json").symlink_to(folder / "results.json")
    findings = check_project(project).findings
    assert any(f.file.endswith("extra.json") and f.severity == "warning" and "not declared" in f.message for f in findings)
    assert any(f.file.endswith("link.json") and f.severity == "error" and "symlink" in f.message for f in findings)
    (folder / "results.json").unlink()
    assert any("missing" in f.message for f in _errors(project, "integrity"))


def test_paths_leaving_the_run_folder_are_refused(project):
    _edit(_meta(project), lambda d: d["files"].append({"path": "../../registry/agents.yaml", "sha256": "0" * 64}))
    errs = _errors(project, "integrity")
    assert any(e.place == "/files/1/path" and "leaves the run folder" in e.message for e in errs)


# ---------------------------------------------------------------- task source

def test_a_missing_task_makes_the_run_incomparable(project):
    _edit(project / "registry" / "benchmarks.yaml", lambda d: d["bench"].update(tasks=["0", "1", "2"], tasks_sha256=None))
    errs = _errors(project, "task-source")
    assert len(errs) == 1 and "2 of the 3 tasks" in errs[0].message and "missing: 2" in errs[0].message


def test_a_task_outside_the_task_set(project):
    _edit(project / "registry" / "benchmarks.yaml", lambda d: d["bench"].update(tasks=["0"], tasks_sha256=None))
    errs = _errors(project, "task-source")
    assert any("'1' is not in the task set" in e.message for e in errs)


def test_task_set_hash_must_match(project):
    _edit(project / "registry" / "benchmarks.yaml", lambda d: d["bench"].update(tasks=["0", "1", "9"]))
    errs = _errors(project, "task-source")
    assert any(e.place == "/bench/tasks_sha256" for e in errs)


def test_benchmark_version_difference_is_reported(project):
    _edit(_meta(project), lambda d: d.update(benchmark_version="other"))
    findings = [f for f in check_project(project).findings if f.rule == "task-source"]
    assert findings and findings[0].place == "/benchmark_version"


# ---------------------------------------------------------------- identity

def test_unregistered_agent(project):
    _edit(_meta(project), lambda d: d.update(agent="agent-two"))
    errs = _errors(project, "identity")
    assert errs and errs[0].place == "/agent" and "not registered" in errs[0].message


def test_lookalike_agent_names_are_flagged(project):
    _edit(project / "registry" / "agents.yaml",
          lambda d: d.update({"agent-1": {"name": "Аgent  one", "models": ["agent-llm-1"]}}))  # Cyrillic А, two spaces
    errs = _errors(project, "identity")
    assert any("looks like agent" in e.message for e in errs)
    # The run of the look-alike's twin is not verified.
    assert not check_project(project).runs[0].verified


def test_model_must_be_registered_for_the_agent(project):
    _edit(project / "registry" / "agents.yaml", lambda d: d["agent"].update(models=["Agent-LLM-1"]))
    errs = _errors(project, "identity")
    assert errs and errs[0].place == "/model" and "looks like" in errs[0].message
    _edit(project / "registry" / "agents.yaml", lambda d: d["agent"].update(models=["other-model"]))
    errs = _errors(project, "identity")
    assert errs and "not one of the models" in errs[0].message


# ---------------------------------------------------------------- reconciliation

def test_declared_score_is_recomputed(project):
    expected = _expected_score()
    _edit(_meta(project), lambda d: d.update(declared={"overall": expected + 0.001}))
    assert _errors(project, "reconciliation") == []  # within the tolerance
    _edit(_meta(project), lambda d: d.update(declared={"overall": expected + 0.25}))
    errs = _errors(project, "reconciliation")
    assert len(errs) == 1 and f"{expected:.4g}" in errs[0].message
    rs = check_project(project).runs[0]
    assert rs.recomputed == pytest.approx(expected) and rs.declared == pytest.approx(expected + 0.25)


def test_task_scored_without_a_trace(project):
    _edit(_meta(project), lambda d: d.update(declared={"tasks": {"0": 0.5, "7": 1.0}}))
    errs = _errors(project, "reconciliation")
    assert any(e.place == "/declared/tasks/7" and "no trace" in e.message for e in errs)


def test_pass_hat_k_claims(project):
    _edit(_meta(project), lambda d: d.update(declared={"pass_hat": {3: 0.5}}))
    assert any("at most 2 trial" in e.message for e in _errors(project, "reconciliation"))
    # pass^2: task 0 has 1 success of 2 -> 0; task 1 has 1 of 2 -> 0.
    _edit(_meta(project), lambda d: d.update(declared={"pass_hat": {2: 0.0}}))
    assert _errors(project, "reconciliation") == []


# ---------------------------------------------------------------- evidence

def test_success_without_required_evidence(project):
    _edit(project / "registry" / "benchmarks.yaml",
          lambda d: d["bench"].update(evidence=[{"kind": "tool_call", "name": "get_user_details"}]))
    errs = _errors(project, "evidence")
    # Task 0 trial 1 called get_user_details; task 1's success did not.
    assert len(errs) == 1 and "task '1'" in errs[0].message and "step-" in errs[0].message
    _edit(project / "registry" / "benchmarks.yaml",
          lambda d: d["bench"].update(evidence=[{"kind": "tool_call"}]))
    assert _errors(project, "evidence") == []


# ---------------------------------------------------------------- protocol

def test_protocol_deviations(project):
    _edit(project / "registry" / "benchmarks.yaml",
          lambda d: d["bench"].update(protocol={"num_trials": 2, "max_steps": 200}))
    assert [f for f in check_project(project).findings if f.rule == "protocol"] == []
    _edit(project / "registry" / "benchmarks.yaml",
          lambda d: d["bench"].update(protocol={"num_trials": 4, "max_steps": 200}))
    errs = _errors(project, "protocol")
    assert len(errs) == 1 and errs[0].place == "/environment/num_trials"
    _edit(_meta(project), lambda d: d.update(deviations={"num_trials": "budget: two trials only"}))
    result = check_project(project)
    assert _errors(project, "protocol") == []
    warn = [f for f in result.findings if f.rule == "protocol"]
    assert warn[0].severity == "warning" and "budget" in warn[0].message
    assert result.runs[0].deviations == {"num_trials": "num_trials: 2 (protocol 4)"}


# ---------------------------------------------------------------- signatures

@pytest.fixture
def key(tmp_path) -> Path:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    path = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lab@example.org", "-f", str(path)], check=True)
    return path


def _allow(project: Path, key: Path) -> None:
    pub = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    (project / "registry" / "allowed_signers").write_text(f'lab@example.org namespaces="tracesite-run" {pub}\n')


def test_valid_signature_shows_who_vouched(project, key):
    _allow(project, key)
    assert CliRunner().invoke(main, ["-C", str(project), "sign", RUN, "--key", str(key)]).exit_code == 0
    result = check_project(project)
    assert result.findings == []
    assert result.runs[0].signature.status == "valid" and result.runs[0].signature.principal == "lab@example.org"


def test_broken_signature_is_an_error(project, key):
    _allow(project, key)
    CliRunner().invoke(main, ["-C", str(project), "sign", RUN, "--key", str(key)])
    _edit(_meta(project), lambda d: d.update(declared={"overall": 0.99}))  # changed after signing
    errs = _errors(project, "signature")
    assert errs and "does not match" in errs[0].message


def test_signature_by_unknown_key_is_an_error(project, key, tmp_path):
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    _allow(project, other)
    CliRunner().invoke(main, ["-C", str(project), "sign", RUN, "--key", str(key)])
    assert any("not in registry/allowed_signers" in e.message for e in _errors(project, "signature"))


# ---------------------------------------------------------------- manifest

def test_manifest_refreshes_hashes(project):
    data = project / "traces" / RUN / "results.json"
    data.write_bytes(data.read_bytes() + b"\n")
    (project / "traces" / RUN / "notes.json").write_text('{"note": 1}')
    res = CliRunner().invoke(main, ["-C", str(project), "manifest", RUN])
    assert res.exit_code == 0 and "changed results.json" in res.output and "added notes.json" in res.output
    assert [f for f in check_project(project).findings if f.rule == "integrity"] == []


# ---------------------------------------------------------------- reader-facing

def test_provenance_panel_and_badge_on_the_site(project, tmp_path):
    site = tmp_path / "site"
    build_site(project, site)
    board = parse(site / "benchmarks" / "bench" / "index.html")
    badges = [(h, c) for h, c in board.links if "badge" in c.split()]
    assert badges and badges[0][0].endswith("runs/r1/index.html#checks") and "good" in badges[0][1]
    run = parse(site / "runs" / "r1" / "index.html")
    assert {"checks", "check-integrity", "check-reconciliation", "check-identity"} <= run.ids
    # A run with errors is not ranked and its badge counts the errors.
    _edit(_meta(project), lambda d: d.update(declared={"overall": 0.99}))
    build_site(project, site)
    html = (site / "benchmarks" / "bench" / "index.html").read_text()
    assert "Not ranked" in html and "1 error" in html
