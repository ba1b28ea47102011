"""Group commit in the gateway: shared round trips, but every request its own, truthful answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from conftest import free_port_url

from aula_gateway.batching import BatchingEnqueuer
from aula_shared.envelope import pack
from aula_shared.mailbox import Enqueuer, mailbox_key


def test_concurrent_requests_each_get_their_own_answer(redis_client):
    batching = BatchingEnqueuer(redis_client, Enqueuer(redis_client, consumers=["stats"]))
    ids = list(range(1, 401)) * 2  # every update delivered twice, concurrently
    barrier = threading.Barrier(16)

    def send(update_id: int) -> tuple[int, bool]:
        if update_id <= 16:
            barrier.wait()  # a burst, so that batches really form
        return update_id, batching.enqueue(1, update_id, str(-(update_id % 7) - 1), pack(1, b"{}"))

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(send, ids))
    fresh = [update_id for update_id, new in answers if new]
    assert sorted(fresh) == list(range(1, 401))  # each update accepted as new exactly once
    stored = sum(redis_client.llen(mailbox_key("stats", str(-c - 1))) for c in range(7))
    assert stored == 400


def test_a_redis_failure_reaches_every_waiting_request():
    broken = redis.Redis.from_url(free_port_url())
    batching = BatchingEnqueuer(broken, Enqueuer(broken, consumers=["stats"]))
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(batching.enqueue, 1, i, "-1", b"1\n{}") for i in range(20)]
    for future in futures:
        with pytest.raises(redis.ConnectionError):
            future.result()


def test_a_forgotten_script_is_loaded_again(redis_client):
    batching = BatchingEnqueuer(redis_client, Enqueuer(redis_client, consumers=["stats"]))
    assert batching.enqueue(1, 1, "-1", b"1\n{}") is True
    redis_client.script_flush()  # as after a Redis restart
    assert batching.enqueue(1, 2, "-1", b"1\n{}") is True
    assert batching.enqueue(1, 2, "-1", b"1\n{}") is False
    assert redis_client.llen(mailbox_key("stats", "-1")) == 2
