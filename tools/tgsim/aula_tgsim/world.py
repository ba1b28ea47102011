"""The simulated Telegram: who exists, which chats they are in, and who may do what where.

Time is a `Clock` that tests may move forward (restrictions expire, messages grow too old to delete) without
sleeping; rate limits use the real monotonic clock and are not affected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aula_tgsim import errors
from aula_tgsim.errors import ApiError, bad_request, forbidden
from aula_tgsim.files import StoredFile, chat_photo
from aula_tgsim.model import Bot, Chat, Member, Message, User

FOREVER_BELOW_SECONDS = 30  # until_date closer than this, or farther than 366 days, means "forever"
FOREVER_ABOVE_SECONDS = 366 * 24 * 3600
DELETE_WINDOW_SECONDS = 48 * 3600
CALLBACK_QUERY_LIFETIME_SECONDS = 15 * 60
APPLICANT_WINDOW_SECONDS = 5 * 60  # a bot may write first to a join-request applicant this long


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def now(self) -> int:
        return int(self.time())

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def effective_until(now: int, until_date: int | None) -> int:
    """Telegram's rule: less than 30 s or more than 366 days from now is forever (0)."""
    if not until_date:
        return 0
    remaining = until_date - now
    if remaining < FOREVER_BELOW_SECONDS or remaining > FOREVER_ABOVE_SECONDS:
        return 0
    return until_date


@dataclass
class CallbackQuery:
    id: str
    bot_id: int
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    date: int
    answer: dict[str, Any] | None = None


