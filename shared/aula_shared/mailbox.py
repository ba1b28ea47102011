"""Per-conversation mailboxes: how an update is enqueued once, kept in order, and drained by Celery.

Design (see ARCHITECTURE.md, "Ordering"):
- The gateway runs the enqueue script, one atomic Redis round trip that marks `update_id` as seen (a bitmap per
  bot), appends the packed update to the mailbox of its conversation for every consuming service, and, when
  a mailbox was empty, pushes a Celery "drain" message naming that conversation onto the service's queue.
- A drain task takes the conversation's lock, handles the mailbox's updates in order in batches, trims what it
  handled, and releases the lock only once the mailbox is empty (atomically, so no wake-up is lost).
- Different conversations drain in parallel on any number of worker processes and hosts.
- A worker killed mid-batch leaves the batch in the mailbox: its drain message is redelivered (late ack) and,
  as a safety net, the sweeper re-wakes mailboxes that have no live drainer.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
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


def celery_message(
    task_name: str, queue: str, args: Sequence[object], origin: str = "aula", task_id: str | None = None
) -> bytes:
    """A Celery (protocol 2) task message as kombu's Redis transport stores it in the queue's list.

    Publishing through Celery's API costs ~250 µs per message (a client object per publish, entity
    declarations, base64 plus an argsrepr copy); this costs a few µs. The body is left as JSON text
    (no body_encoding), which kombu hands to Celery as is — and which the gateway's Lua can assemble.
    """
    task_id = task_id or str(uuid.uuid4())
    body = orjson.dumps([list(args), {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}])
    return orjson.dumps(
        {
            "body": body.decode(),
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
                "delivery_tag": task_id,
            },
        }
    )


_CONVERSATION_MARK, _TASK_MARK = "@@CONVERSATION@@", "@@TASK@@"


def _lua_drain_message(service: str) -> str:
    """A Lua expression building the drain message of `service` from the variables `conv` and `task`."""
    template = celery_message(
        drain_task_name(service), queue_name(service), [_CONVERSATION_MARK], "gateway", f"{_TASK_MARK}-{service}"
    ).decode()
    pieces = []
    for i, chunk in enumerate(template.split(_CONVERSATION_MARK)):
        if i:
            pieces.append("conv")
        for j, part in enumerate(chunk.split(_TASK_MARK)):
            if j:
                pieces.append("task")
            if part:
                pieces.append(f"[==[{part}]==]")
    return " .. ".join(pieces)


def enqueue_script(consumers: Sequence[str]) -> str:
    """The gateway's one Redis call (see the module docstring); generated for a fixed list of consumers.

    KEYS: seen bitmap, then (mailbox, queue) per consumer. ARGV: bit, ttl, packed update, conversation, task id.
    A drain message is assembled only for a mailbox that was empty, so a busy chat costs one RPUSH.

    All or nothing, on purpose: an update is never marked seen unless it is enqueued, since a retry of an update
    marked seen but not enqueued would be dropped as a duplicate — lost. Redis rolls nothing back, and a script
    without flags (no `#!lua` line: keep it so) is refused over `maxmemory` only at its *first* write; once one
    write succeeded, the rest run even over the limit. So SETBIT must stay the first write: over the limit, the
    script fails before anything is written and the gateway answers 503 (Telegram retries); under it, every
    write goes through. Do not add a write before it, nor flags such as `allow-oom` or `no-writes`.
    tests/gateway/test_out_of_memory.py holds this against a Redis with a tiny maxmemory.
    """
    lines = [
        "-- SETBIT first: the OOM check falls on the first write, so nothing or everything is written (see above)",
        "if redis.call('SETBIT', KEYS[1], ARGV[1], 1) == 1 then return 0 end",
        "redis.call('EXPIRE', KEYS[1], ARGV[2])",
        "local conv, task = ARGV[4], ARGV[5]",
    ]
    for i, service in enumerate(consumers):
        mailbox, queue = 2 + 2 * i, 3 + 2 * i
        lines.append(
            f"if redis.call('RPUSH', KEYS[{mailbox}], ARGV[3]) == 1 then "
            f"redis.call('LPUSH', KEYS[{queue}], {_lua_drain_message(service)}) end"
        )
    lines.append("return 1")
    return "\n".join(lines)


# A drain costs two Redis round trips when its mailbox holds one batch (the common case for a quiet chat):
# ACQUIRE takes the lease and reads the first batch, NEXT trims what was handled and reads the next one.

# KEYS: lock, mailbox. ARGV: token, lease ms, batch size. {1, first batch} with the lease taken — or, when the
# mailbox is empty, already released again; {0, ms until the lease ends} if another drainer holds it.
ACQUIRE_SCRIPT = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0, redis.call('PTTL', KEYS[1])}
end
local items = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[3]) - 1)
if #items == 0 then redis.call('DEL', KEYS[1]) end
return {1, items}
"""

