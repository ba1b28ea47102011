"""Small helpers every onboarding concern uses: who a sender is, languages, sending and deleting."""

from __future__ import annotations

import html
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from aula_moderation.people import records as people
from aula_moderation.roles import grants
from aula_moderation.timers import schedule as timers
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


def send(client, chat_id: int, text: str, buttons: list[list[dict]] | None = None, **extra: Any) -> int | None:
    params: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        **extra,
    }
    if buttons:
        params["reply_markup"] = {"inline_keyboard": buttons}
    outcome = client.call("sendMessage", **params)
    if not outcome:
        log.info("onboarding message refused", extra=outcome.log_fields())
        return None
    return outcome.result["message_id"]


def delete(client, chat_id: int | None, message_id: int | None) -> None:
    if chat_id is None or message_id is None:
        return
    outcome = client.call("deleteMessage", chat_id=chat_id, message_id=message_id)
    if not outcome:
        log.info("onboarding delete refused", extra=outcome.log_fields())


def delete_later(context, chat_id: int, message_id: int | None, seconds: float) -> None:
    """Through moderation's durable timers: a restart loses no deletion."""
    if message_id is None or seconds <= 0:
        return
    with _session(context) as session:
        timers.schedule(
            session,
            f"del:{chat_id}:{message_id}",
            "delete_message",
            now() + timedelta(seconds=seconds),
            bot_id=context.bot_id,
            chat_id=chat_id,
            message_id=message_id,
        )
    context.services.run_timers_in(seconds)


def _session(context):
    from aula_shared.db import session_scope

    return session_scope(context.database_url)


def answer(context, text: str | None = None, alert: bool = False) -> None:
    query = context.update.callback_query
    params: dict[str, Any] = {"callback_query_id": query.id}
    if text:
        params.update(text=text, show_alert=alert)
    outcome = context.client.call("answerCallbackQuery", **params)
    if not outcome:
        log.info("callback answer refused", extra=outcome.log_fields())


def button(text: str, data: str) -> dict:
    return {"text": text, "callback_data": data}


def url_button(text: str, url: str) -> dict:
    return {"text": text, "url": url}
