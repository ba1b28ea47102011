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


def test_an_entry_telegram_cannot_parse_goes_as_plain_text_and_the_next_follow(migrated_pg, clean_tables, redis_client):
    with start_simulator() as sim:
        sim.client.add_bot(TOKEN, username="aula_log_bot")
        sim.client.add_chat(LOG_CHAT, "supergroup", title="Log", members=[{"user_id": BOT, "status": "administrator"}])
        settings = Settings.from_env({"DATABASE_URL": migrated_pg, "SECRET_KEY": "x", "TELEGRAM_API_URL": sim.url})
        save_bot(settings.database_url_for("platform"), BOT, "aula_log_bot", TOKEN)
        with session_scope(migrated_pg) as session:
            session.add(LogEntry(bot_id=BOT, text="🟡 #MODERATION_WARN <b>unclosed &amp; odd"))
            session.add(LogEntry(bot_id=BOT, text="🟡 #MODERATION_WARN <b>next</b>"))
        with session_scope(migrated_pg) as session:
            assert log_chat.flush(session, redis_client, BotClients(settings), LOG_CHAT) == 0
        assert unsent(migrated_pg) == []
        sent = [m["message"]["text"] for m in sim.client.messages(LOG_CHAT)]
        assert sent == ["🟡 #MODERATION_WARN unclosed & odd", "🟡 #MODERATION_WARN next"]
        refused = [c["status"] for c in sim.client.calls(method="sendMessage", chat_id=LOG_CHAT)]
        assert refused == [400, 200, 200]


def test_an_entry_of_a_bot_removed_since_is_sent_by_another_bot(migrated_pg, clean_tables, redis_client):
    removed_bot = 7000000042
    with start_simulator() as sim:
        sim.client.add_bot(TOKEN, username="aula_log_bot")
        sim.client.add_chat(LOG_CHAT, "supergroup", title="Log", members=[{"user_id": BOT, "status": "administrator"}])
        settings = Settings.from_env({"DATABASE_URL": migrated_pg, "SECRET_KEY": "x", "TELEGRAM_API_URL": sim.url})
        save_bot(settings.database_url_for("platform"), BOT, "aula_log_bot", TOKEN)
        with session_scope(migrated_pg) as session:
            session.add(LogEntry(bot_id=removed_bot, text="🔴 #MODERATION_BAN by a bot since removed"))
        with session_scope(migrated_pg) as session:
            assert log_chat.flush(session, redis_client, BotClients(settings), LOG_CHAT) == 0
        [call] = sim.client.calls(method="sendMessage", chat_id=LOG_CHAT)
        assert (call["bot_id"], call["status"]) == (BOT, 200)
