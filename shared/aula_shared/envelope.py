"""The update envelope: what travels from the gateway to the workers, and what routing reads from an update.

The gateway reads only two things from an update: `update_id` (dedupe) and the key of the conversation it
belongs to (ordering). Everything else stays raw bytes until a worker decodes it once with python-telegram-bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Update fields whose object carries a `chat`, or a message that does.
_CHAT_CARRIERS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
    "message_reaction",
    "message_reaction_count",
    "chat_boost",
    "removed_chat_boost",
)


class NotAnUpdate(ValueError):
    """The body is JSON but not a Telegram Update."""


def update_id_of(update: Any) -> int:
    if not isinstance(update, dict):
        raise NotAnUpdate("an Update is a JSON object")
    update_id = update.get("update_id")
    if type(update_id) is not int or update_id < 0:
        raise NotAnUpdate("an Update has a non-negative integer update_id")
    if len(update) < 2:
        raise NotAnUpdate("an Update carries one object besides update_id")
    return update_id


def conversation_key(update: dict[str, Any]) -> str:
    """The key whose updates must be handled in order: the chat id, else the user's id, else "0".

    A user's id is also the id of their private chat with the bot, so an inline query or a button pressed
    under an inline message falls in the same conversation as that user's private messages.
    """
    for field in _CHAT_CARRIERS:
        item = update.get(field)
        if isinstance(item, dict):
            chat = item.get("chat")
            if isinstance(chat, dict) and "id" in chat:
                return str(chat["id"])
    for item in update.values():
        if not isinstance(item, dict):
            continue
        message = item.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            return str(message["chat"].get("id", 0))
        user = item.get("from") or item.get("user")
        if isinstance(user, dict) and "id" in user:
            return str(user["id"])
    return "0"


@dataclass(frozen=True, slots=True)
class Envelope:
    """One update as a worker receives it."""

    bot_id: int
    raw: bytes

    def pack(self) -> bytes:
        return pack(self.bot_id, self.raw)


def pack(bot_id: int, raw: bytes) -> bytes:
    return b"%d\n%s" % (bot_id, raw)


def unpack(item: bytes) -> Envelope:
    head, _, raw = item.partition(b"\n")
    return Envelope(int(head), raw)
