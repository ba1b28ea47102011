"""Telegram's flood control: which calls count as sending, and sliding windows per chat, per group and per bot.

Only calls that put a message in a chat (or change one: edits) count; moderation calls such as banChatMember or
deleteMessage do not — Telegram limits those far more loosely and Aula's limiter does not throttle them either.
A refused call (429 or any error) uses no budget.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque

from aula_tgsim.config import RateLimitConfig, Window


class _SlidingWindow:
    def __init__(self) -> None:
        self.stamps: deque[float] = deque()

    def wait(self, window: Window, now: float, count: int) -> float:
        """Seconds until `count` more messages fit; 0 when they fit now."""
        while self.stamps and self.stamps[0] <= now - window.seconds:
            self.stamps.popleft()
        excess = len(self.stamps) + count - window.limit
        if excess <= 0:
            return 0.0
        if excess > len(self.stamps):
            return window.seconds
        return self.stamps[excess - 1] + window.seconds - now

    def add(self, now: float, count: int) -> None:
        self.stamps.extend([now] * count)


class SendLimiter:
    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self._windows: dict[tuple, _SlidingWindow] = defaultdict(_SlidingWindow)

    def _scopes(self, bot_id: int, chat_id: int) -> list[tuple[tuple, Window]]:
        scopes = [(("chat", bot_id, chat_id), self.config.per_chat), (("bot", bot_id), self.config.per_bot)]
        if chat_id < 0:
            scopes.append((("group", bot_id, chat_id), self.config.per_group))
        return scopes

    def retry_after(self, bot_id: int, chat_id: int, count: int = 1, now: float | None = None) -> int | None:
        """None when `count` messages may go now, else Telegram's retry_after (whole seconds, at least 1)."""
        if not self.config.enabled:
            return None
        now = time.monotonic() if now is None else now
        wait = max(self._windows[key].wait(window, now, count) for key, window in self._scopes(bot_id, chat_id))
        return None if wait <= 0 else max(1, math.ceil(wait))

    def record(self, bot_id: int, chat_id: int, count: int = 1, now: float | None = None) -> None:
        if not self.config.enabled:
            return
        now = time.monotonic() if now is None else now
        for key, _window in self._scopes(bot_id, chat_id):
            self._windows[key].add(now, count)

    def reset(self) -> None:
        self._windows.clear()
