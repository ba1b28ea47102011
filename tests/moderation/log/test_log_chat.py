"""The log chat never loses an entry: one the chat refuses (the bot removed from it, no rights) stays waiting, in
order with those after it, and goes out once the chat takes it; one odd entry (markup Telegram cannot parse, a bot
removed since) never holds back the others. Real PostgreSQL, Redis and the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from aula_moderation import task_names
from aula_moderation.log import log_chat
from aula_moderation.log.models import LogEntry
from aula_moderation.worker import BEAT_SCHEDULE, create_app
from aula_shared.db import session_scope
from aula_shared.settings import Settings


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


def test_sent_entries_are_pruned_after_a_week_and_waiting_ones_never(migrated_pg, clean_tables, redis_url):
    now = datetime.now(UTC)
    with session_scope(migrated_pg) as session:
        session.add_all([
            LogEntry(bot_id=1, text="sent long ago", sent_at=now - log_chat.KEEP_SENT - timedelta(hours=1)),
            LogEntry(bot_id=1, text="sent yesterday", sent_at=now - timedelta(days=1)),
            LogEntry(bot_id=1, text="still waiting", created_at=now - timedelta(days=30)),
        ])  # fmt: skip
    # The beat's task, as the worker registers it.
    app = create_app(Settings(database_url=migrated_pg, redis_url=redis_url))
    [entry] = [e for e in BEAT_SCHEDULE.values() if e["task"] == task_names.PRUNE_LOG]
    assert app.tasks[entry["task"]].run() == 1
    with session_scope(migrated_pg) as session:
        assert sorted(session.scalars(select(LogEntry.text))) == ["sent yesterday", "still waiting"]
