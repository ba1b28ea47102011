"""The log chat never loses an entry: one the chat refuses (the bot removed from it, no rights) stays waiting, in
order with those after it, and goes out once the chat takes it. Real PostgreSQL, Redis and the simulator."""

from __future__ import annotations

from sqlalchemy import select

from aula_moderation.log import log_chat
from aula_moderation.log.models import LogEntry
from aula_shared.db import session_scope
from aula_shared.platform.clients import BotClients
from aula_shared.platform.registry import save_bot
from aula_shared.settings import Settings
from aula_tgsim.testing import start_simulator

TOKEN = "7000000041:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT = 7000000041
LOG_CHAT = -1009000000041


def unsent(db: str) -> list[str]:
    with session_scope(db) as session:
        return list(session.scalars(select(LogEntry.text).where(LogEntry.sent_at.is_(None)).order_by(LogEntry.id)))


def test_a_refused_entry_waits_and_is_sent_once_the_chat_takes_it(migrated_pg, clean_tables, redis_client):
    with start_simulator() as sim:
        sim.client.add_bot(TOKEN, username="aula_log_bot")
        sim.client.add_chat(LOG_CHAT, "supergroup", title="Log", members=[])  # the bot is not in it (yet)
        settings = Settings.from_env({"DATABASE_URL": migrated_pg, "SECRET_KEY": "x", "TELEGRAM_API_URL": sim.url})
        save_bot(settings.database_url_for("platform"), BOT, "aula_log_bot", TOKEN)
        clients = BotClients(settings)
        with session_scope(migrated_pg) as session:
            session.add_all([LogEntry(bot_id=BOT, text=f"🟡 #MODERATION_WARN n{n}") for n in range(3)])
        with session_scope(migrated_pg) as session:
            assert log_chat.flush(session, redis_client, clients, LOG_CHAT) == 3
        assert len(unsent(migrated_pg)) == 3  # refused: nothing marked sent
        sim.client.set_member(LOG_CHAT, BOT, "administrator")
        with session_scope(migrated_pg) as session:
            assert log_chat.flush(session, redis_client, clients, LOG_CHAT) == 0
        assert unsent(migrated_pg) == []
        sent = [m["message"]["text"] for m in sim.client.messages(LOG_CHAT)]
        assert sent == [f"🟡 #MODERATION_WARN n{n}" for n in range(3)]
