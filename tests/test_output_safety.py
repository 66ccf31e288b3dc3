"""What a user can get wrong on the command line must never cost them files.

``build --out``/``serve --out`` refuse folders that are not theirs to replace (the
project, its inputs, a non-empty folder that is not an earlier site); ``serve``
on a busy port says so in one line; ``check`` with a path that does not exist
is a usage error; and ``build --no-cache`` repairs a site edited by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import BuildResult, build_site
from generator.cli import main
from generator import write
from generator.write import MANIFEST, SiteWriter
from projects import copy_example

FIX = Path(__file__).resolve().parent / "fixtures"
TAU2_RESULTS = FIX / "tau2" / "results.json"
BOARD_CSV = Path("benchmarks") / "retail-desk" / "leaderboard.csv"


def run(*args: str, project: Path | None = None):
    argv = (["-C", str(project)] if project else []) + list(args)
    return CliRunner().invoke(main, argv)


def _tree(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with the sha256 of the files' bytes."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() and not p.is_symlink() else "dir"
    return out


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _site_files(site: Path) -> dict[str, str]:
    return {k: v for k, v in _tree(site).items() if v != "dir"}


@pytest.fixture
def small(tmp_path, monkeypatch):
    """A scaffolded project with a .git folder and a notes file: everything a user would lose."""
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "p"
    assert run("init", str(project)).exit_code == 0
    (project / ".git" / "objects").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "notes.txt").write_text("mine\n")
    assert run("import", str(TAU2_RESULTS), "--benchmark", "demo", "--run", "r1", project=project).exit_code == 0
    return project


@pytest.fixture
def example(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACESITE_CACHE_DIR", str(tmp_path / "cache"))
    return copy_example(tmp_path / "ex")


# 1. Output folders that must not be replaced -------------------------------------------------

@pytest.mark.parametrize("out", [".", "traces", "traces/r1", "traces/r1/site", "content", "registry",
                                 "themes/site", ".."])
def test_build_refuses_the_project_and_its_inputs(small, out, monkeypatch):
    monkeypatch.chdir(small)
    before = _tree(small.parent)
    result = run("build", "--out", out, project=small)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "--out" in lines[0], result.output
    assert "Traceback" not in result.output
    assert _tree(small.parent) == before  # nothing deleted, nothing added (no staging folder either)


def test_build_refuses_a_non_empty_folder_that_is_not_a_site(small, tmp_path):
    docs = tmp_path / "userdocs"
    docs.mkdir()
    (docs / "notes.txt").write_text("unrelated\n")
    result = run("build", "--out", str(docs), project=small)
    assert result.exit_code == 2 and "userdocs" in result.output and "manifest.json" in result.output
    assert (docs / "notes.txt").read_text() == "unrelated\n" and sorted(os.listdir(docs)) == ["notes.txt"]
    assert not list(tmp_path.glob(".userdocs*"))


@pytest.mark.parametrize("manifest", [
    b"not json",
    b"[]",
    b'{"pages": {}}',
    b'{"files": []}',
    b'{"files": {"index.html": "abc"}}',  # not a sha256
    b'{"files": {"../notes.txt": "' + b"0" * 64 + b'"}}',  # a path outside the folder
    b'{"files": {"/etc/passwd": "' + b"0" * 64 + b'"}}',
])
def test_a_folder_with_a_manifest_tracesite_did_not_write_is_refused(small, tmp_path, manifest):
    docs = tmp_path / "userdocs"
    docs.mkdir()
    (docs / "notes.txt").write_text("unrelated\n")
    (docs / MANIFEST).write_bytes(manifest)
    (tmp_path / "notes.txt").write_text("beside\n")
    before = _tree(tmp_path)
    result = run("build", "--out", str(docs), project=small)
    assert result.exit_code == 2, result.output
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("state", ["missing", "empty", "earlier site"])
def test_a_missing_or_empty_folder_or_an_earlier_site_is_built_into(small, tmp_path, state):
    out = tmp_path / "out" / "site"
    if state != "missing":
        out.mkdir(parents=True)
    if state == "earlier site":
        assert run("build", "--out", str(out), project=small).exit_code == 0
        (out / "stray.html").write_text("left over")
    result = run("build", "--out", str(out), project=small)
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and (out / MANIFEST).is_file()


def test_the_default_site_folder_is_refused_when_it_is_someone_elses(small):
    (small / "site").mkdir()
    (small / "site" / "index.html").write_text("<p>hand-written</p>")
    result = run("build", project=small)
    assert result.exit_code == 2 and "site" in result.output
    assert (small / "site" / "index.html").read_text() == "<p>hand-written</p>"


def test_build_site_refuses_too_and_deletes_nothing(small, tmp_path):
    before = _tree(small)
    (tmp_path / "notes.txt").write_text("beside the project\n")
    for out in (small, small / "traces", small / "registry" / "x", tmp_path, small / "notes.txt"):
        with pytest.raises(write.UnsafeOutputError):
            build_site(small, out)
    assert _tree(small) == before and (tmp_path / "notes.txt").read_text() == "beside the project\n"
    assert not list(tmp_path.glob(".*build-*")) and not list(small.glob(".*build-*"))


def test_the_writer_itself_refuses_a_foreign_folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("x")
    with pytest.raises(write.UnsafeOutputError):
        SiteWriter(docs)
    with pytest.raises(write.UnsafeOutputError):
        write.check_output(tmp_path / "p", tmp_path / "p")
    for out in (Path("/"), tmp_path):  # folders holding the project
        with pytest.raises(write.UnsafeOutputError):
            write.check_output(out, tmp_path / "p")
    assert sorted(os.listdir(tmp_path)) == ["docs"]


def test_an_interrupted_in_place_update_leaves_a_site_the_next_build_accepts(example, monkeypatch):
    """An in-place update that fails half-way leaves a manifest flagged incomplete (the names,
    no digest to trust), not a folder without one, so the next build still recognises the folder
    as its site and repairs it."""
    import generator.write

    site = example / "site"
    build_site(example, site, use_cache=True)
    page = example / "content" / "method.md"
    page.write_text(page.read_text() + "\nA sentence added.\n")  # one page changes; the runs come from the cache
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst).parent == site and Path(dst).name != MANIFEST or "method" in str(dst):
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst)

    with monkeypatch.context() as m:
        m.setattr(generator.write.os, "replace", failing_replace)
        with pytest.raises(PermissionError):
            build_site(example, site, use_cache=True)
    marker = json.loads((site / MANIFEST).read_text())
    assert marker["incomplete"] is True and "index.html" in marker["files"]
    assert set(marker["files"].values()) == {""}
    result = run("build", project=example)
    assert result.exit_code == 0, result.output
    build_site(example, example / "clean")
    assert _site_files(site) == _site_files(example / "clean")


def test_serve_refuses_the_same_folders_before_building_or_serving(small, monkeypatch):
    import generator.build
    import generator.serve

    calls = []
    monkeypatch.setattr(generator.build, "build_site", lambda *a, **k: calls.append("build") or BuildResult())
    monkeypatch.setattr(generator.serve, "serve", lambda *a, **k: calls.append("serve"))
    monkeypatch.setattr(generator.serve, "check_port", lambda port: None)
    before = _tree(small)
    for out in (".", "traces", str(small.parent)):
        monkeypatch.chdir(small)
        result = run("serve", "--out", out, project=small)
        assert result.exit_code == 2 and "--out" in result.output, result.output
        assert "serving" not in result.output
    assert calls == [] and _tree(small) == before


# 2. serve on a busy port ----------------------------------------------------------------------

@pytest.fixture
def busy_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_serve_on_a_busy_port_says_so_in_one_line(small, busy_port):
    proc = subprocess.run([sys.executable, "-m", "generator", "-C", str(small), "serve", "--port", str(busy_port)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "serving" not in proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(busy_port) in lines[0] and "--port" in lines[0], proc.stderr
    assert not (small / "site").exists()  # found out before building


def test_a_port_taken_between_the_check_and_the_server_is_reported_too(small, busy_port, monkeypatch):
    import generator.build
    import generator.serve

    monkeypatch.setattr(generator.serve, "check_port", lambda port: None)
    monkeypatch.setattr(generator.build, "build_site", lambda *a, **k: BuildResult())
    result = run("serve", "--port", str(busy_port), project=small)
    assert result.exit_code == 1, result.output
    assert "serving" not in result.output and "Traceback" not in result.output
    assert f"port {busy_port}" in result.output and "--port" in result.output
    assert isinstance(result.exception, SystemExit)


def test_the_serving_line_comes_once_the_port_is_bound(small):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "generator", "-C", str(small), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.time() + 60
        line = ""
        while time.time() < deadline and "serving" not in line:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "serve exited"
        assert f"http://127.0.0.1:{port}/" in line
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # accepted at once: the port was bound before the line was printed
    finally:
        proc.terminate()
        proc.wait(10)


# 3. check with a path that is not there; usage errors exit 2 ------------------------------------

def test_check_with_a_missing_path_is_a_usage_error(small, monkeypatch):
    monkeypatch.chdir(small)
    result = run("check", "traces/no-such-run", project=small)
    assert result.exit_code == 2, result.output
    assert "traces/no-such-run" in result.output and "0 errors" not in result.output


def test_check_with_a_path_outside_the_project_is_a_usage_error(small, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("check", str(elsewhere), project=small)
    assert result.exit_code == 2 and "elsewhere" in result.output, result.output


def test_check_with_an_existing_run_folder_still_filters(small, monkeypatch):
    assert run("import", str(TAU2_RESULTS), "--benchmark", "demo", "--run", "r2", project=small).exit_code == 0
    data = small / "traces" / "r2" / "results.json"
    data.write_bytes(data.read_bytes() + b" ")
    monkeypatch.chdir(small)
    bad = run("check", "traces/r2", project=small)
    assert bad.exit_code == 1 and "integrity" in bad.output
    other = run("check", "content", "registry", project=small)
    assert other.exit_code == 0 and "integrity" not in other.output


def test_unknown_runs_and_missing_paths_exit_2_as_documented(small, tmp_path):
    key = tmp_path / "key"
    key.write_text("not a key")
    for args in (("manifest", "nope"), ("sign", "nope", "--key", str(key)),
                 ("import", str(tmp_path / "no-such-log.json"), "--benchmark", "demo")):
        result = run(*args, project=small)
        assert result.exit_code == 2, (args, result.output)
        assert "nope" in result.output or "no-such-log.json" in result.output
        assert "Traceback" not in result.output
    assert sorted(p.name for p in (small / "traces").iterdir() if p.is_dir()) == ["r1"]  # nothing imported


# 4. --no-cache repairs what was edited by hand -------------------------------------------------

def test_no_cache_build_repairs_edited_files_and_removes_strays(example):
    """Inside the folders tracesite wrote, --no-cache repairs edited files and removes strays;
    top-level entries no build wrote (a gh-pages checkout's .git, CNAME, a page put there by
    hand) are not tracesite's and are kept as they are."""
    site = example / "site"
    assert run("build", "--no-cache", project=example).exit_code == 0
    clean, folders = _site_files(site), {p for p in site.rglob("*") if p.is_dir()}
    (site / BOARD_CSV).write_text("junk\n")
    (site / "runs" / "stray.html").write_text("<p>stray</p>")
    (site / "runs" / "stray-folder").mkdir()
    (site / "runs" / "stray-folder" / "x.html").write_text("x")
    (site / "benchmarks" / "empty-folder").mkdir()
    index = site / "index.html"
    index.unlink()
    index.symlink_to(site / "method" / "index.html")
    foreign = {"CNAME": "example.org\n", ".nojekyll": "", "notes.html": "<p>mine</p>", ".git/HEAD": "ref: x\n"}
    for rel, text in foreign.items():
        (site / rel).parent.mkdir(exist_ok=True)
        (site / rel).write_text(text)
    result = run("build", "--no-cache", project=example)
    assert result.exit_code == 0, result.output
    assert "2 written" in result.output, result.output  # the csv and the index page
    files = _site_files(site)
    assert {p: files.pop(p) for p in list(files) if p in foreign} == {p: sha(t) for p, t in foreign.items()}
    assert files == clean
    assert {p for p in site.rglob("*") if p.is_dir()} == folders | {site / ".git"}
    assert not (site / "runs" / "stray.html").exists() and not (site / "runs" / "stray-folder").exists()
    assert not (site / "benchmarks" / "empty-folder").exists() and not index.is_symlink()
    assert not list(example.glob(".site*"))


