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

    _load_reload_script_from_a_file(port)
    server = Server()
    # Every input, whether it exists yet or not (a themes/ folder made while serving counts too).
    for rel in ("tracesite.yaml", "registry", "content", "traces", "themes"):
        server.watch(str(root / rel), rebuild, delay=0.5)
    server.serve(root=str(out), host="127.0.0.1", port=port, open_url_delay=None, restart_delay=0)


def _load_reload_script_from_a_file(port: int) -> None:
    """livereload adds an inline ``<script>`` to every page it serves to load its client, and the
    pages' Content-Security-Policy (``script-src 'self'``) rightly blocks inline scripts. The
    client is served by the same server, so a plain ``<script src="/livereload.js">`` does the
    same job within the policy; its WebSocket goes to the same origin (``connect-src 'self'``)."""
    from livereload import server as lr

    tag = f'<script src="/livereload.js?port={port}"></script>'.encode()
    original = lr.LiveScriptInjector.transform_first_chunk
    if getattr(original, "_tracesite", False):
        return

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        self.script = tag
        return original(self, status_code, headers, chunk, finishing)

    transform_first_chunk._tracesite = True  # type: ignore[attr-defined]
    lr.LiveScriptInjector.transform_first_chunk = transform_first_chunk
