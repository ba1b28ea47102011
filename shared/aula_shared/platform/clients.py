"""A worker's Bot API clients: one per registered bot, made on first use with the token from the registry."""

from __future__ import annotations

import threading

from aula_shared.platform.registry import active_bots, find_bot
from aula_shared.settings import Settings
from aula_shared.telegram import BotClient


class UnknownBot(LookupError):
    """An update names a bot that is no longer registered (removed after the update was queued)."""


class BotClients:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._clients: dict[int, BotClient] = {}
        self._lock = threading.Lock()

    def for_bot(self, bot_id: int) -> BotClient:
        client = self._clients.get(bot_id)
        if client is None:
            with self._lock:
                client = self._clients.get(bot_id)
                if client is None:
                    bot = find_bot(self._settings.database_url_for("platform"), bot_id)
                    if bot is None:
                        raise UnknownBot(f"bot {bot_id} is not registered")
                    client = self._clients[bot_id] = BotClient.from_settings(bot.token, self._settings)
        return client

    def any_bot(self) -> BotClient | None:
        """A client of some registered bot (the lowest id, so always the same one) for a chat every Aula bot is
        in, such as the log chat; None when no bot is registered."""
        bots = active_bots(self._settings.database_url_for("platform"))
        return self.for_bot(bots[0].id) if bots else None
