"""The embedded Redis behaves as Redis where Aula relies on it: Lua, errors that keep the connection, lists."""

from __future__ import annotations

import pytest
import redis

from aula_shared.embedded import EmbeddedRedis
from aula_shared.envelope import pack
from aula_shared.mailbox import Drainer, Enqueuer


@pytest.fixture
def embedded():
    server = EmbeddedRedis().start()
    yield redis.Redis.from_url(server.url)
    server.stop()


def test_an_error_reply_keeps_the_connection(embedded):
    script = embedded.register_script("return 7")
    assert script() == 7  # EVALSHA → NOSCRIPT → SCRIPT LOAD → EVALSHA, on one connection
    embedded.set("k", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        embedded.lpush("k", "x")
    assert embedded.get("k") == b"v"


def test_the_mailbox_protocol_runs_on_it(embedded):
    enqueuer = Enqueuer(embedded, consumers=["stats"])
    assert enqueuer.enqueue(1, 1, "-5", pack(1, b'{"update_id": 1}'))
    assert not enqueuer.enqueue(1, 1, "-5", pack(1, b'{"update_id": 1}'))
    seen = []
    assert Drainer(embedded, "stats", seen.extend).drain("-5") == 1
    assert seen[0].raw == b'{"update_id": 1}'
