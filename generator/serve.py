"""``tracesite serve``: build, serve ``site/`` on 127.0.0.1 with live reload,
rebuild on change. livereload is kept behind this one function so another
server can replace it without touching the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable


def serve(root: Path, out: Path, port: int, rebuild: Callable[[], None]) -> None:
    """Serve ``out`` and watch the project's inputs; blocks until interrupted."""
    from livereload import Server

    server = Server()
    for rel in ("tracesite.yaml", "registry", "content", "traces", "themes"):
        if (root / rel).exists():
            server.watch(str(root / rel), rebuild, delay=0.5)
    server.serve(root=str(out), host="127.0.0.1", port=port, open_url_delay=None, restart_delay=0)
