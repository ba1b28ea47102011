"""PTB's HTTP layer, keeping Telegram's own answer to a failed call.

PTB turns an error answer into an exception whose message it rewrites ("Bad Request: chat not found" becomes
"Chat not found") and, for 429 and migrated groups, drops the description and error code altogether. The client
wants Telegram's exact words in its Outcome, so this request class remembers the last error answer of the
current asyncio task in a context variable.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson
from telegram.request import HTTPXRequest


@dataclass(frozen=True)
class FailedAnswer:
    status: int
    body: dict[str, Any] | None
    method: str


last_failed_answer: ContextVar[FailedAnswer | None] = ContextVar("aula_telegram_last_failed_answer", default=None)


class AnswerKeepingRequest(HTTPXRequest):
    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(url, method, *args, **kwargs)
        if not 200 <= status <= 299:
            try:
                body = orjson.loads(payload)
            except orjson.JSONDecodeError:
                body = None
            endpoint = url.rsplit("/", 1)[-1]  # never the token: it sits in the segment before
            last_failed_answer.set(FailedAnswer(status, body if isinstance(body, dict) else None, endpoint))
        return status, payload