# KEYS: lock, mailbox. ARGV: token, handled count, lease ms, batch size. Trims the handled head and returns the
# next batch, extending the lease, or releases the lease when the mailbox is empty, atomically: an update
# appended meanwhile is either returned here or wakes a new drainer. False if the lease was lost: then the
# mailbox is left as it is, for whoever holds the lease now trims what it handled itself.
NEXT_SCRIPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
redis.call('LTRIM', KEYS[2], ARGV[2], -1)
local items = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[4]) - 1)
if #items == 0 then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return items
"""

# KEYS: queue, then (lock, mailbox) per candidate. ARGV: token, lease ms, how many updates at most, then each
# candidate's drain message. Takes a candidate — its message out of the queue, its lease, its first batch — only
# if no drainer holds it and its message is still waiting (not handed to a worker meanwhile); a candidate whose
# mailbox turned out empty is released at once (its message was redundant). Returns {index, batch, …}.
GATHER_SCRIPT = """
local budget, taken = tonumber(ARGV[3]), {}
for i = 4, #ARGV do
  if budget <= 0 then break end
  local lock, mailbox = KEYS[2 * (i - 3)], KEYS[2 * (i - 3) + 1]
  if redis.call('EXISTS', lock) == 0 and redis.call('LREM', KEYS[1], -1, ARGV[i]) == 1 then
    local items = redis.call('LRANGE', mailbox, 0, budget - 1)
    if #items > 0 then
      redis.call('SET', lock, ARGV[1], 'PX', ARGV[2])
      budget = budget - #items
      table.insert(taken, i - 3)
      table.insert(taken, items)
    end
  end
end
return taken
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
        self._consumers = tuple(consumers)
        self.script = load_script(connection, enqueue_script(self._consumers))

    def arguments(self, bot_id: int, update_id: int, conversation: str, packed: bytes) -> tuple[list, list]:
        """(KEYS, ARGV) of the enqueue script for one update."""
        seen_key, bit = bitmap_slot("aula:seen", bot_id, update_id)
        keys = [seen_key]
        for service in self._consumers:
            keys += (mailbox_key(service, conversation), queue_name(service))
        task_id = f"{bot_id}-{update_id}"  # unique per update; the script appends the service
        return keys, [bit, SEEN_TTL_SECONDS, packed, conversation, task_id]

    def enqueue(self, bot_id: int, update_id: int, conversation: str, packed: bytes) -> bool:
        """True if enqueued, False if this bot's update_id was enqueued before. Raises redis errors."""
        keys, args = self.arguments(bot_id, update_id, conversation, packed)
        return self.script(keys=keys, args=args) == 1


class LockBusy(Exception):
    """Another drainer holds the conversation; `retry_in` seconds until its lease would lapse."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"conversation busy, lease ends in {retry_in:.1f}s")
        self.retry_in = retry_in


class _Lease(threading.local):
    """The lease the current thread's drainer holds, so that a long batch can keep it (see renew_lease)."""

    renew: Callable[[], None] | None = None


_lease = _Lease()
RENEW_EVERY_SECONDS = 5.0


def renew_lease() -> None:
    """Extend the current drain lease if it is more than a few seconds old; a no-op outside a drain.

    A batch handler calls it between updates: a batch can outlast the lease when Telegram's flood limits
    make the handler wait, and a lapsed lease would let a second drainer start on the same conversation.
    """
    if _lease.renew is not None:
        _lease.renew()


class ConversationsFailed(Exception):
    """Some conversations of a drain could not be handled; the others were. `errors`: conversation → error.

    The failed ones are left as they were — mailbox untouched, lease released — for a retry; `handled` counts
    the updates of the others.
    """

    def __init__(self, errors: dict[str, Exception], handled: int) -> None:
        super().__init__(f"{len(errors)} conversation(s) not handled: {next(iter(errors.values()))!r}")
        self.errors = errors
        self.handled = handled


# A handler of conversations apart: takes {conversation: its updates in order} and returns the conversations it
# could not handle, each with its error, having handled all the others.
ConversationsHandler = Callable[[dict[str, list[Envelope]]], dict[str, Exception]]


