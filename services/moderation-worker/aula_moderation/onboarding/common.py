"""Small helpers every onboarding concern uses: who a sender is, languages, sending and deleting."""

from __future__ import annotations

import html
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from aula_moderation.people import records as people
from aula_moderation.roles import grants
from aula_shared.i18n import language_for

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{html.escape(name or str(user_id))}</a>'


def mention_of(user: Any) -> str:
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    return mention(user.id, name)


def real_sender(message: Any, bot_id: int) -> Any | None:
    """The person behind a message, or None for what onboarding never touches: anonymous admins (they speak as
    the group), channel posts and linked-channel forwards (777000), other bots and the bot itself."""
    if message is None or message.sender_chat is not None:
        return None
    user = message.from_user
    if not people.is_person(user) or user.is_bot or user.id == bot_id:
        return None
    return user


def language(context, user: Any) -> str:
    chat = context.managed_chat() if context.update.effective_chat.type != "private" else None
    return language_for(
        getattr(user, "language_code", None),
        chat.language if chat else None,
        context.services.settings.default_language,
    )


def is_staff_anywhere(session: Session, user_id: int) -> bool:
    """Staff and special users (any role) are trusted from the start, in every group."""
    return bool(grants.grants_of(session, user_id))


def is_staff_here(session: Session, user_id: int, chat_id: int) -> bool:
    return grants.powers(session, user_id, chat_id).is_staff
