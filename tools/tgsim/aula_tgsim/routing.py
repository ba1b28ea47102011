"""Which bots receive which update, as Telegram decides it.

- A message in a group goes to every bot in the group, except messages from bots (bots never see each other's
  messages). A bot in privacy mode that is not an admin sees only commands, mentions of it, replies to it and
  service messages.
- `chat_member` goes to the bots that administer the chat (and listed it in allowed_updates, see Mailbox);
  `my_chat_member` to the bot whose own status changed.
- `callback_query` goes to the bot that sent the message; `chat_join_request` to admins that can invite users.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from aula_tgsim.model import Bot, Chat, Member, Message, User

if TYPE_CHECKING:
    from aula_tgsim.simulator import Simulator


def _sees(bot: Bot, member: Member, message: Message) -> bool:
    if bot.can_read_all_group_messages or member.is_admin or message.service:
        return True
    payload = message.payload
    text = payload.get("text") or payload.get("caption") or ""
    if text.startswith("/") or (bot.user.username and f"@{bot.user.username}".lower() in text.lower()):
        return True
    replied = payload.get("reply_to_message") or {}
    return (replied.get("from") or {}).get("id") == bot.id


def route_message(
    sim: Simulator, chat: Chat, message: Message, sender: User, private_bot: Bot | None = None
) -> list[dict[str, Any]]:
    """Deliver a new message in `chat`; returns [{"bot_id", "update_id"}] for each bot that got it."""
    kind = "channel_post" if chat.type == "channel" else "message"
    if chat.type == "private":
        recipients = [private_bot] if private_bot is not None and not sender.is_bot else []
    else:
        recipients = [
            bot
            for bot, member in sim.world.bots_present(chat)
            if (message.service or not sender.is_bot) and _sees(bot, member, message)
        ]
    return _push_all(sim, recipients, kind, lambda _bot: message.payload)


def member_snapshot(sim: Simulator, chat: Chat, user: User) -> Member:
    """The member as it is now (a copy), to be the `old_chat_member` of the change about to happen."""
    return copy.deepcopy(sim.world.member_or_left(chat, user))


def route_member_change(
    sim: Simulator,
    chat: Chat,
    actor: User,
    old: Member,
    new: Member,
    invite_link: dict[str, Any] | None = None,
    via_join_request: bool = False,
) -> list[dict[str, Any]]:
    """Send `chat_member` to the chat's admin bots, and `my_chat_member` to the bot whose status changed."""
    if old.status == new.status and old.to_json() == new.to_json():
        return []
    date = sim.world.now()

    def payload_for(bot: Bot) -> dict[str, Any]:
        data: dict[str, Any] = {
            "chat": chat.short_json(),
            "from": actor.to_json(),
            "date": date,
            "old_chat_member": old.to_json(bot.id),
            "new_chat_member": new.to_json(bot.id),
        }
        if invite_link is not None:
            data["invite_link"] = invite_link
        if via_join_request:
            data["via_join_request"] = True
        return data

    target_bot = sim.world.bots.get(new.user.id)
    deliveries = []
    if target_bot is not None:
        deliveries += _push_all(sim, [target_bot], "my_chat_member", payload_for)
    admins = [bot for bot, member in sim.world.bots_present(chat) if member.is_admin and bot is not target_bot]
    deliveries += _push_all(sim, admins, "chat_member", payload_for)
    return deliveries


def route_to_admins(sim: Simulator, chat: Chat, right: str, kind: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    recipients = [bot for bot, member in sim.world.bots_present(chat) if member.has_right(right)]
    return _push_all(sim, recipients, kind, lambda _bot: payload)


def route_to_bot(sim: Simulator, bot: Bot, kind: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    return _push_all(sim, [bot], kind, lambda _bot: payload)


def _push_all(sim: Simulator, bots: list[Bot], kind: str, payload_for) -> list[dict[str, Any]]:
    deliveries = []
    for bot in bots:
        update_id = sim.mailbox(bot.id).push(kind, payload_for(bot))
        if update_id is not None:
            deliveries.append({"bot_id": bot.id, "update_id": update_id, "type": kind})
    return deliveries
