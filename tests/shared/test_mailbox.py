"""Mailboxes: every update once, each conversation in order, conversations in parallel (real Redis).

The drainers here are threads taking wake-ups from the very list Celery would consume, so the test sees
the mailbox protocol itself: no lost wake-up, no update handled twice or out of order, whatever the
interleaving of conversations and drainers.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from collections import defaultdict
from datetime import datetime

import orjson
import pytest

from aula_shared.envelope import pack
from aula_shared.mailbox import (
    ConversationsFailed,
    Drainer,
    Enqueuer,
    LockBusy,
    celery_message,
    drain_task_name,
    lock_key,
    mailbox_key,
    queue_name,
    sweep,
)

SERVICE = "stats"


def conversation_of(message: bytes) -> str:
    body = orjson.loads(orjson.loads(message)["body"])
    return body[0][0]


def update(update_id: int, chat: int) -> bytes:
    return orjson.dumps({"update_id": update_id, "message": {"chat": {"id": chat}, "seq": update_id}})


def test_celery_message_has_the_shape_kombu_reads():
    message = orjson.loads(celery_message("aula.stats.drain", "aula.stats", ["-100"]))
    assert message["headers"]["task"] == "aula.stats.drain"
    assert message["properties"]["delivery_info"]["routing_key"] == "aula.stats"
    assert "body_encoding" not in message["properties"]  # the body is JSON text, as the gateway's Lua writes it
    args, kwargs, embed = orjson.loads(message["body"])
    assert (args, kwargs) == (["-100"], {})
    assert set(embed) == {"callbacks", "errbacks", "chain", "chord"}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("gather", [1, 5], ids=["one-per-drain", "gathering"])
def test_interleaved_conversations_are_each_handled_once_and_in_order(redis_client, gather):
    enqueuer = Enqueuer(redis_client, consumers=[SERVICE])
    chats, per_chat = 40, 50
    order = [(chat, n) for n in range(per_chat) for chat in range(chats)]
    random.Random(7).shuffle(order)  # interleave the chats; ids still rise within each chat
    handled: dict[str, list[int]] = defaultdict(list)
    guard = threading.Lock()
    in_flight: set[str] = set()
    overlap = []

    def handle(batch):
        by_conversation: dict[str, list[int]] = defaultdict(list)
        for envelope in batch:
            message = orjson.loads(envelope.raw)["message"]
            by_conversation[str(message["chat"]["id"])].append(message["seq"])
        with guard:
            overlap.extend(in_flight.intersection(by_conversation))
            in_flight.update(by_conversation)
        time.sleep(random.random() / 500)  # let the producer append while we work
        with guard:
            for conversation, seqs in by_conversation.items():
                handled[conversation] += seqs
            in_flight.difference_update(by_conversation)

    stop = threading.Event()

    def drainer_loop():
        drainer = Drainer(redis_client, SERVICE, handle, batch_size=7, gather=gather)
        while not stop.is_set():
            item = redis_client.brpop([queue_name(SERVICE)], timeout=0.2)
            if item is None:
                continue
            conversation = conversation_of(item[1])
            while True:
                try:
                    drainer.drain(conversation)
                    break
                except LockBusy:
                    time.sleep(0.01)  # as the Celery task retries when the lease ends

    threads = [threading.Thread(target=drainer_loop) for _ in range(6)]
    for thread in threads:
        thread.start()
    expected: dict[str, list[int]] = defaultdict(list)
    for update_id, (chat, _) in enumerate(order, start=1):
        raw = update(update_id, -chat - 1)
        assert enqueuer.enqueue(1, update_id, str(-chat - 1), pack(1, raw))
        expected[str(-chat - 1)].append(update_id)
    deadline = time.monotonic() + 30
    while sum(map(len, handled.values())) < len(order) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()

    assert overlap == []  # never two drainers on one conversation
    assert dict(handled) == dict(expected)  # all of them, once, in the order they were sent
    assert not list(redis_client.scan_iter(match="aula:mbox:*"))


def test_a_drain_gathers_the_waiting_quiet_conversations_into_one_batch(redis_client):
    enqueuer = Enqueuer(redis_client, consumers=[SERVICE])
    for update_id, chat in enumerate([-1, -2, -1, -3, -4], start=1):
        enqueuer.enqueue(1, update_id, str(chat), pack(1, update(update_id, chat)))
    other_task = celery_message("aula.stats.sync_groups", queue_name(SERVICE), [])
    redis_client.lpush(queue_name(SERVICE), other_task)
    redis_client.set(lock_key(SERVICE, "-4"), "another-drainer", px=10_000)
    first = redis_client.rpop(queue_name(SERVICE))  # what Celery hands this drain: the oldest message
    batches = []
    drainer = Drainer(redis_client, SERVICE, lambda batch: batches.append(batch), gather=10)

    assert drainer.drain(conversation_of(first)) == 4
    chats = [[orjson.loads(e.raw)["message"]["chat"]["id"] for e in batch] for batch in batches]
    assert chats == [[-1, -1, -2, -3]]  # one batch, each chat in order, the oldest wake-ups first
    # Taken conversations leave the queue and are released; a held one and other tasks stay for their workers.
    waiting = redis_client.lrange(queue_name(SERVICE), 0, -1)
    assert waiting[0] == other_task and [conversation_of(m) for m in waiting[1:]] == ["-4"]
    assert redis_client.llen(mailbox_key(SERVICE, "-4")) == 1
    assert not [key for key in redis_client.scan_iter(match="aula:lock:*") if key != lock_key(SERVICE, "-4").encode()]
    assert not list(redis_client.scan_iter(match="aula:mbox:stats:-[123]"))


def test_a_gathered_batch_that_fails_stays_in_every_mailbox_for_the_sweeper(redis_client):
    enqueuer = Enqueuer(redis_client, consumers=[SERVICE])
    for update_id, chat in enumerate([-1, -2], start=1):
        enqueuer.enqueue(1, update_id, str(chat), pack(1, update(update_id, chat)))
    first = redis_client.rpop(queue_name(SERVICE))

    def explode(batch):
        raise ConnectionError("database down")

    with pytest.raises(ConnectionError):
        Drainer(redis_client, SERVICE, explode, gather=10).drain(conversation_of(first))
    assert [redis_client.llen(mailbox_key(SERVICE, chat)) for chat in ("-1", "-2")] == [1, 1]
    assert not list(redis_client.scan_iter(match="aula:lock:*"))  # both free again
    assert sorted(sweep(redis_client, SERVICE)) == ["-1", "-2"]  # the taken wake-up is gone: the sweeper's net


def gathered_backlog(redis_client, chats: list[int], first_id: int = 1) -> str:
    """One update for each of `chats`, enqueued as the gateway does; the conversation Celery hands the first drain."""
    enqueuer = Enqueuer(redis_client, consumers=[SERVICE])
    for update_id, chat in enumerate(chats, start=first_id):
        enqueuer.enqueue(1, update_id, str(chat), pack(1, update(update_id, chat)))
    return conversation_of(redis_client.rpop(queue_name(SERVICE)))


def test_a_conversation_handler_fails_one_gathered_conversation_and_completes_the_others(redis_client):
    first = gathered_backlog(redis_client, [-1, -2, -1, -3, -2])
    seen: dict[str, list[int]] = defaultdict(list)

    def handle(batches):
        for conversation, batch in batches.items():
            seen[conversation] += [orjson.loads(e.raw)["update_id"] for e in batch]
        return {"-2": ConnectionError("flood wait in -2")}

    drainer = Drainer(redis_client, SERVICE, handle, gather=10, by_conversation=True)
    with pytest.raises(ConversationsFailed) as failed:
        drainer.drain(first)
    assert list(failed.value.errors) == ["-2"] and failed.value.handled == 3
    assert dict(seen) == {"-1": [1, 3], "-2": [2, 5], "-3": [4]}  # one call, each conversation in order
    # The failed one is untouched and free, for its retry; the others are trimmed, their leases released.
    assert redis_client.lrange(mailbox_key(SERVICE, "-2"), 0, -1) == [pack(1, update(2, -2)), pack(1, update(5, -2))]
    assert not list(redis_client.scan_iter(match="aula:lock:*"))
    assert sorted(k.decode() for k in redis_client.scan_iter(match="aula:mbox:*")) == [mailbox_key(SERVICE, "-2")]
    retried = []
    again = Drainer(redis_client, SERVICE, lambda b: retried.extend(b["-2"]) or {}, by_conversation=True)
    assert again.drain("-2") == 2
    assert [orjson.loads(e.raw)["update_id"] for e in retried] == [2, 5]


def test_a_conversation_handler_that_raises_fails_the_whole_drain(redis_client):
    first = gathered_backlog(redis_client, [-1, -2])

    def explode(batches):
        raise ConnectionError("database down")

    with pytest.raises(ConnectionError):
        Drainer(redis_client, SERVICE, explode, gather=10, by_conversation=True).drain(first)
    assert [redis_client.llen(mailbox_key(SERVICE, chat)) for chat in ("-1", "-2")] == [1, 1]
    assert not list(redis_client.scan_iter(match="aula:lock:*"))


def test_the_drain_task_wakes_each_failed_conversation_again_after_its_retry_after(redis_url, redis_client):
    """register_drain(by_conversation=True): a gathered conversation that failed gets a new drain message, due
    when its flood wait is over; the task's own conversation is retried by Celery as before."""
    from aula_shared.celery import make_celery, register_drain
    from aula_shared.settings import Settings
    from aula_shared.telegram import FloodWait

    failing: list[str] = []
    app = make_celery(SERVICE, Settings.from_env({"REDIS_URL": redis_url, "SECRET_KEY": "x"}))
    register_drain(
        app, SERVICE, lambda: lambda batches: {c: FloodWait(9) for c in failing if c in batches}, gather=10,
        by_conversation=True,
    )  # fmt: skip
    drain = app.tasks[drain_task_name(SERVICE)]

    first = gathered_backlog(redis_client, [-1, -2])  # -2 gathered by the drain of -1, and failing
    failing[:] = ["-2"]
    started = time.time()
    assert drain(first) == 1
    [message] = [orjson.loads(m) for m in redis_client.lrange(queue_name(SERVICE), 0, -1)]
    assert orjson.loads(base64.b64decode(message["body"]))[0] == ["-2"]
    assert started + 8 < datetime.fromisoformat(message["headers"]["eta"]).timestamp() < time.time() + 10
    assert redis_client.llen(mailbox_key(SERVICE, "-2")) == 1 and not redis_client.exists(mailbox_key(SERVICE, "-1"))
    assert not list(redis_client.scan_iter(match="aula:lock:*"))

    redis_client.delete(queue_name(SERVICE))
    failing[:] = ["-2", "-3"]
    first = gathered_backlog(redis_client, [-3], first_id=3)  # now the drain's own conversation fails too
    redis_client.lpush(queue_name(SERVICE), celery_message(drain_task_name(SERVICE), queue_name(SERVICE), ["-2"]))
    with pytest.raises(FloodWait):  # called directly, Celery's retry re-raises the error
        drain(first)
    assert [
        orjson.loads(base64.b64decode(orjson.loads(m)["body"]))[0]
        for m in redis_client.lrange(queue_name(SERVICE), 0, -1)
    ] == [["-2"]]
    assert [redis_client.llen(mailbox_key(SERVICE, c)) for c in ("-2", "-3")] == [1, 1]
    assert not list(redis_client.scan_iter(match="aula:lock:*"))


