"""Redis over `maxmemory`: the gateway answers 503 and marks nothing seen, so Telegram's retry is enqueued once.

The enqueue script is all or nothing only because its first write is the seen bit (see
aula_shared.mailbox.enqueue_script): Redis refuses a flagless script over the limit at its first write and lets
the rest through. Were a mailbox written first, or the bit marked with the mailboxes refused, the retry would be
dropped as a duplicate. A private redis-server with a tiny maxmemory and no eviction, filled to the brim.
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import orjson
import pytest
import redis
from gateway.test_redis_outage import RedisServer
from gateway.test_webhook import TOKEN, message_update, post
from support import free_port

from aula_gateway.app import create_app
from aula_gateway.bots import BotCache
from aula_shared import redis as aula_redis
from aula_shared.envelope import unpack
from aula_shared.mailbox import UPDATE_CONSUMERS, bitmap_slot, mailbox_key, queue_name
from aula_shared.platform.registry import active_bots, save_bot

BOT_ID = 123456789
# Big values first, then ever smaller ones: a refused command's own query buffer counts while Redis checks, so
# one refusal of a big value may leave room for a small write; refused a tiny one, Redis is truly full.
FILLER_SIZES = (64 * 1024, 1024, 16)


@pytest.fixture
def tiny_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is required (installed with the machine's Redis)")
    server = RedisServer(tmp_path, free_port(), "--maxmemory", "1mb", "--maxmemory-policy", "noeviction")
    server.start()
    connection = redis.Redis(port=server.port)
    # A little room above what an empty Redis already uses (about 1 MB itself), whatever its version.
    connection.config_set("maxmemory", int(connection.info("memory")["used_memory"]) + 512 * 1024)
    yield connection
    connection.close()
    server.crash()
    aula_redis.reset()


def fill(connection: redis.Redis) -> list[str]:
    """Write until Redis refuses even a tiny value for lack of memory; the filler keys written."""
    keys: list[str] = []
    for size in FILLER_SIZES:
        while len(keys) < 100_000:
            try:
                connection.set(f"filler:{len(keys)}", b"x" * size)
            except redis.exceptions.OutOfMemoryError:
                break
            keys.append(f"filler:{len(keys)}")
    assert keys, "Redis was full before any filler"
    return keys


def stored_ids(connection: redis.Redis, service: str) -> list[int]:
    items = connection.lrange(mailbox_key(service, "-1001"), 0, -1)
    return [orjson.loads(unpack(item).raw)["update_id"] for item in items]


def test_out_of_memory_answers_503_marks_nothing_and_the_retry_is_enqueued_once(settings, clean_tables, tiny_redis):
    save_bot(settings.database_url_for("platform"), BOT_ID, "aula_test_bot", TOKEN)
    config = replace(settings, redis_url=f"redis://127.0.0.1:{tiny_redis.connection_pool.connection_kwargs['port']}/0")
    client = create_app(config, bots=BotCache(lambda: active_bots(config.database_url_for("platform")))).test_client()
    fillers = fill(tiny_redis)

    refused = post(client, message_update(7))
    assert refused.status_code == 503
    assert refused.json == {"ok": False, "error": "queue unavailable, retry later"}
    seen_key, bit = bitmap_slot("aula:seen", BOT_ID, 7)
    assert tiny_redis.getbit(seen_key, bit) == 0  # not marked seen: the retry will not be taken for a duplicate
    for service in UPDATE_CONSUMERS:
        assert stored_ids(tiny_redis, service) == []
        assert tiny_redis.llen(queue_name(service)) == 0

    tiny_redis.delete(*fillers)  # memory freed; Telegram retries
    assert post(client, message_update(7)).status_code == 200
    assert post(client, message_update(7)).status_code == 200  # and once more: a duplicate now
    for service in UPDATE_CONSUMERS:
        assert stored_ids(tiny_redis, service) == [7]
        assert tiny_redis.llen(queue_name(service)) == 1
