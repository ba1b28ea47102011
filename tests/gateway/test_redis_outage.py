"""Redis goes away and comes back: 503 while it is gone, and nothing the gateway acknowledged is lost.

Uses a private redis-server with the append-only file fsynced on every write — the durability the Swarm
stack configures — killed with SIGKILL (a crash, not a clean shutdown) and restarted on the same files.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import orjson
import pytest
import redis
from gateway.test_webhook import TOKEN, message_update, post
from support import free_port, wait_until

from aula_gateway.app import create_app
from aula_gateway.bots import BotCache
from aula_shared import redis as aula_redis
from aula_shared.envelope import unpack
from aula_shared.mailbox import mailbox_key
from aula_shared.platform.registry import active_bots, save_bot


class RedisServer:
    def __init__(self, directory, port: int, *options: str) -> None:
        self.directory, self.port, self.options = directory, port, options
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                *self.options,
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: redis.Redis(port=self.port).ping(), what="private redis-server")

    def crash(self) -> None:
        self.process.kill()
        self.process.wait(5)


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is required (installed with the machine's Redis)")
    server = RedisServer(tmp_path, free_port())
    server.start()
    yield server
    server.crash()


def test_outage_answers_503_and_loses_nothing_acknowledged(settings, clean_tables, private_redis):
    from dataclasses import replace

    save_bot(settings.database_url_for("platform"), 123456789, "aula_test_bot", TOKEN)
    url = f"redis://127.0.0.1:{private_redis.port}/0"
    config = replace(settings, redis_url=url)
    client = create_app(config, bots=BotCache(lambda: active_bots(config.database_url_for("platform")))).test_client()

    acknowledged = []
    for update_id in range(1, 51):
        assert post(client, message_update(update_id)).status_code == 200
        acknowledged.append(update_id)

    private_redis.crash()
    refused = [post(client, message_update(update_id)).status_code for update_id in range(51, 56)]
    assert refused == [503] * 5  # Telegram will send these again
    assert client.get("/healthz").status_code == 503

    private_redis.start()
    time.sleep(0.1)
    for update_id in range(51, 61):  # the retried ones, and new ones
        assert post(client, message_update(update_id)).status_code == 200
        acknowledged.append(update_id)
    assert client.get("/healthz").status_code == 200

    stored = [
        orjson.loads(unpack(item).raw)["update_id"]
        for item in redis.Redis(port=private_redis.port).lrange(mailbox_key("stats", "-1001"), 0, -1)
    ]
    assert stored == acknowledged  # all of them, once, in order
    aula_redis.reset()
