"""Managed chats: put under management, looked up by the handlers, moved when Telegram migrates a group."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import column, delete, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aula_moderation.chats.models import ChatScope, ManagedChat, OnboardingSettings
from aula_shared.db import insert_for, session_scope

# Other domains' records that follow a group to its supergroup id: named by table here, not imported, so that
# chats stays below the domains that build on it (memberships, cases, warnings all key on chat_id).
_MEMBERSHIPS = table("moderation_memberships", column("chat_id"), column("user_id"))
_WELCOME_TEMPLATES = table("moderation_welcome_templates", column("chat_id"), column("language"))
_FOLLOW_MIGRATION = (
    _MEMBERSHIPS,
    table("moderation_cases", column("chat_id")),
    table("moderation_warnings", column("chat_id")),
    # The group's own onboarding configuration besides its settings: its forbidden words and welcome texts.
    table("moderation_filter_rules", column("chat_id")),
    _WELCOME_TEMPLATES,
)


def manage(
    database_url: str,
    chat_id: int,
    bot_id: int,
    title: str | None,
    language: str,
    *,
    degrees: list[str] | None = None,
    departments: list[str] | None = None,
) -> bool:
    """Put a chat under management (with the degrees/departments it belongs to); True if it was not before."""
    with session_scope(database_url) as session:
        chat = session.get(ManagedChat, chat_id)
        created = chat is None or not chat.managed
        if chat is None:
            chat = ManagedChat(id=chat_id, settings={})
            session.add(chat)
        chat.bot_id, chat.language, chat.managed = bot_id, language, True
        if title:
            chat.title = title
        session.flush()
        set_scopes(session, chat_id, degrees, departments)
        return created


def set_scopes(session: Session, chat_id: int, degrees: list[str] | None, departments: list[str] | None) -> None:
    """Replace the chat's degree and/or department slugs (None leaves that kind as it is)."""
    for kind, slugs in (("degree", degrees), ("department", departments)):
        if slugs is None:
            continue
        session.execute(delete(ChatScope).where(ChatScope.chat_id == chat_id, ChatScope.kind == kind))
        for slug in sorted(set(slugs)):
            session.add(ChatScope(chat_id=chat_id, kind=kind, slug=slug))


def find(database_url: str, chat_id: int) -> ManagedChat | None:
    with session_scope(database_url) as session:
        return session.get(ManagedChat, chat_id)


def migrate(database_url: str, old_id: int, new_id: int) -> bool:
    """Carry a group's record over to its supergroup id (Telegram's migrate_to_chat_id); idempotent."""
    try:
        return _migrate(database_url, old_id, new_id)
    except IntegrityError:  # the other side of the migration created the new record meanwhile: look again
        return _migrate(database_url, old_id, new_id)


def _migrate(database_url: str, old_id: int, new_id: int) -> bool:
    with session_scope(database_url) as session:
        # Both sides of a migration (migrate_to in the old chat, migrate_from in the new) may run at once:
        # the lock on the old record makes the second wait, then find the work done.
        old = session.get(ManagedChat, old_id, with_for_update=True)
        if old is None or old.migrated_to == new_id:
            return False
        new = session.get(ManagedChat, new_id)
        if new is None:
            new = ManagedChat(id=new_id, settings=dict(old.settings or {}))
            session.add(new)
        new.bot_id, new.title, new.language, new.managed = old.bot_id, old.title, old.language, old.managed
        old.migrated_to, old.managed = new_id, False
        session.flush()
        # Its own onboarding settings (CAPTCHA, welcome, rules gate…) go with it, unless the new id has some.
        onboarding = session.get(OnboardingSettings, old_id)
        if onboarding is not None and session.get(OnboardingSettings, new_id) is None:
            session.add(OnboardingSettings(chat_id=new_id, config=dict(onboarding.config or {})))
        # Memberships, cases, warnings… move to the new id; a row the new id already has wins.
        taken = select(_MEMBERSHIPS.c.user_id).where(_MEMBERSHIPS.c.chat_id == new_id)
        session.execute(delete(_MEMBERSHIPS).where(_MEMBERSHIPS.c.chat_id == old_id, _MEMBERSHIPS.c.user_id.in_(taken)))
        languages = select(_WELCOME_TEMPLATES.c.language).where(_WELCOME_TEMPLATES.c.chat_id == new_id)
        session.execute(
            delete(_WELCOME_TEMPLATES).where(
                _WELCOME_TEMPLATES.c.chat_id == old_id, _WELCOME_TEMPLATES.c.language.in_(languages)
            )
        )
        for records in _FOLLOW_MIGRATION:
            session.execute(update(records).where(records.c.chat_id == old_id).values(chat_id=new_id))
        scopes = session.query(ChatScope).filter(ChatScope.chat_id == old_id).all()
        if scopes and not session.query(ChatScope).filter(ChatScope.chat_id == new_id).first():
            for scope in scopes:
                session.add(ChatScope(chat_id=new_id, kind=scope.kind, slug=scope.slug))
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


def any_managed_bot(session: Session) -> int | None:
    """A bot that manages some group: the voice of what no Telegram command started (a staff-admin action's log
    entry, the report of a job stored before jobs remembered their bot)."""
    statement = select(ManagedChat.bot_id).where(ManagedChat.managed.is_(True)).order_by(ManagedChat.id).limit(1)
    return session.scalars(statement).first()
