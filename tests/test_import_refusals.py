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
