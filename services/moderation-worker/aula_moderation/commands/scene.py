"""One command being carried out: who issued it, where, with which powers, and the message it answers."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from aula_moderation.chats import settings as group_settings
from aula_moderation.chats.models import ManagedChat
from aula_moderation.commands.parser import Command
from aula_moderation.roles.powers import Powers
from aula_shared.telegram import BotClient


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or str(self.id)

    def mention(self) -> str:
        return f'<a href="tg://user?id={self.id}">{html.escape(self.name)}</a>'

    @classmethod
    def of(cls, user: Any) -> Person:
        return cls(user.id, user.first_name or "", user.last_name, user.username, user.language_code)


@dataclass
class Scene:
    """One command being carried out."""

    services: Any
    bot_id: int
    update_id: int
    client: BotClient
    chat: ManagedChat
    message: Any  # the command message (PTB Message)
    issuer: Person
    powers: Powers
    command: Command
    replied_deleted: bool = False  # a /cmd* or /del removed the replied message

    def setting(self, name: str) -> Any:
        """The chat's value of a setting: its own, else the network's, else the built-in default."""
        return group_settings.cached(self.services.database_url, self.chat.id)[name]

    @property
    def thread_id(self) -> int | None:
        return self.message.message_thread_id if self.message.is_topic_message else None


def real_reply(message: Any) -> Any:
    """The message replied to, unless the "reply" is only a forum topic's root (Telegram adds that to every
    message in a topic)."""
    replied = message.reply_to_message
    if replied is None:
        return None
    if replied.forum_topic_created is not None:
        return None
    if message.is_topic_message and replied.message_id == message.message_thread_id:
        return None
    return replied
