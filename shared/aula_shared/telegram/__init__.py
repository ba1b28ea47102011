"""Aula's Bot API client: PTB underneath, one flood budget shared by every worker through Redis.

- `BotClient` (client.py): synchronous façade for Celery tasks; `call(method, **params)` and `run(coroutine)`.
- `Outcome` (outcome.py): what a call returns, refusals (400/403/...) included; `TelegramUnavailable` and its
  subclass `FloodWait` are the only exceptions, both meaning "retry later".
- `RedisRateLimiter` (ratelimit.py): PTB `BaseRateLimiter` with Lua sliding windows and shared 429 pauses.
- `RateLimits` (limits.py): the budgets (per chat, per group, per bot) and the waiting/retry bounds.
"""

from aula_shared.telegram.client import AulaBot, BotClient
from aula_shared.telegram.limits import RateLimits, Window
from aula_shared.telegram.outcome import FloodWait, Outcome, TelegramUnavailable
from aula_shared.telegram.ratelimit import RedisRateLimiter, RetryOnlyLimiter

__all__ = [
    "AulaBot",
    "BotClient",
    "FloodWait",
    "Outcome",
    "RateLimits",
    "RedisRateLimiter",
    "RetryOnlyLimiter",
    "TelegramUnavailable",
    "Window",
]
