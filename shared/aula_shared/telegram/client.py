"""The Bot API client of every worker: synchronous, rate limited across processes, refusals as outcomes.

    client = BotClient.from_settings(token, settings)          # or BotClient(token, api_url, redis_url=...)
    outcome = client.call("banChatMember", chat_id=-100123, user_id=42, until_date=until)
    outcome = client.run(lambda bot: bot.send_message(chat_id, text, parse_mode="HTML"))
    if not outcome:
        log.info("telegram refused", extra=outcome.log_fields())

Celery tasks are synchronous, PTB is asyncio: each thread (each prefork worker process has one) gets a private
event loop, and each BotClient one PTB `ExtBot` per thread, both created on first use and recreated after a fork.
Calls go through `RedisRateLimiter` when a Redis URL is given (always, in the platform), else through
`RetryOnlyLimiter`. See outcome.py for what is returned and what is raised.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import redis
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import BaseRateLimiter, ExtBot

from aula_shared.settings import DEFAULT_TELEGRAM_API_URL, Settings
from aula_shared.telegram import redaction
from aula_shared.telegram.limits import RateLimits
from aula_shared.telegram.outcome import FloodWait, Outcome, TelegramUnavailable
from aula_shared.telegram.ratelimit import RedisRateLimiter, RetryOnlyLimiter, retry_after_seconds
from aula_shared.telegram.request import AnswerKeepingRequest, last_failed_answer

# Refusals PTB raises, and the status Telegram answered them with (used only if the answer was not kept).
_REFUSALS: dict[type[TelegramError], int] = {
    ChatMigrated: 400,
    BadRequest: 400,
    Forbidden: 403,
    InvalidToken: 401,
    EndPointNotFound: 404,
    Conflict: 409,
}


class AulaBot(ExtBot):
    """PTB's ExtBot, plus calling any method by its Bot API name with plain JSON parameters."""

    async def call_method(self, method: str, params: dict[str, Any]) -> Any:
        # `_post` is what every typed method ends in: defaults, rate limiter, request. (do_api_request would
        # do the same but warns for every method PTB also knows by name.)
        return await self._post(method, api_kwargs=params)


_thread_loops = threading.local()
# What a forked child inherits from its parent (the event loop, the sessions and their sockets) is kept here and
# never used or collected: collecting a transport in the child would close it through the inherited loop, whose
# epoll instance the child *shares* with the parent — unregistering the parent's Redis and HTTP sockets there,
# and leaving the parent waiting forever on replies it can no longer see.
_inherited_from_parent: list[object] = []


def _thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's private event loop (a new one in a forked child)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("BotClient is synchronous; in async code await the PTB bot's methods directly")
    loop = getattr(_thread_loops, "loop", None)
    if loop is None or loop.is_closed() or getattr(_thread_loops, "pid", None) != os.getpid():
        if loop is not None and getattr(_thread_loops, "pid", None) != os.getpid():
            _inherited_from_parent.append(loop)
        loop = asyncio.new_event_loop()
        _thread_loops.loop, _thread_loops.pid = loop, os.getpid()
    return loop


@dataclass
class _Session:
    """One thread's PTB bot and the resources it holds."""

    pid: int
    loop: asyncio.AbstractEventLoop
    bot: AulaBot
    request: AnswerKeepingRequest
    limiter: BaseRateLimiter

    async def open(self) -> None:
        await self.request.initialize()
        await self.limiter.initialize()

    async def close(self) -> None:
        await self.request.shutdown()
        await self.limiter.shutdown()