def test_the_gateway_script_writes_the_same_message_as_python(redis_client):
    enqueuer = Enqueuer(redis_client, consumers=["moderation", "stats"])
    assert enqueuer.enqueue(77, 5, "-1001", pack(77, update(5, -1001)))
    for service in ("moderation", "stats"):
        from_lua = orjson.loads(redis_client.lindex(queue_name(service), 0))
        expected = orjson.loads(
            celery_message(f"aula.{service}.drain", queue_name(service), ["-1001"], "gateway", f"77-5-{service}")
        )
        assert from_lua == expected


def test_a_duplicate_update_id_is_refused_atomically(redis_client):
    enqueuer = Enqueuer(redis_client, consumers=["moderation", "stats"])
    assert enqueuer.enqueue(1, 10, "-5", pack(1, update(10, -5))) is True
    assert enqueuer.enqueue(1, 10, "-5", pack(1, update(10, -5))) is False
    assert enqueuer.enqueue(2, 10, "-5", pack(2, update(10, -5))) is True  # another bot's id 10
    for service in ("moderation", "stats"):
        assert redis_client.llen(mailbox_key(service, "-5")) == 2
        assert redis_client.llen(queue_name(service)) == 1


def test_ids_far_apart_use_separate_bitmaps_that_expire(redis_client):
    enqueuer = Enqueuer(redis_client, consumers=[SERVICE])
    assert enqueuer.enqueue(1, 5, "-5", b"x")
    assert enqueuer.enqueue(1, 900_000_005, "-5", b"y")
    keys = sorted(k.decode() for k in redis_client.scan_iter(match="aula:seen:*"))
    assert len(keys) == 2
    assert all(0 < redis_client.ttl(k) <= 48 * 3600 for k in keys)


