"""The embedded default's Redis: a Redis-protocol server inside the launcher process (fakeredis, with Lua).

It lets `make run` start the whole platform with no server installed, and every service speaks to it
exactly as to a real Redis. It keeps nothing on disk: what is queued when the launcher stops is gone.
"""

from __future__ import annotations

import threading


class EmbeddedRedis:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from fakeredis import TcpFakeServer

        self._server = TcpFakeServer((host, port), server_type="redis")
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-redis", daemon=True)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
