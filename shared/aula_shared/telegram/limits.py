"""Telegram's flood limits as Aula budgets them, and which calls count against them.

Telegram documents "about one message per second" per chat (short bursts tolerated), "20 messages per minute"
per group and "about 30 messages per second" per bot across chats; it answers 429 with `retry_after` beyond
that (groupbots.md §4). Aula keeps each budget as a sliding window — at most `limit` calls in any `seconds` — and
adds `margin` seconds to every window so that the delay between taking a slot and Telegram seeing the request
never makes two calls look closer together to Telegram than they were to Aula.

Only calls that post or change a message count (send*, forward*, copy*, editMessage*; not sendChatAction).
Moderation calls (ban, restrict, delete...) are not throttled, but every call waits while a 429 pause is on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_NOT_SENDING = frozenset({"sendChatAction", "sendInvoice", "sendGift"})
_ALSO_SENDING = frozenset(
    {
        "forwardMessage",
        "forwardMessages",
        "copyMessage",
        "copyMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)


def counts_as_sending(method: str) -> bool:
    return method in _ALSO_SENDING or (method.startswith("send") and method not in _NOT_SENDING)


def is_group_chat(chat_id: int | str) -> bool:
    """Groups, supergroups and channels have negative ids; "@username" chats are always supergroups or channels."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return True
    return chat_id < 0


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


@dataclass(frozen=True)
class RateLimits:
    per_chat: Window | None = field(default_factory=lambda: Window(3, 3.0))
    per_group: Window | None = field(default_factory=lambda: Window(20, 60.0))
    per_bot: Window | None = field(default_factory=lambda: Window(30, 1.0))
    margin: float = 0.15
    # The longest one call waits for a free slot or for a 429 pause to end before giving up with FloodWait,
    # so that a Celery task is retried later instead of holding a worker.
    max_wait: float = 20.0
    # How many 429 answers one call retries (each after its retry_after) before giving up with FloodWait.
    max_retries: int = 2

    @classmethod
    def unlimited(cls) -> RateLimits:
        """No throttling; 429 answers are still honoured (pause, then retry)."""
        return cls(per_chat=None, per_group=None, per_bot=None)
