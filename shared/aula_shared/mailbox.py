"""Per-conversation mailboxes: how an update is enqueued once, kept in order, and drained by Celery.

Design (see ARCHITECTURE.md, "Ordering"):
- The gateway runs ENQUEUE_SCRIPT, one atomic Redis round trip that marks `update_id` as seen (a bitmap per
  bot), appends the packed update to the mailbox of its conversation for every consuming service, and, when
  a mailbox was empty, pushes a Celery "drain" message naming that conversation onto the service's queue.
- A drain task takes the conversation's lock, handles the mailbox's updates in order in batches, trims what it
  handled, and releases the lock only once the mailbox is empty (atomically, so no wake-up is lost).
- Different conversations drain in parallel on any number of worker processes and hosts.
- A worker killed mid-batch leaves the batch in the mailbox: its drain message is redelivered (late ack) and,
  as a safety net, the sweeper re-wakes mailboxes that have no live drainer.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence

import orjson
import redis

from aula_shared.envelope import Envelope, unpack

log = logging.getLogger(__name__)

UPDATE_CONSUMERS = ("moderation", "stats")
SEEN_TTL_SECONDS = 48 * 3600  # Telegram keeps an undelivered update for 24 h; remember ids twice as long.
_BITMAP_SHIFT = 16  # one 8 KiB bitmap covers 65,536 consecutive update ids


def queue_name(service: str) -> str:
    return f"aula.{service}"


def drain_task_name(service: str) -> str:
    return f"aula.{service}.drain"


def mailbox_key(service: str, conversation: str) -> str:
    return f"aula:mbox:{service}:{conversation}"


def lock_key(service: str, conversation: str) -> str:
    return f"aula:lock:{service}:{conversation}"


def bitmap_slot(prefix: str, bot_id: int, update_id: int) -> tuple[str, int]:
    """(key, bit offset) of an update id in a per-bot bitmap."""
    return f"{prefix}:{bot_id}:{update_id >> _BITMAP_SHIFT}", update_id & ((1 << _BITMAP_SHIFT) - 1)


def celery_message(task_name: str, queue: str, args: Sequence[object], origin: str = "aula") -> bytes:
    """A Celery (protocol 2) task message as kombu's Redis transport stores it in the queue's list.

    Publishing through Celery's API costs ~250 µs per message (a client object per publish, entity
    declarations, base64 plus an argsrepr copy); building the same message directly costs a few µs.
    """
    task_id = str(uuid.uuid4())
    body = orjson.dumps([list(args), {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}])
    return orjson.dumps(
        {
            "body": base64.b64encode(body).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": {
                "lang": "py",
                "task": task_name,
                "id": task_id,
                "shadow": None,
                "eta": None,
                "expires": None,
                "group": None,
                "group_index": None,
                "retries": 0,
                "timelimit": [None, None],
                "root_id": task_id,
                "parent_id": None,
                "argsrepr": repr(tuple(args)),
                "kwargsrepr": "{}",
                "origin": origin,
                "ignore_result": True,
            },
            "properties": {
                "correlation_id": task_id,
                "reply_to": "",
                "delivery_mode": 2,
                "delivery_info": {"exchange": "", "routing_key": queue},
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": task_id,
            },
        }
    )


# KEYS: seen bitmap, then (mailbox, queue) per consumer. ARGV: bit, ttl, packed update, then drain message per consumer.
ENQUEUE_SCRIPT = """
if redis.call('SETBIT', KEYS[1], ARGV[1], 1) == 1 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[2])
for i = 1, (#KEYS - 1) / 2 do
  if redis.call('RPUSH', KEYS[2 * i], ARGV[3]) == 1 then
    redis.call('LPUSH', KEYS[2 * i + 1], ARGV[3 + i])
  end
end
return 1
"""

# KEYS: lock, mailbox. ARGV: token. Releases the lock only if the mailbox is empty; 1 = released.
RELEASE_IF_EMPTY_SCRIPT = """
if redis.call('LLEN', KEYS[2]) > 0 then return 0 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""

# KEYS: lock. ARGV: token, ttl ms. Extends the lock if still ours; 1 = extended.
EXTEND_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def load_script(connection: redis.Redis, source: str):
    """Register a Lua script and load it now, so that its first call is not a NOSCRIPT round trip.

    (The embedded Redis drops a connection after an error reply, NOSCRIPT included.) If Redis is down, the
    script loads on first use instead: a service must start, and answer 503, without Redis.
    """
    script = connection.register_script(source)
    with contextlib.suppress(redis.RedisError):
        script.sha = connection.script_load(source)
    return script


class Enqueuer:
    """The gateway's side: put one update into every consumer's mailbox, once."""

    def __init__(self, connection: redis.Redis, consumers: Iterable[str] = UPDATE_CONSUMERS) -> None:
        self._script = load_script(connection, ENQUEUE_SCRIPT)
        self._consumers = tuple(consumers)

    def enqueue(self, bot_id: int, update_id: int, conversation: str, packed: bytes) -> bool:
        """True if enqueued, False if this bot's update_id was enqueued before. Raises redis errors."""
        seen_key, bit = bitmap_slot("aula:seen", bot_id, update_id)
        keys = [seen_key]
        messages = []
        for service in self._consumers:
            keys += (mailbox_key(service, conversation), queue_name(service))
            messages.append(celery_message(drain_task_name(service), queue_name(service), [conversation], "gateway"))
        return self._script(keys=keys, args=[bit, SEEN_TTL_SECONDS, packed, *messages]) == 1


class LockBusy(Exception):
    """Another drainer holds the conversation; `retry_in` seconds until its lease would lapse."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"conversation busy, lease ends in {retry_in:.1f}s")
        self.retry_in = retry_in


class Drainer:
    """A worker's side: handle one conversation's mailbox in order, in batches, under a lease."""

    def __init__(
        self,
        connection: redis.Redis,
        service: str,
        handle_batch: Callable[[list[Envelope]], None],
        batch_size: int = 200,
        lease_ms: int = 30_000,
    ) -> None:
        self._redis = connection
        self._service = service
        self._handle_batch = handle_batch
        self._batch_size = batch_size
        self._lease_ms = lease_ms
        self._release_if_empty = load_script(connection, RELEASE_IF_EMPTY_SCRIPT)
        self._extend = load_script(connection, EXTEND_SCRIPT)
        self._release = load_script(connection, RELEASE_SCRIPT)

    def drain(self, conversation: str) -> int:
        """Handle everything in the mailbox; returns how many updates. Raises LockBusy if another drainer runs."""
        lock, mailbox = lock_key(self._service, conversation), mailbox_key(self._service, conversation)
        token = uuid.uuid4().hex
        if not self._redis.set(lock, token, nx=True, px=self._lease_ms):
            remaining = self._redis.pttl(lock)
            if remaining == -2:  # released in between: try once more from the start
                return self.drain(conversation)
            raise LockBusy(max(remaining, 0) / 1000)
        handled = 0
        try:
            while True:
                items = self._redis.lrange(mailbox, 0, self._batch_size - 1)
                if not items:
                    if self._release_if_empty(keys=[lock, mailbox], args=[token]):
                        return handled
                    continue
                self._handle_batch([unpack(item) for item in items])
                # Only the gateway appends, at the tail: the head still holds exactly what we handled.
                pipe = self._redis.pipeline(transaction=True)
                pipe.ltrim(mailbox, len(items), -1)
                pipe.execute()
                if not self._extend(keys=[lock], args=[token, self._lease_ms]):
                    log.warning("drain lease lost", extra={"service": self._service, "conversation": conversation})
                    return handled + len(items)
                handled += len(items)
        except BaseException:
            self._release(keys=[lock], args=[token])
            raise


def sweep(connection: redis.Redis, service: str, count: int = 1000) -> list[str]:
    """Re-wake every mailbox of `service` that holds updates but has no drainer. Returns their conversations.

    The safety net for a whole worker host lost with its unacknowledged drain messages.
    """
    prefix = mailbox_key(service, "")
    woken = []
    for key in connection.scan_iter(match=prefix + "*", count=count, _type="list"):
        conversation = key.decode()[len(prefix) :]
        if not connection.exists(lock_key(service, conversation)):
            connection.lpush(
                queue_name(service),
                celery_message(drain_task_name(service), queue_name(service), [conversation], "sweeper"),
            )
            woken.append(conversation)
    return woken
