"""The log chat never loses an entry: one the chat refuses (the bot removed from it, no rights) stays waiting, in
order with those after it, and goes out once the chat takes it; one odd entry (markup Telegram cannot parse, a bot
removed since) never holds back the others. Real PostgreSQL, Redis and the simulator."""

from __future__ import annotations

from sqlalchemy import select

from aula_moderation.log import log_chat
from aula_moderation.log.models import LogEntry
from aula_shared.db import session_scope


def unsent(db: str) -> list[str]:
    with session_scope(db) as session:
        return list(session.scalars(select(LogEntry.text).where(LogEntry.sent_at.is_(None)).order_by(LogEntry.id)))


def queue(db: str, bot_id: int, *texts: str) -> None:
    with session_scope(db) as session:
        session.add_all([LogEntry(bot_id=bot_id, text=text) for text in texts])


def flush(db: str, redis_client, world) -> int:
    with session_scope(db) as session:
        return log_chat.flush(session, redis_client, world.clients, world.chat_id)


def test_a_refused_entry_waits_and_is_sent_once_the_chat_takes_it(migrated_pg, log_chat_world, redis_client):
    world = log_chat_world
    world.tg.set_member(world.chat_id, world.bot_id, "left")  # the bot was taken out of the log chat
    warnings = [f"🟡 #MODERATION_WARN n{n}" for n in range(3)]
    queue(migrated_pg, world.bot_id, *warnings)
    assert flush(migrated_pg, redis_client, world) == 3
    assert len(unsent(migrated_pg)) == 3  # refused: nothing marked sent
    world.tg.set_member(world.chat_id, world.bot_id, "administrator")
    assert flush(migrated_pg, redis_client, world) == 0
    assert unsent(migrated_pg) == []
    assert world.texts() == warnings


def test_an_entry_telegram_cannot_parse_goes_as_plain_text_and_the_next_follow(
    migrated_pg, log_chat_world, redis_client
):
    world = log_chat_world
    queue(migrated_pg, world.bot_id, "🟡 #MODERATION_WARN <b>unclosed &amp; odd", "🟡 #MODERATION_WARN <b>next</b>")
    assert flush(migrated_pg, redis_client, world) == 0
    assert unsent(migrated_pg) == []
    assert world.texts() == ["🟡 #MODERATION_WARN unclosed & odd", "🟡 #MODERATION_WARN next"]
    assert world.statuses() == [400, 200, 200]


def test_an_entry_of_a_bot_removed_since_is_sent_by_another_bot(migrated_pg, log_chat_world, redis_client):
    world = log_chat_world
    queue(migrated_pg, 7000000042, "🔴 #MODERATION_BAN by a bot since removed")
    assert flush(migrated_pg, redis_client, world) == 0
    [call] = world.tg.calls(method="sendMessage", chat_id=world.chat_id)
    assert (call["bot_id"], call["status"]) == (world.bot_id, 200)
