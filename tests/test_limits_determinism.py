"""Configurable limits at the limit and one past; byte-identical builds across
working folders, time zones, locales and hash seeds."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import yaml

from generator.build import build_site, check_project
from projects import copy_example
from sitecheck import trace_html

ROOT = Path(__file__).resolve().parents[1]
RUN = "swe-agent-gpt-4o-2026-02"


_copy = copy_example


def _set_limits(root: Path, **limits) -> None:
    cfg = yaml.safe_load((root / "tracesite.yaml").read_text())
    cfg.setdefault("limits", {}).update(limits)
    (root / "tracesite.yaml").write_text(yaml.safe_dump(cfg))


def _largest_file(root: Path) -> int:
    meta = yaml.safe_load((root / "traces" / RUN / "run.yaml").read_text())
    return max((root / "traces" / RUN / f["path"]).stat().st_size for f in meta["files"])


def _run_total(root: Path) -> int:
    meta = yaml.safe_load((root / "traces" / RUN / "run.yaml").read_text())
    return sum((root / "traces" / RUN / f["path"]).stat().st_size for f in meta["files"])


def _limit_errors(root: Path):
    return [f for f in check_project(root).findings if f.rule == "limits" and f.run == RUN]


def test_file_size_limit_at_and_past(tmp_path):
    root = _copy(tmp_path / "p")
    size = _largest_file(root)
    _set_limits(root, max_file_bytes=size)
    assert _limit_errors(root) == []
    _set_limits(root, max_file_bytes=size - 1)
    errs = _limit_errors(root)
    assert len(errs) == 1 and "max_file_bytes" in errs[0].message


def test_run_size_limit_at_and_past(tmp_path):
    root = _copy(tmp_path / "p")
    total = _run_total(root)
    _set_limits(root, max_run_bytes=total)
    assert _limit_errors(root) == []
    _set_limits(root, max_run_bytes=total - 1)
    assert any("max_run_bytes" in e.message for e in _limit_errors(root))


def test_markdown_size_limit_at_and_past(tmp_path):
    root = _copy(tmp_path / "p")
    page = root / "content" / "method.md"
    body = page.read_text().split("---", 2)[2][1:]
    _set_limits(root, max_markdown_chars=len(body))
    result = build_site(root, tmp_path / "site")
    assert (tmp_path / "site" / "method" / "index.html").is_file()
    _set_limits(root, max_markdown_chars=len(body) - 1)
    result = build_site(root, tmp_path / "site")
    assert any(f.rule == "limits" and f.file == "content/method.md" for f in result.findings)
    assert not (tmp_path / "site" / "method" / "index.html").exists()


def test_step_chars_limit_at_and_past(tmp_path):
    root = _copy(tmp_path / "p")
    _set_limits(root, max_step_chars=1000, collapse_chars=100)
    # The SWE-agent system prompt of the example is well under 1000 characters: add one step that is exactly 1000.
    traj = root / "traces" / RUN / "acme__widgets-12.traj"
    import json
    doc = json.loads(traj.read_text())
    doc["history"][0]["content"] = "x" * 1000  # the system prompt
    doc["history"][1]["content"] = "y" * 1001  # the task
    traj.write_text(json.dumps(doc))
    meta = yaml.safe_load((root / "traces" / RUN / "run.yaml").read_text())
    for f in meta["files"]:
        f["sha256"] = hashlib.sha256((root / "traces" / RUN / f["path"]).read_bytes()).hexdigest()
    (root / "traces" / RUN / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    site = tmp_path / "site"
    result = build_site(root, site)
    page = trace_html(site, result, RUN, "acme__widgets-12")
    assert "x" * 1000 in page  # at the limit: whole
    assert "y" * 1001 not in page and "Cut at 1,000 of 1,001 characters" in page
    full = list(site.rglob("acme__widgets-12*.s*.txt"))
    assert len(full) == 1 and full[0].read_text().startswith("y" * 1001)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_builds_are_byte_identical_across_environments(tmp_path):
    outs = []
    envs = [{"TZ": "UTC", "LC_ALL": "C", "PYTHONHASHSEED": "1"},
            {"TZ": "Pacific/Chatham", "LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8", "PYTHONHASHSEED": "4242"}]
    for i, extra in enumerate(envs):
        root = _copy(tmp_path / f"work{i}" / ("nested/" * i) / "p")
        out = tmp_path / f"out{i}"
        env = {k: v for k, v in os.environ.items() if k not in ("TZ", "LC_ALL", "LANG", "PYTHONHASHSEED")}
        env.update(extra)
        proc = subprocess.run([sys.executable, "-m", "generator", "-C", str(root), "build", "--out", str(out)],
                              cwd=str(root.parent), env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        outs.append(_hashes(out))
    assert outs[0] == outs[1]
    assert len(outs[0]) > 30
