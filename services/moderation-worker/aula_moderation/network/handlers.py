"""Network-wide updates: join requests of blocked users declined, /broadcast in private and its buttons."""

from __future__ import annotations

from aula_moderation.network import broadcast
from aula_moderation.network import jobs as network
from aula_moderation.network.enforcement import enforce_block
from aula_moderation.people import records as people
from aula_shared.db import session_scope
from aula_shared.router import StopRouting


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
