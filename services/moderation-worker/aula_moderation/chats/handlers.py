"""A chat's own events: a group migrating, an unmanaged chat told its id, joins and leaves cleaned up, and the
bot's own status in the chat."""

from __future__ import annotations

import html
import logging

from aula_moderation import chat_actions
from aula_moderation.chats import records as chats
from aula_moderation.chats import settings as group_settings
from aula_moderation.chats import texts
from aula_shared.i18n import language_for
from aula_shared.router import StopRouting

log = logging.getLogger(__name__)


def on_other_bot(context) -> None:
    """A managed chat's updates are handled through the bot bound to it (`aula groups add --bot`); another Aula bot
    in the same group receives them too, and leaves them alone."""
    record = context.chat_record()
    if record is not None and record.managed and record.bot_id != context.bot_id:
        raise StopRouting


def on_group_migrated(context) -> None:
    """Either side of a migration may arrive first (different chats drain in parallel): both carry it out."""
    message = context.update.effective_message
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat.id
    if chats.migrate(context.database_url, old, new):
        log.info("group migrated", extra={"chat_id": old, "to": new})


def on_unmanaged_chat(context) -> None:
    """A group nobody put under management: tell it its id once (so staff can add it), then ignore it."""
    if context.managed_chat() is not None:
        return
    chat = context.update.effective_chat
    told = context.chat_record() is not None  # an unmanaged record exists once the notice was claimed
    if (
        context.update.message is not None
        and not told
        and chats.claim_unmanaged_notice(context.database_url, chat.id, context.bot_id)
    ):
        user = context.update.effective_user
        language = language_for(user.language_code if user else None, None, context.services.settings.default_language)
        outcome = context.client.call(
            "sendMessage",
            chat_id=chat.id,
            text=texts.text("unmanaged_chat", language, chat_id=chat.id),
            parse_mode="HTML",
        )
        if not outcome:
            log.info("unmanaged-chat notice refused", extra=outcome.log_fields())
    raise StopRouting


def on_members_joined(context) -> None:
    """In a big enough group, the "X joined" message is deleted after a while."""
    message = context.update.effective_message
    chat = context.managed_chat()
    values = group_settings.cached(context.database_url, chat.id)
    count = context.client.call("getChatMemberCount", chat_id=chat.id)
    if count and int(count.result) >= values["clean_joins_min_members"]:
        delay = float(
            values["join_message_delay"] if values["join_message_delay"] is not None else values["notice_delay"]
        )
        chat_actions.delete_later(context.services, context.bot_id, chat.id, message.message_id, delay)


def on_member_left(context) -> None:
    message = context.update.effective_message
    chat_actions.delete(context.client, message.chat.id, message.message_id)


def on_my_chat_member(context) -> None:
    change = context.update.my_chat_member
    chat = context.managed_chat()
    staff_chat = context.services.settings.staff_chat_id
    new = change.new_chat_member
    lost = (
        new.status in ("left", "kicked")
        or (
            new.status == "administrator"
            and not (getattr(new, "can_restrict_members", False) and getattr(new, "can_delete_messages", False))
        )
        or new.status in ("member", "restricted")
    )
    if not lost or staff_chat is None:
        return
    text = texts.TEXTS.gettext(
        context.services.settings.default_language,  # the staff chat: the network's language
        "🤖 #BOT_STATUS_CHANGED in {title} (<code>{chat_id}</code>): {old} → {new}. Moderation there needs an admin "
        "bot that can delete messages and restrict members.",
        title=html.escape(chat.title or ""),
        chat_id=chat.id,
        old=change.old_chat_member.status,
        new=new.status,
    )
    outcome = context.client.call("sendMessage", chat_id=staff_chat, text=text, parse_mode="HTML")
    if not outcome:
        log.info("bot status alert refused", extra=outcome.log_fields())
