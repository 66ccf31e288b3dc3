"""Run manifests and their detached signatures.

A run's *manifest* is a canonical text made from its ``run.yaml``: the run,
agent, model, benchmark and version, the declared scores and every file's
sha256. It does not depend on YAML formatting, so re-indenting run.yaml does
not break a signature, while changing a score or a file does.

Signatures are SSH signatures (``ssh-keygen -Y sign``, namespace
``tracesite-run``) stored beside the metadata as ``traces/<run>/run.sig`` and
verified against ``registry/allowed_signers`` (the ``ssh-keygen`` allowed
signers format). Other kinds (Sigstore bundles, ``run.sigstore.json``) are
recognised by file name and reported as not yet supported, so the design
stays open for them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from generator.model import Run

NAMESPACE = "tracesite-run"
SIGNATURE_FILE = "run.sig"
OTHER_SIGNATURES = ("run.sigstore.json",)
ALLOWED_SIGNERS = Path("registry") / "allowed_signers"
TIMEOUT_S = 20


def manifest_bytes(run: Run) -> bytes:
    """The canonical manifest of ``run`` (UTF-8 text, one field per line)."""
    declared = orjson.dumps(run.declared.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS).decode()
    lines = [
        "tracesite-run-manifest v1",
        f"id: {run.id}",
        f"agent: {run.agent}",
        f"model: {run.model or '-'}",
        f"benchmark: {run.benchmark}@{run.benchmark_version or '-'}",
        f"declared: {declared}",
    ]
    lines += [f"file: {f.sha256}  {f.path}" for f in sorted(run.files, key=lambda f: f.path)]
    return ("\n".join(lines) + "\n").encode("utf-8")


class SigningError(Exception):
    """ssh-keygen is missing or refused to sign."""


def _ssh_keygen() -> str:
    exe = shutil.which("ssh-keygen")
    if exe is None:
        raise SigningError("ssh-keygen was not found; install OpenSSH (8.2 or later) to sign or verify runs")
    return exe


def sign(run_folder: Path, run: Run, key: Path) -> Path:
    """Sign the run's manifest with the SSH private ``key``; writes ``run.sig``.

    Raises SigningError with ssh-keygen's message when signing fails.
    """
    exe = _ssh_keygen()
    proc = subprocess.run([exe, "-Y", "sign", "-f", str(key), "-n", NAMESPACE], input=manifest_bytes(run),
                          capture_output=True, timeout=TIMEOUT_S)
    if proc.returncode != 0 or not proc.stdout.startswith(b"-----BEGIN SSH SIGNATURE-----"):
        raise SigningError(f"ssh-keygen could not sign: {proc.stderr.decode(errors='replace').strip()}")
    target = run_folder / SIGNATURE_FILE
    with tempfile.NamedTemporaryFile(dir=run_folder, prefix=".run.sig.", delete=False) as tmp:
        tmp.write(proc.stdout)
    Path(tmp.name).replace(target)
    return target


@dataclass
class Verification:
    """Outcome of verifying a run: ``status`` is ``unsigned``, ``valid``,
    ``invalid`` or ``unsupported``; ``principal`` names who vouched for it."""

    status: str
    principal: str | None = None
    message: str = ""


def verify(project_root: Path, run_folder: Path, run: Run) -> Verification:
    """Verify ``run.sig`` against ``registry/allowed_signers``."""
    sig = run_folder / SIGNATURE_FILE
    if not sig.is_file():
        other = [n for n in OTHER_SIGNATURES if (run_folder / n).is_file()]
        if other:
            return Verification("unsupported", message=f"{other[0]} is a signature kind tracesite cannot verify yet")
        return Verification("unsigned")
    allowed = project_root / ALLOWED_SIGNERS
    if not allowed.is_file():
        return Verification("invalid", message=f"the run is signed but {ALLOWED_SIGNERS} does not exist; "
                                               "add the signers' public keys there")
    try:
        exe = _ssh_keygen()
        found = subprocess.run([exe, "-Y", "find-principals", "-s", str(sig), "-f", str(allowed)],
                               capture_output=True, timeout=TIMEOUT_S)
        principals = [p for p in found.stdout.decode(errors="replace").splitlines() if p.strip()]
        if found.returncode != 0 or not principals:
            return Verification("invalid", message="the signing key is not in registry/allowed_signers "
                                                   "(or run.sig is not an SSH signature)")
        principal = principals[0].strip()
        proc = subprocess.run([exe, "-Y", "verify", "-f", str(allowed), "-I", principal, "-n", NAMESPACE,
                               "-s", str(sig)], input=manifest_bytes(run), capture_output=True, timeout=TIMEOUT_S)
    except SigningError as exc:
        return Verification("invalid", message=str(exc))
    except subprocess.TimeoutExpired:
        return Verification("invalid", message="ssh-keygen did not answer in time")
    if proc.returncode != 0:
        return Verification("invalid", principal, "the signature does not match the run's manifest: the metadata, "
                                                  "a score or a file changed after signing")
    return Verification("valid", principal, f"signed by {principal}")
