"""The log chat's flush under load and after a crash: one flush queued however many cases ask, one running, and a
flush killed mid-send does not keep the others out for longer than its short lock. Real Redis and the simulator."""

from __future__ import annotations

import time

from sqlalchemy import select

from aula_moderation import task_names
from aula_moderation.log import flushing, log_chat
from aula_moderation.log.models import LogEntry
from aula_shared.db import session_scope


class Queue:
    """send_task as the worker has it, keeping what was asked."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple, float | None]] = []

    def __call__(self, name: str, args=(), countdown: float | None = None) -> None:
        self.sent.append((name, tuple(args), countdown))


def test_many_cases_queue_one_flush_until_it_starts(redis_client):
    queue = Queue()
    asked = [flushing.request(redis_client, queue) for _ in range(50)]
    assert asked.count(True) == 1 and queue.sent == [(task_names.FLUSH_LOG, (), None)]
    flushing.started(redis_client)  # it reads the outbox from now on: a later entry needs a new flush
    assert flushing.request(redis_client, queue, 10.0)
    assert queue.sent[-1] == (task_names.FLUSH_LOG, (), 10.0)
    # A queued mark whose task is lost lapses: the beat's flush and later cases start again.
    assert 0 < redis_client.ttl(flushing.QUEUED_KEY) <= 10 + flushing.QUEUED_GRACE


def test_a_queued_flush_lost_with_a_killed_worker_is_queued_again_once_overdue(redis_client):
    queue = Queue()
    assert flushing.request(redis_client, queue, 10.0)
    assert not flushing.request(redis_client, queue)  # due in 10 s: it will read the new entry
    # Its worker was killed holding it: Redis would hand it out again only after the visibility timeout.
    redis_client.set(flushing.QUEUED_KEY, time.time() - flushing.LOST_AFTER - 1, ex=30)
    assert flushing.request(redis_client, queue)
    assert len(queue.sent) == 2 and not flushing.request(redis_client, queue)
    # A worker starting again forgets the mark at once: what it held when killed is lost.
    flushing.forget_queued(redis_client)
    assert flushing.request(redis_client, queue) and len(queue.sent) == 3


def test_a_flush_killed_holding_the_lock_keeps_others_out_only_briefly(redis_client):
    killed = flushing.FlushLock(redis_client)
    assert killed.acquire()  # and its process dies: nobody releases it
    other = flushing.FlushLock(redis_client)
    assert not other.acquire()
    assert 0 < redis_client.pttl(flushing.LOCK_KEY) <= flushing.LOCK_SECONDS * 1000
    redis_client.delete(flushing.LOCK_KEY)  # as if LOCK_SECONDS had passed
    assert other.acquire() and other.still_held()
    assert not killed.still_held()  # the old holder, were it alive, would stop sending
    other.release()
    assert redis_client.exists(flushing.LOCK_KEY) == 0


def test_a_flush_stops_sending_the_moment_its_lock_lapses(migrated_pg, log_chat_world, redis_client):
    world = log_chat_world
    with session_scope(migrated_pg) as session:
        session.add_all([LogEntry(bot_id=world.bot_id, text=f"🟡 #MODERATION_WARN n{n}") for n in range(4)])
    answers = iter([True, True, False])
    with session_scope(migrated_pg) as session:
        left = log_chat.flush(session, redis_client, world.clients, world.chat_id, still_held=lambda: next(answers))
    assert left == 2
    expected = ["🟡 #MODERATION_WARN n0", "🟡 #MODERATION_WARN n1"]
    with session_scope(migrated_pg) as session:
        sent = session.scalars(select(LogEntry.text).where(LogEntry.sent_at.is_not(None)).order_by(LogEntry.id))
        assert list(sent) == expected
    assert world.texts() == expected
