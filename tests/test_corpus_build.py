"""Integration: import real public traces from ../shared/corpus and build a site
from them (skipped where the corpus is absent)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from generator.build import build_site
from generator.ingest import import_paths
from generator.scaffold import init_project
from sitecheck import STEP_ANCHOR, broken_links, parse


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tau2_site(tmp_path_factory):
    from conftest import CORPUS

    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus is absent ({CORPUS})")
    root = tmp_path_factory.mktemp("tau2")
    init_project(root)
    board = CORPUS / "tau2-leaderboard"
    before = _hashes(board)
    report = import_paths(root, [board])
    assert _hashes(board) == before
    result = build_site(root, root / "site")
    return board, root, report, result


def test_whole_tau2_leaderboard_imports(tau2_site):
    board, root, report, result = tau2_site
    assert not report.failed, [f.format() for f in report.findings]
    # One run per domain with a result in every submission.json, public or from a pull request.
    expected = 0
    for sub in list(board.glob("submissions/*/submission.json")) + list(board.glob("pr-submissions/*/submission.json")):
        doc = json.loads(sub.read_text())
        expected += sum(1 for v in doc["results"].values()
                        if isinstance(v, dict) and any(v.get(k) is not None for k in v if k.startswith("pass_") or k == "cost"))
    expected += len(list(board.glob("extras/*.json")))
    assert len(report.written) == expected
    # manifest.json, schema.json and README.md are skipped with the formats tried, not errors.
    assert any("manifest.json" in s for s in report.skipped)


def test_tau2_site_builds_and_every_link_resolves(tau2_site):
    board, root, report, result = tau2_site
    # The real leaderboard lists Claude Sonnet 4.5 twice under names that differ only in
    # case and punctuation ("Claude-Sonnet-4.5", "Claude Sonnet 4.5"): the identity check
    # must flag that, and nothing else may be an error.
    assert {f.rule for f in result.errors} == {"identity"}, [f.format() for f in result.errors[:5]]
    assert any("looks like agent" in f.message and "claude-sonnet-4" in f.message for f in result.errors)
    problems, checked = broken_links(root / "site")
    assert problems == []
    assert checked > 500


def test_tau2_scores_are_recomputed_from_trajectories(tau2_site):
    board, root, report, result = tau2_site
    with_traces = [r for r in result.runs if r.traces]
    assert len(with_traces) >= 5
    for rs in with_traces:
        rel = next(f.path for f in rs.run.files if f.path.endswith(".json") and f.path != "submission.json")
        doc = json.loads((root / "traces" / rs.run.id / rel).read_text())
        rewards: dict[str, list[float]] = {}
        for sim in doc["simulations"]:
            rewards.setdefault(str(sim["task_id"]), []).append((sim.get("reward_info") or {}).get("reward") or 0.0)
        expected = sum(sum(v) / len(v) for v in rewards.values()) / len(rewards)
        assert rs.recomputed == pytest.approx(expected), rs.run.id
        # Every task cell of the run page links to a trace step anchor.
        page = parse(root / "site" / rs.url)
        cells = [h for h, c in page.links if "cell" in c.split()]
        assert len(cells) == len(doc["simulations"])
        scored = sum(1 for sim in doc["simulations"] if sim.get("reward_info"))
        assert sum(1 for h in cells if STEP_ANCHOR.search(h)) == scored


@pytest.mark.parametrize("folder, fmt", [("inspect-ai", "inspect-ai"), ("swe-agent", "swe-agent"),
                                         ("tau2-bench", "tau2-bench")])
def test_every_corpus_file_of_the_first_formats_imports_and_builds(corpus, tmp_path, folder, fmt):
    root = tmp_path / "p"
    init_project(root)
    paths = sorted(p for p in (corpus / folder).iterdir() if not p.name.endswith("schema.json"))
    if fmt == "swe-agent":  # the files of one experiment, passed one by one, make one run
        groups = [(None, paths)]
    else:  # each file is a run of its own (browser.json and browser.zstd.eval hold the same run)
        groups = [("corpus-" + p.name.replace(".", "-")[:100], [p]) for p in paths]
    for run_id, group in groups:
        report = import_paths(root, group, run_id=run_id, benchmark=f"corpus-{folder}", agent="corpus-agent")
        assert not report.failed, [f.format() for f in report.findings]
    result = build_site(root, root / "site")
    assert [f for f in result.errors if f.rule in ("import", "import-crash")] == []
    assert sum(len(r.traces) for r in result.runs) >= 1
    problems, _ = broken_links(root / "site")
    assert problems == []