class Drainer:
    """A worker's side: handle one conversation's mailbox in order, in batches, under a lease.

    With `gather` > 1, a drain whose conversation holds less than a batch also takes up to `gather` - 1 other
    conversations whose drain messages wait in the queue, and hands them to the handler as one batch (each
    conversation's updates in order, conversations one after another): under a backlog of quiet chats, one
    task and one handler call serve many of them. Their messages leave the queue as they are taken, so a
    worker lost mid-batch leaves them to the sweeper once their leases end, not to Celery's redelivery.

    The handler takes the batch as one list, and an error fails every conversation in it; or, with
    `by_conversation`, it is a ConversationsHandler: a conversation it reports failed is released untouched
    while the others are trimmed and drained on, and the drain ends with ConversationsFailed.
    """

    def __init__(
        self,
        connection: redis.Redis,
        service: str,
        handle_batch: Callable[[list[Envelope]], None] | ConversationsHandler,
        batch_size: int = 200,
        lease_ms: int = 30_000,
        gather: int = 1,
        by_conversation: bool = False,
    ) -> None:
        self._redis = connection
        self._service = service
        self._handle_batch = handle_batch
        self._by_conversation = by_conversation
        self._batch_size = batch_size
        self._lease_ms = lease_ms
        self._gather = gather
        self._drain_task = drain_task_name(service)
        self._acquire = load_script(connection, ACQUIRE_SCRIPT)
        self._next = load_script(connection, NEXT_SCRIPT)
        self._take = load_script(connection, GATHER_SCRIPT)
        self._extend = load_script(connection, EXTEND_SCRIPT)
        self._release = load_script(connection, RELEASE_SCRIPT)

    @contextlib.contextmanager
    def _leased(self, conversations: Iterable[str], token: str):
        locks = [lock_key(self._service, conversation) for conversation in conversations]
        renewed_at = time.monotonic()

        def renew() -> None:
            nonlocal renewed_at
            if time.monotonic() - renewed_at >= RENEW_EVERY_SECONDS:
                pipe = self._redis.pipeline(transaction=False)
                for lock in locks:
                    self._extend(keys=[lock], args=[token, self._lease_ms], client=pipe)
                pipe.execute()
                renewed_at = time.monotonic()

        _lease.renew = renew
        try:
            yield
        finally:
            _lease.renew = None

    def drain(self, conversation: str) -> int:
        """Handle everything in the mailbox; returns how many updates. Raises LockBusy if another drainer runs."""
        lock, mailbox = lock_key(self._service, conversation), mailbox_key(self._service, conversation)
        token = uuid.uuid4().hex
        acquired, items = self._acquire(keys=[lock, mailbox], args=[token, self._lease_ms, self._batch_size])
        if not acquired:
            if items == -2:  # released in between: try once more from the start
                return self.drain(conversation)
            raise LockBusy(max(items, 0) / 1000)
        batches = {conversation: items} if items else {}
        handled, failures = 0, {}
        try:
            if batches and self._gather > 1 and len(items) < self._batch_size:
                batches.update(self._gather_waiting(token, self._batch_size - len(items)))
            while batches:
                with self._leased(batches, token):
                    failed = self._handle(batches)
                for held in failed:  # left as they are for a retry; the others go on
                    self._release(keys=[lock_key(self._service, held)], args=[token])
                    del batches[held]
                failures.update(failed)
                handled += sum(len(batch) for batch in batches.values())
                batches = self._next_batches(token, batches)
        except BaseException:
            for held in batches:
                self._release(keys=[lock_key(self._service, held)], args=[token])
            raise
        if failures:
            raise ConversationsFailed(failures, handled)
        return handled

    def _handle(self, batches: dict[str, list[bytes]]) -> dict[str, Exception]:
        """Hand the batches to the handler; the conversations it could not handle, with their errors."""
        if not self._by_conversation:
            self._handle_batch([unpack(item) for batch in batches.values() for item in batch])
            return {}
        failed = self._handle_batch({held: [unpack(item) for item in batch] for held, batch in batches.items()})
        return {held: error for held, error in failed.items() if held in batches}

    def _next_batches(self, token: str, handled: dict[str, list[bytes]]) -> dict[str, list[bytes]]:
        """Trim what was handled from each mailbox, in one round trip; the next batch of those not empty yet."""
        pipe = self._redis.pipeline(transaction=False)
        for conversation, batch in handled.items():
            keys = [lock_key(self._service, conversation), mailbox_key(self._service, conversation)]
            # Only the gateway appends, at the tail: the head still holds exactly what we handled.
            self._next(keys=keys, args=[token, len(batch), self._lease_ms, self._batch_size], client=pipe)
        following = {}
        for conversation, items in zip(handled, pipe.execute(), strict=True):
            if items is None:
                log.warning("drain lease lost", extra={"service": self._service, "conversation": conversation})
            elif items:
                following[conversation] = items
        return following

    def _gather_waiting(self, token: str, budget: int) -> dict[str, list[bytes]]:
        """Take other conversations whose drain messages are next in the queue, up to `budget` updates."""
        queue = queue_name(self._service)
        waiting = self._redis.lrange(queue, -(self._gather - 1), -1)[::-1]  # the oldest, at the tail, first
        candidates = [(message, conversation) for message in waiting if (conversation := self._woken(message))]
        if not candidates:
            return {}
        keys = [queue]
        for _, conversation in candidates:
            keys += (lock_key(self._service, conversation), mailbox_key(self._service, conversation))
        args = [token, self._lease_ms, budget, *(message for message, _ in candidates)]
        taken = self._take(keys=keys, args=args)
        return {candidates[index - 1][1]: items for index, items in zip(taken[::2], taken[1::2], strict=True)}

    def _woken(self, message: bytes) -> str | None:
        """The conversation a message in the queue wakes, if it is one of our plain drain messages."""
        try:
            envelope = orjson.loads(message)
            if envelope["headers"]["task"] != self._drain_task or "body_encoding" in envelope["properties"]:
                return None
            conversation = orjson.loads(envelope["body"])[0][0]
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
            return None
        return conversation if type(conversation) is str else None


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
