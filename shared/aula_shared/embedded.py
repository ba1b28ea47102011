"""The embedded default's Redis: a Redis-protocol server inside the launcher process (fakeredis, with Lua).

It lets `make run` start the whole platform with no server installed, and every service speaks to it
exactly as to a real Redis. It keeps nothing on disk: what is queued when the launcher stops is gone.
"""

from __future__ import annotations

import threading

import redis
from fakeredis import TcpFakeServer
from fakeredis._clients._tcp_server import TCPFakeRequestHandler


class _ErrorTolerantHandler(TCPFakeRequestHandler):
    """fakeredis's handler closes the connection after any error reply (NOSCRIPT, WRONGTYPE …); a real Redis
    answers the error and keeps the connection. Return errors as replies so clients see what they would."""

    def setup(self) -> None:
        super().setup()
        read_response = self.current_client.read_response

        def read_response_or_error(*args, **kwargs):
            try:
                return read_response(*args, **kwargs)
            except redis.ResponseError as error:
                return error

        self.current_client.read_response = read_response_or_error


class EmbeddedRedis:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = TcpFakeServer((host, port), server_type="redis")
        self._server.RequestHandlerClass = _ErrorTolerantHandler
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
