"""Each bot's pending updates, and their delivery to its webhook the way Telegram delivers them.

One thread per bot with a webhook POSTs the oldest pending update, with the header
`X-Telegram-Bot-Api-Secret-Token` when a secret was set, and moves on only when the answer is 2xx: updates
arrive in order, one at a time. A failure (non-2xx, refused connection, timeout) is retried with exponential
backoff; after `max_attempts` the update is dropped, as Telegram eventually gives up. Without a webhook,
updates wait for getUpdates.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from http import HTTPStatus
from typing import Any

import httpx
import orjson

from aula_tgsim.config import WebhookConfig

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
# An empty allowed_updates means every type but these (Bot API, setWebhook).
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_PENDING = 100_000  # Telegram keeps updates for 24 h; a bound keeps a demo run from growing without end


def _describe_failure(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "Read timeout expired"
    if isinstance(error, httpx.ConnectError):
        return "Connection refused"
    return f"Failed to deliver: {type(error).__name__}"


class Mailbox:
    """One bot's updates: numbered, queued, and delivered to its webhook (or handed to getUpdates)."""

    def __init__(self, bot_id: int, config: WebhookConfig, clock_now) -> None:
        self.bot_id = bot_id
        self.config = config
        self._clock_now = clock_now
        self._cond = threading.Condition()
        self._pending: deque[dict[str, Any]] = deque()
        self._next_update_id = random.randint(100_000_000, 800_000_000)  # Telegram starts at a random id
        self._in_flight = False
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.url: str | None = None
        self.secret: str | None = None
        self.allowed_updates: list[str] | None = None
        self.max_connections = 40
        self.ip_address: str | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=1000)
        self.delivered_count = 0
        self.dropped_count = 0

    # -- producing ------------------------------------------------------------------------------------------

    def allows(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in OPT_IN_UPDATES
        return kind in self.allowed_updates

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update of `kind` (e.g. "message") unless the bot's allowed_updates exclude it."""
        with self._cond:
            if not self.allows(kind):
                return None
            update_id = self._next_update_id
            self._next_update_id += 1
            self._pending.append({"update_id": update_id, kind: payload})
            if len(self._pending) > MAX_PENDING:
                self._pending.popleft()
                self.dropped_count += 1
            self._cond.notify_all()
            return update_id

    # -- configuration (Bot API methods) ---------------------------------------------------------------------

    def set_webhook(
        self,
        url: str,
        secret: str | None,
        allowed_updates: list[str] | None,
        max_connections: int,
        ip_address: str | None,
        drop_pending: bool,
    ) -> None:
        with self._cond:
            self.url = url
            self.secret = secret
            if allowed_updates is not None:  # "If not specified, the previous setting will be used."
                self.allowed_updates = list(allowed_updates)
            self.max_connections = max_connections
            self.ip_address = ip_address
            self.last_error_date = None
            self.last_error_message = None
            if drop_pending:
                self._pending.clear()
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._deliver_forever, name=f"tgsim-webhook-{self.bot_id}")
                self._thread.daemon = True
                self._thread.start()
            self._cond.notify_all()

    def delete_webhook(self, drop_pending: bool) -> bool:
        with self._cond:
            had_webhook = self.url is not None
            self.url = None
            self.secret = None
            if drop_pending:
                self._pending.clear()
            self._cond.notify_all()
            return had_webhook

    def take_updates(self, offset: int | None, limit: int, allowed_updates: list[str] | None) -> list[dict[str, Any]]:
        """getUpdates: confirm everything below `offset`, then return up to `limit` pending updates."""
        with self._cond:
            if allowed_updates is not None:
                self.allowed_updates = list(allowed_updates)
            if offset is not None:
                while self._pending and self._pending[0]["update_id"] < offset:
                    self._pending.popleft()
            return list(self._pending)[:limit]

    def info(self) -> dict[str, Any]:
        with self._cond:
            data: dict[str, Any] = {
                "url": self.url or "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
            if self.url:
                data["max_connections"] = self.max_connections
                if self.ip_address:
                    data["ip_address"] = self.ip_address
            if self.allowed_updates:
                data["allowed_updates"] = list(self.allowed_updates)
            if self.last_error_date is not None:
                data["last_error_date"] = self.last_error_date
                data["last_error_message"] = self.last_error_message
            return data

    def state(self) -> dict[str, Any]:
        """For the control API: the webhook info plus what was delivered."""
        with self._cond:
            deliveries = list(self.deliveries)
            pending = [update["update_id"] for update in self._pending]
        return {
            **self.info(),
            "secret_token_set": self.secret is not None,
            "pending_update_ids": pending,
            "delivered_count": self.delivered_count,
            "dropped_count": self.dropped_count,
            "deliveries": deliveries,
        }

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is pending or in flight (True), or until `timeout` (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    # -- delivering -----------------------------------------------------------------------------------------

    def _deliver_forever(self) -> None:
        failures = 0
        with httpx.Client(timeout=self.config.timeout) as client:
            while True:
                with self._cond:
                    while not self._stopped and not (self.url and self._pending):
                        self._cond.wait()
                    if self._stopped:
                        return
                    update = self._pending[0]
                    url, secret = self.url, self.secret
                    self._in_flight = True
                status, error = self._post(client, url, secret, update)
                with self._cond:
                    self._in_flight = False
                    attempt = failures + 1
                    record = {
                        "update_id": update["update_id"],
                        "attempt": attempt,
                        "status": status,
                        "time": time.time(),
                    }
                    if error is None:
                        failures = 0
                        self.delivered_count += 1
                    else:
                        failures += 1
                        record["error"] = error
                        self.last_error_date = self._clock_now()
                        self.last_error_message = error
                    self.deliveries.append(record)
                    head_still_pending = bool(self._pending) and self._pending[0] is update
                    if head_still_pending and (error is None or failures >= self.config.max_attempts):
                        self._pending.popleft()
                        if error is not None:
                            self.dropped_count += 1
                            log.warning(
                                "webhook update dropped",
                                extra={"bot_id": self.bot_id, "update_id": update["update_id"]},
                            )
                            failures = 0
                    elif not head_still_pending:
                        failures = 0
                    self._cond.notify_all()
                    if error is not None and failures:
                        self._sleep_locked(self.config.backoff(failures))

    def _sleep_locked(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopped:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._cond.wait(remaining)

    def _post(
        self, client: httpx.Client, url: str, secret: str | None, update: dict[str, Any]
    ) -> tuple[int | None, str | None]:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers[SECRET_HEADER] = secret
        try:
            response = client.post(url, content=orjson.dumps(update), headers=headers, timeout=self.config.timeout)
        except httpx.HTTPError as error:
            return None, _describe_failure(error)
        if 200 <= response.status_code < 300:
            return response.status_code, None
        try:
            phrase = HTTPStatus(response.status_code).phrase
        except ValueError:
            phrase = "Unknown"
        return response.status_code, f"Wrong response from the webhook: {response.status_code} {phrase}"
