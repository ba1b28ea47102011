"""Redis connections: one pool per URL per process."""

from __future__ import annotations

import redis

_clients: dict[str, redis.Redis] = {}


def client(url: str) -> redis.Redis:
    connection = _clients.get(url)
    if connection is None:
        connection = _clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
    return connection


def reset() -> None:
    """Drop pooled connections (after fork, or when a test restarts Redis)."""
    for connection in _clients.values():
        connection.close()
    _clients.clear()
