"""What one update tells the stats database: who, where, membership changes, and whether to count a message.

Collected per batch, so each table gets one multi-row statement per batch. A batch holds each conversation's
updates in order, but may hold several conversations (a drain gathers ready quiet chats into one batch), so a
user's facts keep the newest by time, not the last added. No message text is kept: a message only counts, and
only in a group — a private chat with the bot is no chat of the network (its id is the user's).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from telegram import Chat as TgChat
from telegram import ChatMember, Message, Update
from telegram import User as TgUser
from telegram.constants import MessageAttachmentType

# What makes a message "written by a user" besides text: PTB's Message.effective_attachment, by key.
_ATTACHMENTS = tuple(kind.value for kind in MessageAttachmentType)
# Keys of a message the plain reading understands: anything else (joins, leaves, migrations, new service
# messages Telegram may add) goes through python-telegram-bot.
_PLAIN_MESSAGE_KEYS = frozenset(
    {
        "message_id",
        "message_thread_id",
        "from",
        "sender_chat",
        "sender_boost_count",
        "sender_tag",
        "chat",
        "date",
        "edit_date",
        "text",
        "entities",
        "caption",
        "caption_entities",
        "reply_to_message",
        "external_reply",
        "quote",
        "reply_to_story",
        "forward_origin",
        "forward_from",
        "forward_from_chat",
        "forward_from_message_id",
        "forward_signature",
        "forward_sender_name",
        "forward_date",
        "is_automatic_forward",
        "is_topic_message",
        "has_protected_content",
        "has_media_spoiler",
        "show_caption_above_media",
        "author_signature",
        "media_group_id",
        "link_preview_options",
        "reply_markup",
        "via_bot",
        "effect_id",
        "new_chat_title",
        "pinned_message",
        *(kind.value for kind in MessageAttachmentType),
    }
)
_PRESENT = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER, ChatMember.RESTRICTED}


@dataclass
class Facts:
    users: dict[int, dict] = field(default_factory=dict)
    chats: dict[int, dict] = field(default_factory=dict)
    # (chat, user) -> (status or None for "seen, status unknown", when)
    memberships: dict[tuple[int, int], tuple[str | None, datetime]] = field(default_factory=dict)
    messages: Counter[tuple[date, int, int]] = field(default_factory=Counter)
    # user -> the distinct (first name, last name, username) seen in this batch, in order, with when
    profiles: dict[int, list[Profile]] = field(default_factory=dict)
    # Every status change in order, for joins and leaves: (chat, user, status, when)
    status_changes: list[tuple[int, int, str, datetime]] = field(default_factory=list)
    # (chat, bot) -> (status or None for "present, as it received an update", when)
    bots: dict[tuple[int, int], tuple[str | None, datetime]] = field(default_factory=dict)
    # old chat id -> new chat id, when a group was upgraded to a supergroup
    migrations: dict[int, int] = field(default_factory=dict)
    # users whose record in `users` comes from an update without a date of its own (see _replaces)
    _undated_users: set[int] = field(default_factory=set, init=False, repr=False)

    def add(self, update: Update, bot_id: int | None = None) -> None:
        moment = _date_of(update)
        when = moment or datetime.now().astimezone()
        for user in _users_in(update):
            self._user(user, when, undated=moment is None)
        chat = update.effective_chat
        if chat is not None and chat.type != TgChat.PRIVATE:
            self._chat(chat, when)
            if bot_id is not None:
                status, _ = self.bots.get((chat.id, bot_id), (None, when))
                self.bots[(chat.id, bot_id)] = (status, when)
            self._membership_changes(update, chat, when, bot_id)
        message = update.message
        # A private chat is no chat of the network: its id is the user's, and counting it would keep, as a chat's
        # totals, what a person said to the bot.
        if message and message.from_user and chat and chat.type != TgChat.PRIVATE and _written_by_a_user(message):
            self.messages[(message.date.date(), chat.id, message.from_user.id)] += 1
            self._seen_in(chat.id, message.from_user.id, when)

    def add_plain(self, payload: dict, bot_id: int | None = None) -> bool:
        """The common case — a message that changes no membership — read from the JSON as is.

        Decoding with python-telegram-bot costs ~90 µs an update, more than everything else stats does with it;
        this reaches the same facts (a test compares both on every fixture). False: not such an update, or
        not well-formed; decode it with `add`.
        """
        message = payload.get("message")
        if len(payload) != 2 or type(message) is not dict or not _PLAIN_MESSAGE_KEYS.issuperset(message.keys()):
            return False
        sender, chat, moment = message.get("from"), message.get("chat"), message.get("date")
        if type(sender) is not dict or type(chat) is not dict or type(moment) is not int:
            return False
        user_id, chat_id, kind = sender.get("id"), chat.get("id"), chat.get("type")
        if type(user_id) is not int or type(chat_id) is not int or type(kind) is not str:
            return False
        when = datetime.fromtimestamp(moment, UTC)
        self._record_user(
            user_id,
            when,
            bool(sender.get("is_bot")),
            sender.get("first_name") or "",
            sender.get("last_name"),
            sender.get("username"),
            sender.get("language_code"),
            sender.get("is_premium"),
        )
        if kind != TgChat.PRIVATE:
            self._record_chat(chat_id, when, kind, chat.get("title"), chat.get("username"))
            if bot_id is not None:
                status, _ = self.bots.get((chat_id, bot_id), (None, when))
                self.bots[(chat_id, bot_id)] = (status, when)
        if kind != TgChat.PRIVATE and (message.get("text") or any(message.get(key) for key in _ATTACHMENTS)):
            self.messages[(when.date(), chat_id, user_id)] += 1
            self._seen_in(chat_id, user_id, when)
        return True

    def _user(self, user: TgUser, when: datetime, undated: bool) -> None:
        self._record_user(
            user.id,
            when,
            user.is_bot,
            user.first_name or "",
            user.last_name,
            user.username,
            user.language_code,
            user.is_premium,
            undated,
        )

    def _record_user(
        self,
        user_id: int,
        when: datetime,
        is_bot: bool,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        is_premium: bool | None,
        undated: bool = False,
    ) -> None:
        profile = Profile(when, first_name, last_name, username)
        seen = self.profiles.setdefault(user_id, [])
        # Equal names later in time add nothing; anything else is sorted out when the change log is merged.
        if not seen or not seen[-1].same_names(profile) or when < seen[-1].seen_at:
            seen.append(profile)
        known = self.users.get(user_id)
        if known is not None and not self._replaces(known, when, undated):
            known["first_seen"] = min(known["first_seen"], when)
            return
        if undated:
            self._undated_users.add(user_id)
        else:
            self._undated_users.discard(user_id)
        self.users[user_id] = {
            "id": user_id,
            "is_bot": is_bot,
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "is_premium": is_premium,
            "first_seen": when if known is None else min(known["first_seen"], when),
            "last_seen": when,
        }

    def _replaces(self, known: dict, when: datetime, undated: bool) -> bool:
        """Whether a sighting of a user replaces the one the batch holds: the later in time does.

        An update with no date of its own (an inline query) is dated "now", the time it is handled; it only
        replaces another such one, and any dated sighting replaces it — as when updates were handled in order.
        """
        if known["id"] in self._undated_users:
            return True
        return not undated and when >= known["last_seen"]

    def _chat(self, chat: TgChat, when: datetime) -> None:
        self._record_chat(chat.id, when, chat.type, chat.title, chat.username)

    def _record_chat(self, chat_id: int, when: datetime, kind: str, title: str | None, username: str | None) -> None:
        known = self.chats.get(chat_id)
        if known is not None and known["last_seen"] > when:
            return
        self.chats[chat_id] = {
            "id": chat_id,
            "type": kind,
            "title": title,
            "username": username,
            "first_seen": when if known is None else known["first_seen"],
            "last_seen": when,
        }

    def _status(self, chat_id: int, user_id: int, status: str, when: datetime) -> None:
        self.memberships[(chat_id, user_id)] = (status, when)
        self.status_changes.append((chat_id, user_id, status, when))

    def _seen_in(self, chat_id: int, user_id: int, when: datetime) -> None:
        status, _ = self.memberships.get((chat_id, user_id), (None, when))
        self.memberships[(chat_id, user_id)] = (status, when)

    def _membership_changes(self, update: Update, chat: TgChat, when: datetime, bot_id: int | None) -> None:
        change = update.chat_member or update.my_chat_member
        if change is not None:
            member = change.new_chat_member
            self._status(chat.id, member.user.id, member.status, when)
            if member.user.id == bot_id:
                self.bots[(chat.id, bot_id)] = (member.status, when)
        message = update.message
        if message is None:
            return
        if message.migrate_to_chat_id:
            self.migrations[chat.id] = message.migrate_to_chat_id
        if message.migrate_from_chat_id:
            self.migrations[message.migrate_from_chat_id] = chat.id
        for user in message.new_chat_members or ():
            self._status(chat.id, user.id, ChatMember.MEMBER, when)
        if message.left_chat_member:
            self._status(chat.id, message.left_chat_member.id, ChatMember.LEFT, when)


@dataclass(frozen=True, slots=True)
class Profile:
    seen_at: datetime
    first_name: str
    last_name: str | None
    username: str | None

    def same_names(self, other: Profile) -> bool:
        return (self.first_name, self.last_name, self.username) == (other.first_name, other.last_name, other.username)


def _written_by_a_user(message: Message) -> bool:
    """Text or an attachment (media, sticker, poll, dice, location, contact …), not a service message.

    The same verdict as PTB's filters.StatusUpdate.ALL on every fixture, at a fraction of its cost (that filter
    runs ~50 sub-filters: a quarter of the stats worker's CPU per update).
    """
    return bool(message.text) or message.effective_attachment is not None


def _date_of(update: Update) -> datetime | None:
    item = update.effective_message or update.chat_member or update.my_chat_member or update.chat_join_request
    moment = getattr(item, "date", None)
    return moment if isinstance(moment, datetime) else None


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
