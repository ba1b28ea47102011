"""A flood limiter shared by every worker process: PTB's BaseRateLimiter on Redis.

Each budget of limits.py is a sliding-window log in a Redis sorted set (a member per call, scored by Redis's own
clock, so processes on different hosts agree). One Lua script checks every window that applies to a call and
takes a slot in all of them at once, or takes none and says how long to wait: no call ever holds one budget
while queueing for another.

A 429 answer, seen by any process, sets a pause key with the `retry_after` as its TTL — on the chat when the
call named one, else on the whole bot — and every process checks the pause keys before calling. Keys:

    aula:rl:<bot id>:bot                 per-bot window        aula:rl:<bot id>:pause         bot paused
    aula:rl:<bot id>:group:<chat id>     per-group window      aula:rl:<bot id>:pause:<chat>  chat paused
    aula:rl:<bot id>:chat:<chat id>      per-chat window

All keys expire on their own (window length or retry_after), so an idle bot leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio as aioredis
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from aula_shared.telegram.limits import RateLimits, counts_as_sending, is_group_chat

log = logging.getLogger(__name__)

KEY_PREFIX = "aula:rl"
PAUSE_CUSHION_MS = 100  # like PTB's AIORateLimiter: a little past retry_after, so the retry is not early

# KEYS: pause keys (2), then window keys. ARGV: member, then (limit, window ms) per window key.
# Returns {wait ms, paused (1) or throttled (0)}; {0, 0} when a slot was taken in every window.
ACQUIRE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i = 1, 2 do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > wait then wait = ttl end
end
if wait > 0 then return {wait, 1} end
local windows = #KEYS - 2
for i = 1, windows do
  local key = KEYS[i + 2]
  local limit = tonumber(ARGV[2 * i])
  local span = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    local until_free = tonumber(oldest[2]) + span - now
    if until_free > wait then wait = until_free end
  end
end
if wait > 0 then return {wait, 0} end
for i = 1, windows do
  local key = KEYS[i + 2]
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]))
end
return {0, 0}
"""

# KEYS: the pause key. ARGV: pause ms. Only ever lengthens a pause.
PAUSE_SCRIPT = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
"""


def retry_after_seconds(error: RetryAfter) -> float:
    # PTB keeps the exact value as a timedelta; the public property warns about its coming type change.
    return error._retry_after.total_seconds()


@dataclass(frozen=True)
class CallScope:
    """The Redis keys one call touches."""

    pause_keys: tuple[str, str]
    window_keys: tuple[str, ...]
    window_args: tuple[int, ...]  # (limit, window ms) per window key

    @classmethod
    def of(cls, bot_id: int, method: str, chat_id: Any, limits: RateLimits) -> CallScope:
        base = f"{KEY_PREFIX}:{bot_id}"
        bot_pause = f"{base}:pause"
        chat_pause = f"{base}:pause:{chat_id}" if chat_id is not None else bot_pause
        windows: list[tuple[str, Any]] = []
        if counts_as_sending(method):
            windows.append((f"{base}:bot", limits.per_bot))
            if chat_id is not None:
                windows.append((f"{base}:chat:{chat_id}", limits.per_chat))
                if is_group_chat(chat_id):
                    windows.append((f"{base}:group:{chat_id}", limits.per_group))
        keys, args = [], []
        for key, window in windows:
            if window is not None:
                keys.append(key)
                args += [window.limit, math.ceil((window.seconds + limits.margin) * 1000)]
        return cls((bot_pause, chat_pause), tuple(keys), tuple(args))

    @property
    def pause_key(self) -> str:
        """Where a 429 for this call pauses: the chat if the call named one, else the bot."""
        return self.pause_keys[1]


class RedisRateLimiter(BaseRateLimiter[int]):
    """Throttles one bot's calls across every process sharing `redis_url`, and retries 429s (boundedly).

    `rate_limit_args` (PTB's per-call argument) overrides `limits.max_retries` for one call.
    """

    def __init__(self, redis_url: str, bot_id: int, limits: RateLimits | None = None) -> None:
        self.redis_url = redis_url
        self.bot_id = bot_id
        self.limits = limits or RateLimits()
        self._redis: aioredis.Redis | None = None
        self._acquire = None
        self._pause = None

    async def initialize(self) -> None:
        if self._redis is None:
            self._redis = aioredis.Redis.from_url(self.redis_url, socket_connect_timeout=5, socket_timeout=5)
            self._acquire = self._redis.register_script(ACQUIRE_SCRIPT)
            self._pause = self._redis.register_script(PAUSE_SCRIPT)

    async def shutdown(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        await self.initialize()
        max_retries = self.limits.max_retries if rate_limit_args is None else int(rate_limit_args)
        scope = CallScope.of(self.bot_id, endpoint, data.get("chat_id"), self.limits)
        attempt = 0
        while True:
            await self._wait_for_slot(scope)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_after_seconds(error)
                await self._script("_pause", [scope.pause_key], [math.ceil(seconds * 1000) + PAUSE_CUSHION_MS])
                if attempt >= max_retries or seconds > self.limits.max_wait:
                    raise
                attempt += 1
                log.info(
                    "flood control: waiting before retrying",
                    extra={"bot_id": self.bot_id, "telegram_method": endpoint, "retry_after": seconds},
                )

    async def _script(self, name: str, keys: list, args: list):
        """Run one of the limiter's scripts; on a dead or silent connection, reconnect once and run it again.

        A connection can go stale behind our back (Redis restarted, a network blip, a socket left in a state
        only a new connection escapes): the scripts are safe to repeat — acquire takes a slot only if it can.
        """
        try:
            return await getattr(self, name)(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError):
            log.warning("rate limiter: Redis connection lost; reconnecting", extra={"bot_id": self.bot_id})
            self._redis = None  # abandoned, not closed: closing may block on the very socket that failed
            await self.initialize()
            return await getattr(self, name)(keys=keys, args=args)

    async def _wait_for_slot(self, scope: CallScope) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.max_wait
        while True:
            wait_ms, _paused = await self._script(
                "_acquire", [*scope.pause_keys, *scope.window_keys], [uuid.uuid4().hex, *scope.window_args]
            )
            if wait_ms <= 0:
                return
            wait = wait_ms / 1000
            if loop.time() + wait > deadline:
                # Waiting longer would hold a worker: report it like Telegram would, the caller retries later.
                raise RetryAfter(max(1, math.ceil(wait)))
            await asyncio.sleep(wait)


class RetryOnlyLimiter(BaseRateLimiter[int]):
    """Without Redis (one-off CLI calls): no throttling, 429s retried in-process after their retry_after."""

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits or RateLimits()

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        max_retries = self.limits.max_retries if rate_limit_args is None else int(rate_limit_args)
        for attempt in range(max_retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_after_seconds(error)
                if attempt >= max_retries or seconds > self.limits.max_wait:
                    raise
                await asyncio.sleep(seconds)
        raise AssertionError("unreachable")
