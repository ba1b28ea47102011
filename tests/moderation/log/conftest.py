"""A log chat in the simulator, one registered bot, and the worker's clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from aula_shared.platform.clients import BotClients
from aula_shared.platform.registry import save_bot
from aula_shared.settings import Settings
from aula_tgsim.testing import SimClient, start_simulator

TOKEN = "7000000041:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT = 7000000041
LOG_CHAT = -1009000000041


@dataclass
class LogChat:
    tg: SimClient
    clients: BotClients
    chat_id: int = LOG_CHAT
    bot_id: int = BOT

    def texts(self) -> list[str]:
        return [m["message"]["text"] for m in self.tg.messages(self.chat_id)]

    def statuses(self) -> list[int]:
        return [c["status"] for c in self.tg.calls(method="sendMessage", chat_id=self.chat_id)]


@pytest.fixture
def log_chat_world(migrated_pg, clean_tables) -> Iterator[LogChat]:
    """The bot is an administrator of the log chat (a test may take it out: `tg.set_member`)."""
    with start_simulator() as sim:
        sim.client.add_bot(TOKEN, username="aula_log_bot")
        sim.client.add_chat(LOG_CHAT, "supergroup", title="Log", members=[{"user_id": BOT, "status": "administrator"}])
        settings = Settings.from_env({"DATABASE_URL": migrated_pg, "SECRET_KEY": "x", "TELEGRAM_API_URL": sim.url})
        save_bot(settings.database_url_for("platform"), BOT, "aula_log_bot", TOKEN)
        yield LogChat(sim.client, BotClients(settings))
