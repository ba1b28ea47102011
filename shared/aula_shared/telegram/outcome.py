"""What a Bot API call comes back as.

Design: Telegram *refusing* a call (400 Bad Request, 403 Forbidden, 401/404, 409, a migrated group) is an
ordinary outcome of moderation — the user already left, the bot lost its rights, the message is gone — so it is
returned as an `Outcome` with `ok=False`, never raised; callers branch on it or log `outcome.log_fields()`.
Only what is worth retrying later raises, both as `TelegramUnavailable` (Celery: `autoretry_for`):
the network failed, a timeout, a 5xx or unreadable answer, or — `FloodWait`, a subclass — flood control still
in force after the bounded waiting and retries of the rate limiter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Outcome:
    ok: bool
    result: Any = None  # call(): the decoded JSON result; run(): what the PTB coroutine returned
    error_code: int | None = None
    description: str | None = None  # Telegram's own words, e.g. "Bad Request: message to delete not found"
    migrate_to_chat_id: int | None = None  # set when a group was upgraded: retry on this chat id
    method: str | None = None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def forbidden(self) -> bool:
        """403: the bot was kicked, blocked or is not in the chat."""
        return self.error_code == 403

    def log_fields(self) -> dict[str, Any]:
        return {
            "telegram_method": self.method,
            "error_code": self.error_code,
            "description": self.description,
            "migrate_to_chat_id": self.migrate_to_chat_id,
        }


class TelegramUnavailable(Exception):
    """Telegram could not be reached or could not answer (network, timeout, 5xx): try again later."""

    retry_after: float | None = None


class FloodWait(TelegramUnavailable):
    """Still rate limited after waiting as long as allowed: try again in `retry_after` seconds."""

    def __init__(self, retry_after: float, method: str | None = None) -> None:
        super().__init__(f"flood control: retry {method or 'the call'} in {retry_after:g} s")
        self.retry_after = retry_after
        self.method = method
