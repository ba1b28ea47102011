"""Pacing for bulk work (network-ban jobs, broadcasts): at most `per_second` calls per bot, across processes.

Telegram documents ~30 messages/s per bot and no figure for moderation calls, but answers a burst of hundreds
of bans with a bot-wide flood wait that would stall every group's moderation. Bulk jobs therefore keep to the
per-bot rate: each call reserves the next free slot (spaced 1/per_second apart) in one Redis script, using
Redis's clock so that processes on different hosts agree, and sleeps until its slot.
"""

from __future__ import annotations

import time

import redis

_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, free)
redis.call('SET', KEYS[1], tostring(slot + tonumber(ARGV[1])), 'PX', 60000)
return tostring(slot - now)
"""

PER_SECOND = 30


class Pacer:
    def __init__(self, connection: redis.Redis, per_second: float = PER_SECOND) -> None:
        self._reserve = connection.register_script(_RESERVE)
        self._interval_ms = 1000.0 / per_second

    def __call__(self, bot_id: int) -> None:
        """Wait for this bot's next bulk slot."""
        wait_ms = float(self._reserve(keys=[f"aula:moderation:pace:{bot_id}"], args=[self._interval_ms]))
        if wait_ms > 0:
            time.sleep(wait_ms / 1000)
