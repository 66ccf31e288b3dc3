"""The command line as a user meets it: init, import, check, build, formats."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from sitecheck import broken_links

FIX = Path(__file__).resolve().parent / "fixtures"
TAU2_RESULTS = FIX / "tau2" / "results.json"
SWE_EXP = next((FIX / "swe_agent").iterdir())


def run(*args: str, project: Path | None = None):
    argv = (["-C", str(project)] if project else []) + list(args)
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command", ["init", "import", "check", "build", "serve", "formats"])
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_init_project_builds_at_once(tmp_path):
    proj = tmp_path / "board"
    assert run("init", str(proj)).exit_code == 0
    for rel in ("tracesite.yaml", "registry/agents.yaml", "registry/benchmarks.yaml", "content/index.md", "traces"):
        assert (proj / rel).exists(), rel
    result = run("build", project=proj)
    assert result.exit_code == 0, result.output
    assert (proj / "site" / "index.html").is_file()
    assert run("init", str(proj)).exit_code == 1  # refuses to scaffold over a project


def test_import_then_build_links_every_score(tmp_path):
    proj = tmp_path / "board"
    run("init", str(proj))
    source_before = _hashes(FIX)
    result = run("import", str(TAU2_RESULTS), str(SWE_EXP), "--benchmark", "demo-bench", project=proj)
    assert result.exit_code == 0, result.output
    assert "registered stub" in result.output
    assert _hashes(FIX) == source_before  # the source is never modified
    runs = sorted(p.name for p in (proj / "traces").iterdir() if p.is_dir())
    assert len(runs) == 2
    meta = yaml.safe_load((proj / "traces" / runs[0] / "run.yaml").read_text())
    for f in meta["files"]:
        data = (proj / "traces" / runs[0] / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
    check = run("check", project=proj)
    assert check.exit_code == 0 and "stub" in check.output  # stubs are warnings, reported
    build = run("build", project=proj)
    assert build.exit_code == 0, build.output
    problems, checked = broken_links(proj / "site")
    assert problems == [] and checked > 10


def test_reimport_changes_nothing(tmp_path):
    proj = tmp_path / "board"
    run("init", str(proj))
    run("import", str(TAU2_RESULTS), "--benchmark", "demo", "--run", "r1", project=proj)
    before = _hashes(proj)
    result = run("import", str(TAU2_RESULTS), "--benchmark", "demo", "--run", "r1", project=proj)
    assert result.exit_code == 0 and "unchanged run r1" in result.output
    assert _hashes(proj) == before


def test_import_never_overwrites_a_run_with_other_files(tmp_path):
    proj = tmp_path / "board"
    run("init", str(proj))
    run("import", str(TAU2_RESULTS), "--benchmark", "demo", "--run", "r1", project=proj)
    other = tmp_path / "results.json"
    other.write_bytes(TAU2_RESULTS.read_bytes().replace(b"user_stop", b"agent_stop", 1))
    result = run("import", str(other), "--benchmark", "demo", "--run", "r1", project=proj)
    assert result.exit_code == 1 and "already imported" in result.output


def test_import_names_the_missing_option(tmp_path):
    proj = tmp_path / "board"
    run("init", str(proj))
    # The experiment folder's name gives the benchmark; a lone copy without replay_config does not.
    import json
    data = json.loads((SWE_EXP / "octo__widgets-101.traj").read_text())
    data.pop("replay_config", None)
    lone = tmp_path / "lone" / "octo__widgets-101.traj"
    lone.parent.mkdir()
    lone.write_text(json.dumps(data))
    result = run("import", str(lone), "--run", "y", project=proj)
    assert result.exit_code == 1
    assert "--benchmark" in result.output and "Traceback" not in result.output


def test_import_unknown_file_names_formats_tried(tmp_path):
    proj = tmp_path / "board"
    run("init", str(proj))
    junk = tmp_path / "notes.json"
    junk.write_text('{"hello": "world"}')
    result = run("import", str(junk), project=proj)
    assert result.exit_code == 1
    for name in ("inspect-ai", "swe-agent", "tau2-bench"):
        assert f"{name}:" in result.output


def test_usage_errors_exit_2(tmp_path):
    assert run("import", project=tmp_path).exit_code == 2
    assert run("import", "x", "--format", "nope", project=tmp_path).exit_code == 2
    assert run("no-such-command").exit_code == 2


def test_formats_lists_patterns():
    result = run("formats")
    assert result.exit_code == 0
    for name in ("inspect-ai", "swe-agent", "tau2-bench"):
        assert name in result.output
    assert "detects:" in result.output and "spec:" in result.output


def test_check_json_and_github_formats(tmp_path):
    proj = tmp_path / "board"
    run("init", str(proj))
    run("import", str(TAU2_RESULTS), "--benchmark", "demo", "--run", "r1", project=proj)
    data = proj / "traces" / "r1" / "results.json"
    data.write_bytes(data.read_bytes() + b" ")
    as_json = run("check", "--format", "json", project=proj)
    assert as_json.exit_code == 1
    import json
    rows = json.loads(as_json.output)["findings"]
    assert any(r["rule"] == "integrity" and r["severity"] == "error" for r in rows)
    gh = run("check", "--format", "github", project=proj)
    assert "::error file=traces/r1/run.yaml" in gh.output


def test_bad_input_never_prints_a_traceback(tmp_path):
    proj = tmp_path / "board"
    run("init", str(proj))
    (proj / "registry" / "agents.yaml").write_text("a: [unclosed\n")
    (proj / "traces" / "bad").mkdir()
    (proj / "traces" / "bad" / "run.yaml").write_text("id: bad\nagent: 3\nfiles: nope\n")
    proc = subprocess.run([sys.executable, "-m", "generator", "-C", str(proj), "build"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "registry/agents.yaml:line" in proc.stderr
    assert "traces/bad/run.yaml:/files" in proc.stderr


@pytest.mark.parametrize("built_before", [True, False])
def test_serve_shows_an_existing_site_while_it_rebuilds(tmp_path, monkeypatch, built_before):
    """With a site from an earlier build, `serve` serves it at once and rebuilds in the
    background; without one it builds first. (The server and the build are stand-ins.)"""
    import threading

    import generator.build
    import generator.serve

    project = tmp_path / "p"
    run("init", str(project))
    if built_before:  # a site an earlier build left: its manifest.json says so
        (project / "site").mkdir()
        (project / "site" / "index.html").write_text("<p>old</p>")
        digest = hashlib.sha256(b"<p>old</p>").hexdigest()
        (project / "site" / "manifest.json").write_text(f'{{"files": {{"index.html": "{digest}"}}}}')
    release, finished = threading.Event(), threading.Event()
    seen = {}

    def slow_build(root, out, **kwargs):
        release.wait(10)
        finished.set()
        return generator.build.BuildResult()

    def server(root, out, port, rebuild, ready=None):
        seen["build finished when serving"] = finished.is_set()
        ready()
        release.set()
        finished.wait(10)

    monkeypatch.setattr(generator.build, "build_site", slow_build)
    monkeypatch.setattr(generator.serve, "serve", server)
    monkeypatch.setattr(generator.serve, "check_port", lambda port: None)  # port 8000 may be taken here
    if not built_before:
        release.set()
    result = run("serve", project=project)
    assert result.exit_code == 0, result.output
    assert seen == {"build finished when serving": not built_before}
    assert "serving" in result.output


def test_build_with_a_bad_config_says_why_and_writes_nothing(tmp_path):
    project = tmp_path / "p"
    run("init", str(project))
    (project / "tracesite.yaml").write_text("limits:\n  run_page_steps: -1\n")
    result = run("build", project=project)
    assert result.exit_code == 1
    assert "tracesite.yaml" in result.output and "not built: the config has errors" in result.output
    assert not (project / "site").exists()


def test_build_into_an_unwritable_place_is_an_error_not_a_traceback(tmp_path):
    project = tmp_path / "p"
    run("init", str(project))
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(main, ["-C", str(project), "build", "--out", str(blocker / "site")])
    assert result.exit_code == 1 and "cannot write" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
