"""The simulator: state, flood control, faults, the call log and update delivery behind one lock.

`Simulator.call(token, method, params)` answers one Bot API request exactly as Telegram would (status code and
JSON body); the HTTP layer (server.py) only parses and serialises. Every answer is recorded in `calls`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge

from aula_tgsim import methods
from aula_tgsim.calllog import CallLog
from aula_tgsim.config import SimConfig
from aula_tgsim.context import Context, Reply
from aula_tgsim.errors import ApiError, not_found, too_many_requests, unauthorized
from aula_tgsim.faults import Faults
from aula_tgsim.params import Params
from aula_tgsim.ratelimit import SendLimiter
from aula_tgsim.webhooks import Mailbox
from aula_tgsim.world import World

log = logging.getLogger(__name__)

# Telegram answers 404 (not 401) when the token is not even shaped like one.
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
DOWNLOAD = "download"  # a file download's name in the call log and for faults


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter("tgsim_api_calls", "Bot API calls answered", ["method", "status"], registry=self.registry)
        self.pending = Gauge("tgsim_pending_updates", "Updates waiting for delivery", registry=self.registry)


class Simulator:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self._initial_config = self.config.to_json()  # what reset() returns to
        self.lock = threading.RLock()
        self.world = World()
        self.calls = CallLog()
        self.faults = Faults()
        self.limiter = SendLimiter(self.config.rate_limits)
        self.metrics = Metrics()
        self._mailboxes: dict[int, Mailbox] = {}
        self.metrics.pending.set_function(self.pending_update_count)

    # -- updates --------------------------------------------------------------------------------------------

    def mailbox(self, bot_id: int) -> Mailbox:
        with self.lock:
            mailbox = self._mailboxes.get(bot_id)
            if mailbox is None:
                mailbox = self._mailboxes[bot_id] = Mailbox(bot_id, self.config.webhook, self.world.now)
            return mailbox

    def mailboxes(self) -> list[Mailbox]:
        with self.lock:
            return list(self._mailboxes.values())

    def pending_update_count(self) -> int:
        return sum(mailbox.info()["pending_update_count"] for mailbox in self.mailboxes())

    def wait_delivered(self, bot_id: int | None = None, timeout: float = 10.0) -> bool:
        """Block until every pending update (of one bot, or of all) was delivered or dropped."""
        deadline = time.monotonic() + timeout
        targets = [self.mailbox(bot_id)] if bot_id is not None else self.mailboxes()
        return all(mailbox.wait_idle(max(0.0, deadline - time.monotonic())) for mailbox in targets)

    # -- lifecycle ------------------------------------------------------------------------------------------

    def reset(self, config: dict[str, Any] | None = None) -> None:
        """Forget everything (state, log, faults, flood counters, webhooks); optionally start from new settings."""
        with self.lock:
            for mailbox in self._mailboxes.values():
                mailbox.stop()
            self._mailboxes.clear()
            self.config = SimConfig()
            self.config.update(self._initial_config)
            if config:
                self.config.update(config)
            self.world = World()
            self.calls.clear()
            self.faults.clear()
            self.limiter = SendLimiter(self.config.rate_limits)

    def close(self) -> None:
        with self.lock:
            mailboxes = list(self._mailboxes.values())
        for mailbox in mailboxes:
            mailbox.stop()

    # -- Bot API --------------------------------------------------------------------------------------------

    def call(self, token: str, method_name: str, values: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API request: (HTTP status, JSON body)."""
        arrived = time.time()
        bot_id = None
        name = "-"  # an unknown method keeps no name: metrics labels stay bounded
        try:
            with self.lock:
                if not TOKEN_SHAPE.fullmatch(token):
                    raise not_found()
                bot = self.world.bots_by_token.get(token)
                if bot is None:
                    raise unauthorized()
                bot_id = bot.id
                method = methods.lookup(method_name)
                if method is None:
                    raise not_found()
                name = method.name
                fault = self.faults.take(name, bot.id, values.get("chat_id"))
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)  # outside the lock: a slow answer must not stall other bots
                error = fault.error()
                if error is not None:
                    raise error
            with self.lock:
                status, body = 200, self._execute(bot, method, values)
        except ApiError as error:
            status, body = error.error_code, error.to_json()
        except Exception:
            log.exception("simulator failure", extra={"telegram_method": name})
            status, body = 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        self.calls.record(
            time=arrived,
            bot_id=bot_id,
            method=name if name != "-" else method_name,
            params=values,
            status=status,
            response=body,
            chat_id=values.get("chat_id"),
        )
        self.metrics.calls.labels(method=name, status=str(status)).inc()
        return status, body

    def download(self, token: str, file_path: str) -> tuple[int, bytes, str]:
        """`GET /file/bot<token>/<file_path>`: (HTTP status, body, content type) — the bytes, or Telegram's JSON.

        Logged and open to faults as the method `download` (params: `file_path`).
        """
        arrived = time.time()
        bot_id = None
        try:
            with self.lock:
                bot = self.world.bots_by_token.get(token) if TOKEN_SHAPE.fullmatch(token) else None
                if bot is None:
                    raise unauthorized() if TOKEN_SHAPE.fullmatch(token) else not_found()
                bot_id = bot.id
                fault = self.faults.take(DOWNLOAD, bot.id, None)
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                error = fault.error()
                if error is not None:
                    raise error
            with self.lock:
                stored = self.world.files_by_path.get(file_path)
            if stored is None:
                raise not_found()
            status, body, content_type = 200, stored.content, stored.content_type
            logged: dict[str, Any] = {"ok": True, "content_type": content_type, "size": len(body)}
        except ApiError as error:
            status, logged = error.error_code, error.to_json()
            body, content_type = orjson.dumps(logged), "application/json"
        self.calls.record(
            time=arrived,
            bot_id=bot_id,
            method=DOWNLOAD,
            params={"file_path": file_path},
            status=status,
            response=logged,
            chat_id=None,
        )
        self.metrics.calls.labels(method=DOWNLOAD, status=str(status)).inc()
        return status, body, content_type

    def _execute(self, bot, method: methods.Method, values: dict[str, Any]) -> dict[str, Any]:
        params = Params(values)
        limited_chat_id = None
        if method.sends and self.config.rate_limits.enabled and "chat_id" in params:
            chat = self.world.find_chat(params.chat_ref())
            if chat is not None:
                limited_chat_id = chat.id
                retry_after = self.limiter.retry_after(bot.id, chat.id)
                if retry_after is not None:
                    raise too_many_requests(retry_after)
        result = method.handler(Context(sim=self, bot=bot, params=params))
        if limited_chat_id is not None:
            self.limiter.record(bot.id, limited_chat_id)
        if isinstance(result, Reply):
            body = {"ok": True, "result": result.result}
            if result.description:
                body["description"] = result.description
            return body
        return {"ok": True, "result": result}