def test_a_busy_conversation_reports_when_its_lease_ends(redis_client):
    redis_client.set(lock_key(SERVICE, "-9"), "someone-else", px=5000)
    redis_client.rpush(mailbox_key(SERVICE, "-9"), pack(1, update(1, -9)))
    drainer = Drainer(redis_client, SERVICE, lambda batch: pytest.fail("must not run"))
    with pytest.raises(LockBusy) as busy:
        drainer.drain("-9")
    assert 0 < busy.value.retry_in <= 5
    assert redis_client.llen(mailbox_key(SERVICE, "-9")) == 1


def test_a_failing_batch_stays_in_the_mailbox_and_frees_the_conversation(redis_client):
    redis_client.rpush(mailbox_key(SERVICE, "-9"), pack(1, update(1, -9)), pack(1, update(2, -9)))

    def explode(batch):
        raise ConnectionError("database down")

    with pytest.raises(ConnectionError):
        Drainer(redis_client, SERVICE, explode).drain("-9")
    assert redis_client.llen(mailbox_key(SERVICE, "-9")) == 2
    assert not redis_client.exists(lock_key(SERVICE, "-9"))
    seen = []
    assert Drainer(redis_client, SERVICE, lambda batch: seen.extend(batch)).drain("-9") == 2
    assert [orjson.loads(e.raw)["update_id"] for e in seen] == [1, 2]


