"""How long a task waits before trying Telegram again: what a flood wait asks, else a growing pause."""

from aula_shared.telegram import FloodWait, TelegramUnavailable


def retry_delay(error: TelegramUnavailable, attempt: int) -> float:
    if isinstance(error, FloodWait) and error.retry_after:
        return error.retry_after + 0.5
    return min(60.0, 2.0**attempt)
