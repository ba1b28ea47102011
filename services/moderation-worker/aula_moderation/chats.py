"""Managed chats: put under management, looked up by the handlers, moved when Telegram migrates a group."""

from __future__ import annotations

from datetime import UTC, datetime

from aula_moderation.models import ManagedChat
from aula_shared.db import insert_for, session_scope


def manage(database_url: str, chat_id: int, bot_id: int, title: str | None, language: str) -> bool:
    """Put a chat under management; True if it was not before."""
    with session_scope(database_url) as session:
        chat = session.get(ManagedChat, chat_id)
        created = chat is None or not chat.managed
        if chat is None:
            chat = ManagedChat(id=chat_id, settings={})
            session.add(chat)
        chat.bot_id, chat.language, chat.managed = bot_id, language, True
        if title:
            chat.title = title
        return created


def find(database_url: str, chat_id: int) -> ManagedChat | None:
    with session_scope(database_url) as session:
        return session.get(ManagedChat, chat_id)


def migrate(database_url: str, old_id: int, new_id: int) -> bool:
    """Carry a group's record over to its supergroup id (Telegram's migrate_to_chat_id); idempotent."""
    with session_scope(database_url) as session:
        old = session.get(ManagedChat, old_id)
        if old is None or old.migrated_to == new_id:
            return False
        new = session.get(ManagedChat, new_id)
        if new is None:
            new = ManagedChat(id=new_id, settings=dict(old.settings or {}))
            session.add(new)
        new.bot_id, new.title, new.language, new.managed = old.bot_id, old.title, old.language, old.managed
        old.migrated_to, old.managed = new_id, False
        return True


def is_managed(database_url: str, chat_id: int) -> bool:
    chat = find(database_url, chat_id)
    return chat is not None and chat.managed


def claim_unmanaged_notice(database_url: str, chat_id: int, bot_id: int) -> bool:
    """True exactly once per unmanaged chat: whoever inserts the record sends the notice."""
    with session_scope(database_url) as session:
        statement = insert_for(session, ManagedChat).values(
            id=chat_id,
            bot_id=bot_id,
            managed=False,
            settings={},
            notice_sent_at=datetime.now(UTC),
            language="it",
            created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
        )
        inserted = session.execute(statement.on_conflict_do_nothing().returning(ManagedChat.id)).first()
        return inserted is not None
