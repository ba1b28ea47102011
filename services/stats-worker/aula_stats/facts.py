"""What one update tells the stats database: who, where, membership changes, and whether to count a message.

Collected per batch, newest last, so each table gets one multi-row statement per batch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from telegram import Chat as TgChat
from telegram import ChatMember, Message, Update
from telegram import User as TgUser

_PRESENT = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER, ChatMember.RESTRICTED}


@dataclass
class Facts:
    users: dict[int, dict] = field(default_factory=dict)
    chats: dict[int, dict] = field(default_factory=dict)
    # (chat, user) -> (status or None for "seen, status unknown", when)
    memberships: dict[tuple[int, int], tuple[str | None, datetime]] = field(default_factory=dict)
    messages: Counter[tuple[date, int, int]] = field(default_factory=Counter)

    def add(self, update: Update) -> None:
        when = _when(update)
        for user in _users_in(update):
            self._user(user, when)
        chat = update.effective_chat
        if chat is not None and chat.type != TgChat.PRIVATE:
            self._chat(chat, when)
            self._membership_changes(update, chat, when)
        message = update.message
        if message and message.from_user and chat and _written_by_a_user(message):
            self.messages[(message.date.date(), chat.id, message.from_user.id)] += 1
            if chat.type != TgChat.PRIVATE:
                self._seen_in(chat.id, message.from_user.id, when)

    def _user(self, user: TgUser, when: datetime) -> None:
        self.users[user.id] = {
            "id": user.id,
            "is_bot": user.is_bot,
            "first_name": user.first_name or "",
            "last_name": user.last_name,
            "username": user.username,
            "language_code": user.language_code,
            "is_premium": user.is_premium,
            "first_seen": when,
            "last_seen": when,
        }

    def _chat(self, chat: TgChat, when: datetime) -> None:
        self.chats[chat.id] = {
            "id": chat.id,
            "type": chat.type,
            "title": chat.title,
            "username": chat.username,
            "first_seen": when,
            "last_seen": when,
        }

    def _status(self, chat_id: int, user_id: int, status: str, when: datetime) -> None:
        self.memberships[(chat_id, user_id)] = (status, when)

    def _seen_in(self, chat_id: int, user_id: int, when: datetime) -> None:
        status, _ = self.memberships.get((chat_id, user_id), (None, when))
        self.memberships[(chat_id, user_id)] = (status, when)

    def _membership_changes(self, update: Update, chat: TgChat, when: datetime) -> None:
        change = update.chat_member or update.my_chat_member
        if change is not None:
            self._status(chat.id, change.new_chat_member.user.id, change.new_chat_member.status, when)
        message = update.message
        if message is None:
            return
        for user in message.new_chat_members or ():
            self._status(chat.id, user.id, ChatMember.MEMBER, when)
        if message.left_chat_member:
            self._status(chat.id, message.left_chat_member.id, ChatMember.LEFT, when)


def _written_by_a_user(message: Message) -> bool:
    """Text or an attachment (media, sticker, poll, dice, location, contact …), not a service message.

    The same verdict as PTB's filters.StatusUpdate.ALL on every fixture, at a fraction of its cost (that filter
    runs ~50 sub-filters: a quarter of the stats worker's CPU per update).
    """
    return bool(message.text) or message.effective_attachment is not None


def _when(update: Update) -> datetime:
    item = update.effective_message or update.chat_member or update.my_chat_member or update.chat_join_request
    moment = getattr(item, "date", None)
    return moment if isinstance(moment, datetime) else datetime.now().astimezone()


def _users_in(update: Update) -> list[TgUser]:
    users = []
    if update.effective_user:
        users.append(update.effective_user)
    message: Message | None = update.effective_message
    if message is not None:
        users += list(message.new_chat_members or ())
        if message.left_chat_member:
            users.append(message.left_chat_member)
    change = update.chat_member or update.my_chat_member
    if change is not None:
        users.append(change.new_chat_member.user)
    return users


def is_present(status: str) -> bool:
    return status in _PRESENT
