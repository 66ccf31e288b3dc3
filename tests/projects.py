"""Test helper: copies of the bundled example project to build and modify."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ("tracesite.yaml", "registry", "content", "traces")


def copy_example(dst: Path) -> Path:
    """Copy the example project (config, registry, content, traces) to ``dst``; returns ``dst``."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLE:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name)
        else:
            shutil.copy2(src, dst / name)
    return dst
