"""``tracesite serve``: build, serve ``site/`` on 127.0.0.1 with live reload,
rebuild on change. livereload is kept behind this one function so another
server can replace it without touching the CLI.
"""

from __future__ import annotations

import errno
import logging
from pathlib import Path
from typing import Callable

HOST = "127.0.0.1"


class PortUnavailable(Exception):
    """The server cannot listen on ``port``: one line that says why and what to do."""

    def __init__(self, port: int, exc: OSError):
        if exc.errno == errno.EADDRINUSE:
            why = "is already in use"
        elif exc.errno == errno.EACCES:
            why = "needs privileges (ports below 1024 usually do)"
        else:
            why = f"cannot be used ({exc.strerror or exc})"
        super().__init__(f"port {port} on {HOST} {why}; choose another with --port")
        self.port = port


def check_port(port: int) -> None:
    """Raise :class:`PortUnavailable` when the server could not listen on ``port`` now (bound the way
    tornado binds, then let go), so that ``serve`` says so before building anything."""
    from tornado.netutil import bind_sockets

    try:
        sockets = bind_sockets(port, HOST)
    except OSError as exc:
        raise PortUnavailable(port, exc) from None
    for sock in sockets:
        sock.close()


class _NotBeforeBound(logging.Filter):
    """livereload logs "Serving on …" before it binds the port; ``serve`` says it once bound."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Serving on")


_NOT_BEFORE_BOUND = _NotBeforeBound()


def serve(root: Path, out: Path, port: int, rebuild: Callable[[], None],
          ready: Callable[[], None] | None = None) -> None:
    """Serve ``out`` and watch the project's inputs; blocks until interrupted. ``ready`` is called
    once the port is bound; raises :class:`PortUnavailable` when it cannot be."""
    from livereload import Server

    class _Server(Server):
        def application(self, *args, **kwargs):  # binds the port (tornado's app.listen)
            try:
                super().application(*args, **kwargs)
            except OSError as exc:
                raise PortUnavailable(port, exc) from None
            if ready is not None:
                ready()

    _load_reload_script_from_a_file(port)
    log = logging.getLogger("livereload")
    if _NOT_BEFORE_BOUND not in log.filters:
        log.addFilter(_NOT_BEFORE_BOUND)
    server = _Server()
    # Every input, whether it exists yet or not (a themes/ folder made while serving counts too).
    for rel in ("tracesite.yaml", "registry", "content", "traces", "themes"):
        server.watch(str(root / rel), rebuild, delay=0.5)
    server.serve(root=str(out), host=HOST, port=port, open_url_delay=None, restart_delay=0)


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
