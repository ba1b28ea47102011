"""The embedded Redis behaves as Redis where Aula relies on it: Lua, errors that keep the connection, lists."""

from __future__ import annotations

import pytest
import redis

from aula_shared.embedded import EmbeddedRedis
from aula_shared.envelope import pack
from aula_shared.mailbox import Drainer, Enqueuer, LockBusy


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


def test_gathering_and_a_busy_lease_run_on_it(embedded):
    enqueuer = Enqueuer(embedded, consumers=["stats"])
    for update_id, chat in enumerate(["-5", "-6", "-7"], start=1):
        assert enqueuer.enqueue(1, update_id, chat, pack(1, b'{"update_id": %d}' % update_id))
    embedded.rpop("aula.stats")  # the message Celery would hand this drain (for -5)
    embedded.set("aula:lock:stats:-7", "someone", px=5000)
    seen = []
    assert Drainer(embedded, "stats", seen.extend, gather=10).drain("-5") == 2
    assert [envelope.raw for envelope in seen] == [b'{"update_id": 1}', b'{"update_id": 2}']
    assert embedded.llen("aula.stats") == 1 and embedded.llen("aula:mbox:stats:-7") == 1
    with pytest.raises(LockBusy):
        Drainer(embedded, "stats", seen.extend).drain("-7")
    assert sorted(embedded.keys("aula:lock:*")) == [b"aula:lock:stats:-7"]
