"""A service's batch handler for updates that need each update handled once, in order, by a Router.

Per update: skip it if this service already handled it (a redelivered batch after a crash), decode it once
with python-telegram-bot, route it, then mark it handled. An update whose handler fails is logged and kept in
the service's dead-letter list, so one bad update never blocks its conversation; infrastructure errors
(Redis, the database or Telegram unreachable, a flood wait longer than the client waits) propagate, and the
whole batch is tried again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson
import redis
from sqlalchemy.exc import OperationalError
from telegram import Update

from aula_shared.envelope import Envelope
from aula_shared.mailbox import bitmap_slot, renew_lease
from aula_shared.router import Router
from aula_shared.telegram import TelegramUnavailable
from aula_shared.updates import decode_update

log = logging.getLogger(__name__)

# Not the update's fault: the whole batch is tried again later (handled updates are skipped then).
INFRASTRUCTURE_ERRORS = (redis.ConnectionError, redis.TimeoutError, OperationalError, TelegramUnavailable)
DONE_TTL_SECONDS = 48 * 3600
DEAD_LETTER_LIMIT = 10_000


def dead_letter_key(service: str) -> str:
    return f"aula:dead:{service}"


def done_key(service: str, bot_id: int, update_id: int) -> tuple[str, int]:
    return bitmap_slot(f"aula:done:{service}", bot_id, update_id)


class UpdateDispatcher:
    def __init__(
        self,
        service: str,
        connection: redis.Redis,
        router: Router,
        make_context: Callable[[Envelope, Update], Any],
    ) -> None:
        self.service = service
        self._redis = connection
        self._router = router
        self._make_context = make_context

    def __call__(self, batch: list[Envelope]) -> None:
        payloads = [orjson.loads(envelope.raw) for envelope in batch]
        for envelope, payload, done in zip(batch, payloads, self._done_flags(batch, payloads), strict=True):
            if done:
                continue
            self._handle(envelope, payload)
            renew_lease()
            key, bit = done_key(self.service, envelope.bot_id, payload["update_id"])
            pipe = self._redis.pipeline(transaction=False)
            pipe.setbit(key, bit, 1)
            pipe.expire(key, DONE_TTL_SECONDS)
            pipe.execute()

    def _done_flags(self, batch: list[Envelope], payloads: list[dict]) -> list[bool]:
        pipe = self._redis.pipeline(transaction=False)
        for envelope, payload in zip(batch, payloads, strict=True):
            pipe.getbit(*done_key(self.service, envelope.bot_id, payload["update_id"]))
        return [bool(flag) for flag in pipe.execute()]

    def _handle(self, envelope: Envelope, payload: dict) -> None:
        try:
            update = decode_update(payload)
            self._router.route(update, self._make_context(envelope, update))
        except INFRASTRUCTURE_ERRORS:
            raise
        except Exception:
            log.exception("update handler failed", extra={"service": self.service, "bot_id": envelope.bot_id})
            pipe = self._redis.pipeline(transaction=False)
            pipe.lpush(dead_letter_key(self.service), envelope.pack())
            pipe.ltrim(dead_letter_key(self.service), 0, DEAD_LETTER_LIMIT - 1)
            pipe.execute()
