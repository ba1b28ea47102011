"""Users and memberships follow messages and chat_member updates."""

from __future__ import annotations

from aula_moderation.commands import notices
from aula_moderation.network.enforcement import enforce_block
from aula_moderation.people import records as people
from aula_moderation.roles import grants, special
from aula_moderation.roles.handlers import alert_if_no_rights
from aula_moderation.updates import is_plain_message
from aula_shared.db import session_scope
from aula_shared.router import StopRouting


def on_message_sender(context) -> None:
    message = context.update.effective_message
    sender = message.from_user
    if message.sender_chat is not None or not people.is_person(sender):
        return  # anonymous admins, channels, Telegram's own forwards: nobody to track or ban
    if sender.is_bot:
        return
    chat = context.managed_chat()
    if context.batch is not None and is_plain_message(context.update):
        context.batch.seen_writing(chat.id, sender)  # written with the batch's other senders
    else:
        with session_scope(context.database_url) as session:
            people.upsert_user(session, sender)
            people.seen_writing(session, chat.id, sender.id)
    if enforce_block(context, sender.id):
        notices.delete_now(context.client, chat.id, message.message_id)
        raise StopRouting


def on_chat_member(context) -> None:
    change = context.update.chat_member
    user = change.new_chat_member.user
    if not people.is_person(user):
        return
    chat = context.managed_chat()
    new = change.new_chat_member
    until = getattr(new, "until_date", None)
    if until is not None and until.timestamp() <= 0:
        until = None
    with session_scope(context.database_url) as session:
        people.upsert_user(session, user)
        people.set_membership(session, chat.id, user.id, new.status, until)
    joined = new.status in ("member", "restricted") and change.old_chat_member.status in ("left", "kicked")
    if joined and not user.is_bot:
        if enforce_block(context, user.id):
            raise StopRouting
        result = None
        with session_scope(context.database_url) as session:
            if grants.powers(session, user.id, chat.id).rights:
                result = special.apply(session, context.client, chat.id, user.id, demote=False)
        alert_if_no_rights(context, result)
