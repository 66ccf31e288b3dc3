"""Secrets and personal data never reach site/: canaries in every format and field kind."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from generator.build import build_site, check_project
from generator.redact import Hit, redact
from generator.validate import sha256_file
from projects import copy_example

ROOT = Path(__file__).resolve().parents[1]

# Format-valid fake secrets; the middle part is what must never be published.
CANARIES = {
    "aws-key": "AKIAIOSFODNN7CANARY1",
    "github-token": "ghp_CANARYabcdefghijklmnopqrstuvwxyz0123",
    "openai-key": "sk-proj-CANARYabcdefghijklmnopqrstuvwxyz0123456789",
    "anthropic-key": "sk-ant-api03-CANARYabcdefghijklmnopqrstuvwxyz",
    "huggingface-token": "hf_CANARYabcdefghijklmnopqrstuvwxyzAB",
    "slack-token": "xoxb-123456789012-1234567890123-canaryabcdefghijklmnopqr",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Q0FOQVJZc2lnbmF0dXJl",
    "google-api-key": "AIzaSyCANARYabcdefghijklmnopqrstuvwxyz0",
    "bearer-token": "Authorization: Bearer CANARYbearerTokenValue1234567890",
    "url-password": "https://deploy:CANARYpass1234@registry.example.org/v2/",
    "credential-field": '"password": "CANARYhunter2hunter2"',
    "private-key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACANARYKEYMATERIAL\n-----END OPENSSH PRIVATE KEY-----",
}
SECRET_PARTS = ["IOSFODNN7CANARY1", "CANARYabcdefghijklmnop", "canaryabcdefghijklmnopqr", "Q0FOQVJZc2lnbmF0dXJl",
                "CANARYbearerTokenValue", "CANARYpass1234", "CANARYhunter2", "CANARYKEYMATERIAL"]
EMAIL = "canary.person@example.org"


@pytest.mark.parametrize("kind, text", sorted(CANARIES.items()))
def test_each_kind_is_redacted_with_a_typed_marker(kind, text):
    hits: list[Hit] = []
    out = redact(f"before {text} after", hits)
    assert not any(part in out for part in SECRET_PARTS), out
    assert "[REDACTED:" in out and out.startswith("before ") and out.endswith(" after")
    assert hits and all(h.secret for h in hits)


def test_ordinary_text_is_untouched():
    text = ("The token limit was reached; the key insight is that password reset needs an email. "
            "def key(x): return x  # sk-learn is not a key; api_key = os.environ['OPENAI_API_KEY']")
    hits: list[Hit] = []
    assert redact(text, hits) == text and hits == []


def test_personal_data_is_redacted_but_not_an_error():
    hits: list[Hit] = []
    out = redact(f"mail {EMAIL} and Cookie: session=abc123; uid=7", hits)
    assert EMAIL not in out and "session=abc123" not in out
    assert {h.kind for h in hits} == {"email", "cookie"} and not any(h.secret for h in hits)
    assert redact(EMAIL, [], personal_data=False) == EMAIL


def _payload() -> str:
    return " | ".join(CANARIES.values()) + f" | {EMAIL}"


def _rehash(run_folder: Path) -> None:
    import yaml
    meta = run_folder / "run.yaml"
    data = yaml.safe_load(meta.read_text())
    for f in data["files"]:
        f["sha256"] = sha256_file(run_folder / f["path"])
    meta.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.fixture
def canary_project(tmp_path) -> Path:
    root = copy_example(tmp_path / "p")
    secret = _payload()
    # tau2: user message, tool call arguments, tool output, error info
    t = root / "traces" / "northwind-gpt-4o-2026-03" / "retail_results.json"
    doc = json.loads(t.read_text())
    sim = doc["simulations"][0]
    sim["messages"][1]["content"] += " " + secret
    call = next(m for m in sim["messages"] if m.get("tool_calls"))
    call["tool_calls"][0]["arguments"]["note"] = secret
    tool = next(m for m in sim["messages"] if m["role"] == "tool")
    tool["content"] += secret
    t.write_text(json.dumps(doc))
    # swe-agent: action, observation, thought, submission
    s = root / "traces" / "swe-agent-gpt-4o-2026-02" / "acme__widgets-12.traj"
    doc = json.loads(s.read_text())
    doc["history"][2]["content"] += secret
    doc["history"][3]["content"] += secret
    doc["trajectory"][0]["observation"] += secret
    doc["info"]["submission"] += "\n+# " + secret
    s.write_text(json.dumps(doc))
    # inspect .json: tool result, model output, scorer explanation, error
    i = root / "traces" / "inspect-react-llama-2026-05"
    log = next(i.glob("*.json"))
    doc = json.loads(log.read_text())
    sample = doc["samples"][0]
    for ev in sample["events"]:
        if ev["event"] == "tool":
            ev["result"] += secret
        if ev["event"] == "score":
            ev["score"]["explanation"] += secret
    sample["scores"]["match"]["explanation"] += secret
    doc["samples"][3]["error"]["message"] += secret
    log.write_text(json.dumps(doc))
    # inspect .eval zip: the same log, inside a zip
    h = root / "traces" / "inspect-react-haiku-2026-05"
    hlog = next(h.glob("*.json"))
    hdoc = json.loads(hlog.read_text())
    for ev in hdoc["samples"][0]["events"]:
        if ev["event"] == "model":
            ev["output"]["choices"][0]["message"]["content"] = f"thinking {secret}"
    samples = hdoc.pop("samples")
    with zipfile.ZipFile(hlog.with_suffix(".eval"), "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("header.json", json.dumps(hdoc))
        for smp in samples:
            zf.writestr(f"samples/{smp['id']}_epoch_{smp['epoch']}.json", json.dumps(smp))
    hlog.unlink()
    import yaml
    meta = yaml.safe_load((h / "run.yaml").read_text())
    meta["files"][0]["path"] = hlog.with_suffix(".eval").name
    meta["environment"]["api_key_note"] = secret  # run metadata values too
    (h / "run.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    (h / "run.sig").unlink(missing_ok=True)
    for folder in (t.parent, s.parent, i, h):
        _rehash(folder)
    return root


def test_no_canary_reaches_the_site(canary_project, tmp_path):
    site = tmp_path / "site"
    result = build_site(canary_project, site)
    leaked = []
    for f in site.rglob("*"):
        if f.is_file():
            data = f.read_text(errors="replace")
            leaked += [(f.name, part) for part in SECRET_PARTS + [EMAIL] if part in data]
    assert leaked == []
    secrets = [f for f in result.findings if f.rule == "secret"]
    assert secrets and all(f.severity == "error" for f in secrets)
    files = {f.file.split("/")[1] for f in secrets}
    assert files == {"northwind-gpt-4o-2026-03", "swe-agent-gpt-4o-2026-02", "inspect-react-llama-2026-05",
                     "inspect-react-haiku-2026-05"}
    # The marker is shown where the secret was.
    page = next(site.rglob("acme__widgets-12*.html")).read_text()
    assert "[REDACTED:aws-key]" in page and "[REDACTED:github-token]" in page


def test_check_reports_secrets_with_their_place(canary_project):
    result = check_project(canary_project)
    secrets = [f for f in result.findings if f.rule == "secret"]
    assert any(f.place.startswith("/simulations/0/messages/") for f in secrets)
    assert any(f.place.startswith("/history/") for f in secrets)
    assert any(f.file.endswith("run.yaml") and f.place == "/environment" for f in secrets)
