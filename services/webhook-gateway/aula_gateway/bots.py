"""The gateway's in-memory view of the bot registry: authentication without a database query.

The registry is loaded at start and reloaded whenever whatever changed it announces so through Redis
(aula_shared.platform.changes: a bot added, removed or re-secreted is known by every process within
milliseconds, before Telegram's first delivery). Two nets under a lost announcement: a reload every
REFRESH_SECONDS, and one (at most once a second, in the background) when a request names a bot this process
does not know — never a database query per request. Comparisons are constant-time.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable

from aula_shared.platform.registry import TOKEN_FORMAT, BotRecord

log = logging.getLogger(__name__)

REFRESH_SECONDS = 30.0
MISS_REFRESH_SECONDS = 1.0
_DUMMY = b"0" * 46  # compared against when the bot is unknown, so both paths cost the same


class BotCache:
    def __init__(self, load: Callable[[], list[BotRecord]], refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._load = load
        self._refresh_seconds = refresh_seconds
        self._bots: dict[int, BotRecord] = {}
        self._wake = threading.Event()
        self._last_load = 0.0
        self._lock = threading.Lock()
        self.reload()

    def reload(self) -> None:
        with self._lock:
            try:
                bots = self._load()
            except Exception:
                log.exception("could not load the bot registry; keeping the previous one")
                return
            self._bots = {bot.id: bot for bot in bots}
            self._last_load = time.monotonic()

    def start(self, follow_changes: Callable[[Callable[[], None]], None] | None = None) -> None:
        """Reload periodically and, given `follow_changes` (which calls back on every change), on each change."""
        threading.Thread(target=self._refresh_forever, name="bot-registry-refresh", daemon=True).start()
        if follow_changes is not None:
            threading.Thread(
                target=follow_changes, args=(self.reload,), name="bot-registry-changes", daemon=True
            ).start()

    def _refresh_forever(self) -> None:
        while True:
            self._wake.wait(self._refresh_seconds)
            self._wake.clear()
            if time.monotonic() - self._last_load >= MISS_REFRESH_SECONDS:
                self.reload()

    def _missed(self) -> None:
        self._wake.set()

    def by_token(self, token: str) -> int | None:
        """The bot id whose full token this is, or None."""
        match = TOKEN_FORMAT.match(token)
        bot = self._bots.get(int(match.group(1))) if match else None
        expected = bot.token.encode() if bot else _DUMMY
        if hmac.compare_digest(expected, token.encode()) and bot:
            return bot.id
        if bot is None:
            self._missed()
        return None

    def by_secret(self, bot_id: int, secret: str) -> int | None:
        """The bot id if `secret` is the webhook secret set for that bot, or None."""
        bot = self._bots.get(bot_id)
        expected = bot.webhook_secret.encode() if bot and bot.webhook_secret else _DUMMY
        if hmac.compare_digest(expected, secret.encode()) and bot and bot.webhook_secret:
            return bot.id
        if bot is None:
            self._missed()
        return None
