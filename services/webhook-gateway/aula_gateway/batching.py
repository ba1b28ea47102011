"""Group commit: the concurrent requests of one gateway process share their Redis round trips.

Each request still gets its own answer, and only after its own update is in Redis. What changes is that
while one thread waits on Redis, the requests that arrive meanwhile queue up, and the next round trip
carries all of them as one pipeline. At 50 concurrent connections that turns ~8 round trips into one;
a round trip (two system calls on each side) costs more CPU than the enqueue script itself.

Leader/follower, no extra thread: the thread that finds no flush under way becomes the leader, sends what
is pending, hands the results out, and passes leadership to the first thread still waiting, if any.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import redis

from aula_shared.mailbox import Enqueuer

MAX_BATCH = 64


@dataclass(slots=True)
class _Pending:
    keys: list
    args: list
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    result: object = None


class BatchingEnqueuer:
    def __init__(self, connection: redis.Redis, enqueuer: Enqueuer, max_batch: int = MAX_BATCH) -> None:
        self._redis = connection
        self._enqueuer = enqueuer
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._lock = threading.Lock()
        self._flushing = False

    def enqueue(self, bot_id: int, update_id: int, conversation: str, packed: bytes) -> bool:
        """As Enqueuer.enqueue: True if new, False if a duplicate; raises redis errors."""
        item = _Pending(*self._enqueuer.arguments(bot_id, update_id, conversation, packed))
        with self._lock:
            self._pending.append(item)
            leader = not self._flushing
            self._flushing = True
        if not leader:
            item.done.wait()
        if item.lead or leader:
            self._flush()
        if isinstance(item.result, Exception):
            raise item.result
        return item.result == 1

    def _flush(self) -> None:
        with self._lock:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
        try:
            results = self._execute(batch)
        except redis.RedisError as error:
            results = [error] * len(batch)
        with self._lock:
            successor = self._pending[0] if self._pending else None
            if successor is None:
                self._flushing = False
        for item, result in zip(batch, results, strict=True):
            item.result = result
            item.done.set()
        if successor is not None:
            successor.lead = True
            successor.done.set()

    def _execute(self, batch: list[_Pending]) -> list:
        script = self._enqueuer.script
        for attempt in range(2):
            pipe = self._redis.pipeline(transaction=False)
            for item in batch:
                pipe.evalsha(script.sha, len(item.keys), *item.keys, *item.args)
            results = pipe.execute(raise_on_error=False)
            if attempt == 0 and any(isinstance(r, redis.exceptions.NoScriptError) for r in results):
                # Redis restarted and forgot the script: load it and send the batch again (the script is
                # idempotent per update thanks to the seen bitmap, so re-sending a half-run batch is safe).
                script.sha = self._redis.script_load(script.script)
                continue
            return results
        return results