def test_the_sweeper_wakes_only_mailboxes_without_a_drainer(redis_client):
    redis_client.rpush(mailbox_key(SERVICE, "-1"), b"1\n{}")
    redis_client.rpush(mailbox_key(SERVICE, "-2"), b"1\n{}")
    redis_client.set(lock_key(SERVICE, "-2"), "alive", px=10_000)
    assert sweep(redis_client, SERVICE) == ["-1"]
    assert [conversation_of(m) for m in redis_client.lrange(queue_name(SERVICE), 0, -1)] == ["-1"]


def test_a_long_batch_keeps_its_lease(redis_client, monkeypatch):
    from aula_shared import mailbox

    monkeypatch.setattr(mailbox, "RENEW_EVERY_SECONDS", 0.05)
    redis_client.rpush(mailbox_key(SERVICE, "-9"), pack(1, update(1, -9)), pack(1, update(2, -9)))
    remaining = []

    def slow(batch):
        for _ in batch:
            time.sleep(0.3)  # longer than the lease below
            mailbox.renew_lease()
            remaining.append(redis_client.pttl(lock_key(SERVICE, "-9")))

    assert Drainer(redis_client, SERVICE, slow, lease_ms=400).drain("-9") == 2
    assert all(ms > 0 for ms in remaining)  # still ours after each update, though the batch took longer
    mailbox.renew_lease()  # outside a drain: nothing to renew, no error