def test_entries_no_build_wrote_survive_every_kind_of_update(example):
    """A gh-pages checkout in site/ (.git, CNAME) or a folder with a foreign manifest.json keeps
    what tracesite did not write, whether the site is replaced whole or updated in place."""
    site = example / "site"
    build_site(example, site, use_cache=True)
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (site / "CNAME").write_text("board.example.org\n")
    page = example / "content" / "method.md"
    page.write_text(page.read_text() + "\nOne more sentence.\n")
    build_site(example, site, use_cache=True)  # in place: one page changed
    build_site(example, site, use_cache=False)  # no cache: the manifest is not trusted
    cfg = example / "tracesite.yaml"
    cfg.write_text(cfg.read_text().replace("title: Example agent leaderboard", "title: Renamed board"))
    build_site(example, site, use_cache=True)  # every page changed: a whole new folder
    assert (site / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (site / "CNAME").read_text() == "board.example.org\n"
    docs = example.parent / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("n")
    (docs / MANIFEST).write_text('{"files": {}}')  # a manifest that lists nothing: nothing here is ours
    build_site(example, docs)
    assert (docs / "notes.txt").read_text() == "n" and (docs / "index.html").is_file()


def test_a_symlink_in_an_earlier_site_is_never_followed(example, tmp_path):
    """A run folder of the old site replaced by a symlink to a folder outside: the update neither
    deletes nor overwrites anything there, and the new site has a real folder in its place."""
    site = example / "site"
    build_site(example, site, use_cache=True)
    outside = tmp_path / "outside"
    run_dir = site / "runs" / "northwind-gpt-4o-2026-03"
    shutil.copytree(run_dir, outside)
    (outside / "notes.txt").write_text("keep")
    shutil.rmtree(run_dir)
    run_dir.symlink_to(outside)
    before = _tree(outside)
    page = example / "content" / "method.md"
    page.write_text(page.read_text() + "\nOne more sentence.\n")  # few changes: would be in place
    build_site(example, site, use_cache=True)
    assert _tree(outside) == before
    assert run_dir.is_dir() and not run_dir.is_symlink() and (run_dir / "index.html").is_file()


def test_no_cache_build_repairs_a_hand_edited_manifest(example):
    site = example / "site"
    build_site(example, site)
    clean = _site_files(site)
    data = json.loads((site / MANIFEST).read_text())
    data["files"]["index.html"] = "0" * 64
    (site / MANIFEST).write_text(json.dumps(data))
    result = build_site(example, site)
    assert result.changed and result.written == 0
    assert _site_files(site) == clean


def test_no_cache_build_of_an_intact_site_touches_nothing(example):
    site = example / "site"
    build_site(example, site)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*")}
    result = build_site(example, site)
    assert not result.changed and result.written == 0 and result.unchanged == result.pages
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*")} == before


def test_a_cached_build_after_a_hand_edit_is_repaired_by_no_cache(example):
    site = example / "site"
    assert run("build", project=example).exit_code == 0
    clean = _site_files(site)
    (site / BOARD_CSV).write_text("junk\n")
    assert run("build", project=example).exit_code == 0  # trusts manifest.json: documented
    result = run("build", "--no-cache", project=example)
    assert result.exit_code == 0 and "1 written" in result.output, result.output
    assert _site_files(site) == clean


def test_an_output_folder_holding_a_symlinked_input_is_refused(example, tmp_path):
    """traces/ is a symlink into the output folder: replacing that folder would delete the traces."""
    pub = tmp_path / "pub"
    assert run("build", "--out", str(pub), project=example).exit_code == 0
    (example / "traces").rename(pub / "tstore")
    (example / "traces").symlink_to(pub / "tstore")
    before = _tree(pub / "tstore")
    result = run("build", "--no-cache", "--out", str(pub), project=example)
    assert result.exit_code == 2 and "traces/ folder" in result.output, result.output
    assert _tree(pub / "tstore") == before
