"""Serving a WSGI app in the foreground with granian (a Rust HTTP server: ~2.5x gunicorn's throughput here).

Apps are built by a factory ("module:function", called with no argument in each worker process), so nothing
runs at import time and each worker gets its own connections.
"""

from __future__ import annotations

import os
import tempfile

from aula_shared.settings import Settings


def serve_wsgi(factory: str, settings: Settings, port: int, name: str, threads: int = 8) -> None:
    from granian.constants import Interfaces
    from granian.server import Server

    workers = int(os.environ.get("AULA_HTTP_WORKERS", "2"))
    # granian's WSGI default is hundreds of threads per worker; a few overlap the Redis and database waits,
    # more only fight over the GIL (the gateway wants more: its waiting requests share Redis round trips).
    threads = int(os.environ.get("AULA_HTTP_THREADS", str(threads)))
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # /metrics must add up the counters of every worker process.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=f"aula-{name}-metrics-")
    Server(
        factory,
        address=settings.host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        factory=True,
        respawn_failed_workers=True,
        log_access=False,
    ).serve()
