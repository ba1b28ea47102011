"""/claim: a special user asks for their roles in this chat; staff are told when the bot cannot apply them."""

from __future__ import annotations

from aula_moderation import chat_actions
from aula_moderation.people import records as people
from aula_moderation.roles import special
from aula_shared.db import session_scope


def on_claim(context) -> None:
    message = context.update.effective_message
    chat = context.managed_chat()
    chat_actions.delete(context.client, chat.id, message.message_id)
    if message.sender_chat is not None or not people.is_person(message.from_user):
        return
    with session_scope(context.database_url) as session:
        result = special.apply(session, context.client, chat.id, message.from_user.id, demote=False)
    alert_if_no_rights(context, result)


def alert_if_no_rights(context, result: str | None) -> None:
    if result == "no_rights":
        chat = context.managed_chat()
        staff_chat = context.services.settings.staff_chat_id
        special.alert_no_rights(
            context.services.redis,
            context.client,
            staff_chat,
            chat.id,
            chat.title,
            context.services.settings.default_language,
        )