class BotClient:
    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_TELEGRAM_API_URL,
        *,
        redis_url: str | None = None,
        limits: RateLimits | None = None,
        timeout: float = 10.0,
    ) -> None:
        bot_id, colon, secret = token.partition(":")
        if not (bot_id.isdigit() and colon and secret):
            raise ValueError("not a bot token (expected <bot id>:<secret>)")  # never echo the value
        self.bot_id = int(bot_id)
        self._token = token
        self.api_url = api_url.rstrip("/")
        self.redis_url = redis_url
        self.limits = limits or RateLimits()
        self.timeout = timeout
        self._local = threading.local()
        redaction.install()

    @classmethod
    def from_settings(cls, token: str, settings: Settings, **options: Any) -> BotClient:
        return cls(token, settings.telegram_api_url, redis_url=settings.redis_url, **options)

    def __repr__(self) -> str:
        return f"BotClient(bot_id={self.bot_id}, api_url={self.api_url!r})"

    # -- calling --------------------------------------------------------------------------------------------

    def call(self, method: str, **params: Any) -> Outcome:
        """Any Bot API method by name, parameters as JSON values; `Outcome.result` is the decoded result."""
        return self._run(lambda bot: bot.call_method(method, params), method)

    def run(self, operation: Callable[[AulaBot], Awaitable[Any]]) -> Outcome:
        """A typed PTB call, e.g. `client.run(lambda bot: bot.ban_chat_member(chat_id, user_id))`.

        `Outcome.result` is what the coroutine returned (PTB objects). Make one Bot API call per operation:
        the Outcome of a refusal describes the last call that failed.
        """
        return self._run(operation, None)

    def close(self) -> None:
        """Release the calling thread's connections (other threads' are released when they exit)."""
        session = getattr(self._local, "session", None)
        self._local.session = None
        if session is not None and session.pid == os.getpid() and not session.loop.is_closed():
            session.loop.run_until_complete(session.close())

    def __enter__(self) -> BotClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------------------------

    def _session(self) -> _Session:
        loop = _thread_loop()
        session = getattr(self._local, "session", None)
        if session is not None and session.pid != os.getpid():
            _inherited_from_parent.append(session)
        if session is None or session.pid != os.getpid() or session.loop is not loop:
            request = AnswerKeepingRequest(
                connection_pool_size=8,
                read_timeout=self.timeout,
                write_timeout=self.timeout,
                connect_timeout=self.timeout,
                pool_timeout=self.timeout,
            )
            limiter: BaseRateLimiter = (
                RedisRateLimiter(self.redis_url, self.bot_id, self.limits)
                if self.redis_url
                else RetryOnlyLimiter(self.limits)
            )
            bot = AulaBot(
                self._token,
                base_url=f"{self.api_url}/bot",
                base_file_url=f"{self.api_url}/file/bot",
                request=request,
                get_updates_request=AnswerKeepingRequest(connection_pool_size=1),
                rate_limiter=limiter,
            )
            session = _Session(os.getpid(), loop, bot, request, limiter)
            loop.run_until_complete(session.open())
            self._local.session = session
        return session

    def _run(self, operation: Callable[[AulaBot], Awaitable[Any]], method: str | None) -> Outcome:
        session = self._session()
        return session.loop.run_until_complete(self._outcome(session.bot, operation, method))

    async def _outcome(
        self, bot: AulaBot, operation: Callable[[AulaBot], Awaitable[Any]], method: str | None
    ) -> Outcome:
        last_failed_answer.set(None)
        try:
            result = await operation(bot)
        except RetryAfter as error:
            raise FloodWait(retry_after_seconds(error), method or _failed_method()) from error
        except tuple(_REFUSALS) as error:
            return _refusal(error, method)
        except TelegramError as error:  # NetworkError and TimedOut (connection, timeout, 5xx), unreadable answers
            raise TelegramUnavailable(redaction.redact_tokens(f"{type(error).__name__}: {error}")) from error
        except redis.RedisError as error:
            raise TelegramUnavailable(f"rate limiter unavailable: {type(error).__name__}: {error}") from error
        return Outcome(ok=True, result=result, method=method)


def _failed_method() -> str | None:
    failed = last_failed_answer.get()
    return failed.method if failed is not None else None


def _refusal(error: TelegramError, method: str | None) -> Outcome:
    failed = last_failed_answer.get()
    body = failed.body if failed is not None and failed.body else {}
    fallback_code = next(code for kind, code in _REFUSALS.items() if isinstance(error, kind))
    return Outcome(
        ok=False,
        error_code=int(body.get("error_code") or (failed.status if failed else fallback_code)),
        description=body.get("description") or redaction.redact_tokens(error.message),
        migrate_to_chat_id=error.new_chat_id if isinstance(error, ChatMigrated) else None,
        method=method or _failed_method(),
    )
