"""`tracesite import` checks everything before it copies anything: a refused import leaves
the project exactly as it was (a fresh-eyes test found the refused file copied into the run)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main

FIX = Path(__file__).resolve().parent / "fixtures"
SWE_EXP = next((FIX / "swe_agent").iterdir())


def run(project: Path, *args: str):
    return CliRunner().invoke(main, ["-C", str(project), *args], catch_exceptions=False)


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_refused_import_copies_nothing(tmp_path):
    proj = tmp_path / "board"
    CliRunner().invoke(main, ["init", str(proj)], catch_exceptions=False)
    first, second = sorted(SWE_EXP.glob("*.traj"))[:2]
    assert run(proj, "import", str(first), "--benchmark", "demo", "--run", "r1", "--agent", "a1").exit_code == 0
    before = _tree(proj)
    result = run(proj, "import", str(second), "--benchmark", "demo", "--run", "r1", "--agent", "a1")
    assert result.exit_code == 1 and "already exists with other files" in result.output
    assert _tree(proj) == before  # the second trajectory was not copied into traces/r1/


def test_every_missing_option_is_named_at_once(tmp_path):
    """Files that name none of run, benchmark and agent get one message naming all three
    options, not three attempts that each learn of one more."""
    import pytest

    from generator.errors import InputError
    from generator.ingest import ImportReport, _import_one
    from generator.model import RunDraft

    draft = RunDraft(format="tau2-bench", files=[str(tmp_path / "results.json")])
    with pytest.raises(InputError) as exc:
        _import_one(tmp_path, draft, ImportReport(), run_id=None, benchmark=None, agent=None, model=None)
    assert "which run id, benchmark or agent this is" in exc.value.message
    assert exc.value.message.endswith("give --run ID --benchmark ID --agent ID")
    with pytest.raises(InputError) as exc:
        _import_one(tmp_path, draft, ImportReport(), run_id="r1", benchmark=None, agent="a", model=None)
    assert exc.value.message.endswith("which benchmark this is; give --benchmark ID")


def test_an_agent_given_on_the_command_line_names_its_stub(tmp_path):
    import yaml

    proj = tmp_path / "board"
    CliRunner().invoke(main, ["init", str(proj)], catch_exceptions=False)
    first = sorted(SWE_EXP.glob("*.traj"))[0]
    assert run(proj, "import", str(first), "--benchmark", "demo", "--run", "r1", "--agent", "my-swe").exit_code == 0
    agents = yaml.safe_load((proj / "registry" / "agents.yaml").read_text())
    entry = agents["my-swe"] if isinstance(agents, dict) else next(a for a in agents if a["id"] == "my-swe")
    assert entry["name"] == "my-swe" and entry["harness"] == "swe-agent" and entry["stub"] is True


def test_an_unreadable_registry_stops_the_import_before_anything_is_copied(tmp_path):
    proj = tmp_path / "board"
    CliRunner().invoke(main, ["init", str(proj)], catch_exceptions=False)
    agents = proj / "registry" / "agents.yaml"
    agents.write_text(agents.read_text() + "x: [1, 2\n")
    before = _tree(proj)
    first = sorted(SWE_EXP.glob("*.traj"))[0]
    result = run(proj, "import", str(first), "--benchmark", "demo", "--run", "r1", "--agent", "a1")
    assert result.exit_code == 1 and "registry/agents.yaml" in result.output and "nothing was imported" in result.output
    assert _tree(proj) == before


def test_every_invalid_id_is_named_at_once(tmp_path):
    import pytest

    from generator.errors import InputError
    from generator.ingest import ImportReport, _import_one
    from generator.model import RunDraft

    draft = RunDraft(format="tau2-bench", files=[str(tmp_path / "results.json")])
    with pytest.raises(InputError) as exc:
        _import_one(tmp_path, draft, ImportReport(), run_id="x y", benchmark="b", agent="bad/id", model=None)
    assert "run id 'x y' (give --run)" in exc.value.message and "agent 'bad/id' (give --agent)" in exc.value.message