@dataclass
class World:
    clock: Clock = field(default_factory=Clock)
    users: dict[int, User] = field(default_factory=dict)
    bots: dict[int, Bot] = field(default_factory=dict)
    bots_by_token: dict[str, Bot] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    # (user id, bot id): the user has started / blocked the bot in private.
    started: set[tuple[int, int]] = field(default_factory=set)
    blocked: set[tuple[int, int]] = field(default_factory=set)
    callback_queries: dict[str, CallbackQuery] = field(default_factory=dict)
    next_callback_query: int = 4_000_000_000_000_000
    files: dict[str, StoredFile] = field(default_factory=dict)  # by file_id
    files_by_path: dict[str, StoredFile] = field(default_factory=dict)

    def now(self) -> int:
        return self.clock.now()

    # -- people and bots ------------------------------------------------------------------------------------

    def add_user(self, user: User) -> User:
        existing = self.users.get(user.id)
        if existing is not None and existing.is_bot and not user.is_bot:
            return existing  # a bot stays a bot
        self.users[user.id] = user
        return user

    def add_bot(self, bot: Bot) -> Bot:
        previous = self.bots.get(bot.id)
        if previous is not None:
            self.bots_by_token.pop(previous.token, None)
        self.bots[bot.id] = bot
        self.bots_by_token[bot.token] = bot
        self.users[bot.id] = bot.user
        return bot

    def user(self, user_id: int) -> User | None:
        return self.users.get(user_id)

    # -- chats ----------------------------------------------------------------------------------------------

    def add_chat(self, chat: Chat) -> Chat:
        self.chats[chat.id] = chat
        return chat

    def set_chat_photo(self, chat: Chat, spec: dict[str, Any] | None) -> dict[str, str] | None:
        """A new photo for the chat (None: no photo); its images stay downloadable, as Telegram's do."""
        if spec is None:
            chat.photo = None
            return None
        chat.photo, files = chat_photo(chat.id, spec)
        for stored in files:
            self.files[stored.file_id] = self.files_by_path[stored.file_path] = stored
        return chat.photo

    def find_chat(self, ref: int | str) -> Chat | None:
        if isinstance(ref, int):
            return self.chats.get(ref)
        username = ref.lstrip("@").lower()
        for chat in self.chats.values():
            if chat.username and chat.username.lower() == username:
                return chat
        return None

    def chat_for(self, ref: int | str) -> Chat:
        """The chat a method names, or the 400 Telegram answers (unknown, or a group since upgraded)."""
        chat = self.find_chat(ref)
        if chat is None and isinstance(ref, int) and ref in self.users:
            chat = self.private_chat(self.users[ref])  # every user has a private chat; access decides the rest
        if chat is None:
            raise bad_request(errors.CHAT_NOT_FOUND)
        if chat.migrated_to is not None:
            raise errors.group_upgraded(chat.migrated_to)
        return chat

    def private_chat(self, user: User) -> Chat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.add_chat(
                Chat(
                    id=user.id,
                    type="private",
                    first_name=user.first_name,
                    last_name=user.last_name,
                    username=user.username,
                )
            )
        return chat

    # -- membership -----------------------------------------------------------------------------------------

    def member(self, chat: Chat, user_id: int) -> Member | None:
        """The member record, after letting an expired restriction or ban lapse."""
        member = chat.members.get(user_id)
        expired = (
            member is not None
            and member.status in ("restricted", "kicked")
            and member.until_date
            and self.now() >= member.until_date
        )
        if expired:
            if member.status == "restricted":
                member.status = "member" if member.is_member else "left"
            else:
                member.status = "left"
            member.permissions = {}
            member.until_date = 0
        return member

    def member_or_left(self, chat: Chat, user: User) -> Member:
        member = self.member(chat, user.id)
        return member if member is not None else Member(user=user, status="left")

    def bots_present(self, chat: Chat) -> list[tuple[Bot, Member]]:
        present = []
        for bot in self.bots.values():
            member = self.member(chat, bot.id)
            if member is not None and member.is_present:
                present.append((bot, member))
        return present

    def require_access(self, chat: Chat, bot: Bot, *, sending: bool = False) -> Member | None:
        """The bot's own member record in a group, or the 403 Telegram answers when it is not in the chat."""
        if chat.type == "private":
            user = self.users.get(chat.id)
            if user is not None and user.is_bot:
                raise forbidden(errors.CANT_SEND_TO_BOTS)
            if sending and (chat.id, bot.id) in self.blocked:
                raise forbidden(errors.BOT_BLOCKED)
            if sending and (chat.id, bot.id) not in self.started and not self.may_contact_applicant(chat.id, bot):
                raise forbidden(errors.CANT_INITIATE)
            return None
        member = self.member(chat, bot.id)
        if member is not None and member.status == "kicked":
            raise errors.kicked_from(chat.kind)
        if member is None or not member.is_present:
            raise errors.not_a_member_of(chat.kind)
        return member

    def may_contact_applicant(self, user_id: int, bot: Bot) -> bool:
        """A bot may write first to someone who asked to join a chat it administers (with the right to approve):
        for APPLICANT_WINDOW_SECONDS and until the request is approved or declined (Bot API, ChatJoinRequest
        `user_chat_id`)."""
        now = self.now()
        for chat in self.chats.values():
            request = chat.join_requests.get(user_id)
            if request is None or now - request.date > APPLICANT_WINDOW_SECONDS:
                continue
            member = self.member(chat, bot.id)
            if member is not None and member.is_present and member.has_right("can_invite_users"):
                return True
        return False

    def require_right(self, chat: Chat, bot: Bot, right: str, error: ApiError) -> Member | None:
        member = self.require_access(chat, bot)
        if chat.type == "private":
            return None
        if member is None or not member.has_right(right):
            raise error
        return member

    def may_send_text(self, chat: Chat, bot_member: Member | None) -> bool:
        if chat.type == "private" or bot_member is None:
            return True
        if chat.type == "channel":
            return bot_member.status == "creator" or bool(bot_member.rights.get("can_post_messages"))
        if bot_member.is_admin:
            return True
        if bot_member.status == "restricted":
            return bool(bot_member.permissions.get("can_send_messages"))
        return bool(chat.permissions.get("can_send_messages", True))

    # -- messages -------------------------------------------------------------------------------------------

    def store_message(self, chat: Chat, sender_id: int, payload: dict[str, Any], *, service: bool = False) -> Message:
        message = Message(
            message_id=payload["message_id"],
            chat_id=chat.id,
            sender_id=sender_id,
            date=payload["date"],
            payload=payload,
            service=service,
            thread_id=payload.get("message_thread_id"),
        )
        chat.messages[message.message_id] = message
        return message

    def live_message(self, chat: Chat, message_id: int) -> Message | None:
        message = chat.messages.get(message_id)
        return None if message is None or message.deleted else message

    def new_callback_query_id(self) -> str:
        self.next_callback_query += 7919
        return str(self.next_callback_query)
