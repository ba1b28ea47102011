"""Who may be in the network's chats: senders and newcomers recorded and network bans enforced on sight, join
requests of blocked users declined, special users' roles applied when they join, bots added by non-staff
removed; and /broadcast in private with its buttons."""

from __future__ import annotations

import logging

from aula_moderation import chat_actions
from aula_moderation.network import broadcast
from aula_moderation.network import jobs as network
from aula_moderation.network.enforcement import enforce_block
from aula_moderation.network.models import WhitelistedBot
from aula_moderation.people import records as people
from aula_moderation.roles import grants, special
from aula_moderation.roles.handlers import alert_if_no_rights
from aula_moderation.updates import is_plain_message
from aula_shared.db import session_scope
from aula_shared.router import StopRouting

log = logging.getLogger(__name__)


def on_join_request(context) -> None:
    request = context.update.chat_join_request
    with session_scope(context.database_url) as session:
        people.upsert_user(session, request.from_user)
        blocked = network.active_block(session, request.from_user.id) is not None
    if blocked:
        chat = context.managed_chat()
        context.client.call("declineChatJoinRequest", chat_id=chat.id, user_id=request.from_user.id)
        enforce_block(context, request.from_user.id)
        raise StopRouting


def on_private_broadcast(context) -> None:
    broadcast.on_command(context)
    raise StopRouting  # the command is not a private message for anyone else to answer


def on_broadcast_button(context) -> None:
    broadcast.on_button(context)
    raise StopRouting


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
        chat_actions.delete(context.client, chat.id, message.message_id)
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


def on_bots_added(context) -> None:
    """Bots added by someone who is not staff here are removed, unless whitelisted (/whitelistbot)."""
    message = context.update.effective_message
    chat = context.managed_chat()
    adder = message.from_user
    with session_scope(context.database_url) as session:
        adder_is_staff = adder is not None and grants.powers(session, adder.id, chat.id).is_staff
        whitelisted = {row.username for row in session.query(WhitelistedBot)}
    for member in message.new_chat_members:
        if not member.is_bot or member.id == context.bot_id or adder_is_staff:
            continue
        if (member.username or "").lower() in whitelisted:
            continue
        outcome = context.client.call("banChatMember", chat_id=chat.id, user_id=member.id)
        log.info(
            "removed a bot added by non-staff", extra={"chat_id": chat.id, "bot": member.username, "ok": bool(outcome)}
        )
