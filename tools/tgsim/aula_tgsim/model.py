"""What the simulator remembers — users, bots, chats, members, messages — and how each looks as Bot API JSON.

Field sets and their order follow the payloads in /work/shared/telegram-fixtures (ChatMember objects from
getChatMember_*.json, chats from getChat_*.json and the updates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aula_shared.telegram.fields import CHAT_PERMISSIONS

# ChatMemberAdministrator rights, in the order Telegram sends them.
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_change_info",
    "can_delete_messages",
    "can_invite_users",
    "can_restrict_members",
    "can_pin_messages",
    "can_manage_topics",
    "can_promote_members",
    "can_manage_video_chats",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "is_anonymous",
    "can_manage_tags",  # Bot API 10: member tags (setChatMemberTag)
)
CHANNEL_ADMIN_RIGHTS = ("can_post_messages", "can_edit_messages")

PERMISSIONS = CHAT_PERMISSIONS  # in the order Telegram sends them
MEDIA_PERMISSIONS = (
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
)

# What a bot made administrator without explicit rights gets (as in getChatMember_administrator_bot_self.json).
DEFAULT_BOT_ADMIN_RIGHTS = {
    "can_manage_chat": True,
    "can_change_info": True,
    "can_delete_messages": True,
    "can_invite_users": True,
    "can_restrict_members": True,
    "can_pin_messages": True,
    "can_manage_topics": False,
    "can_promote_members": False,
    "can_manage_video_chats": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "is_anonymous": False,
    "can_manage_tags": False,
}

# A new supergroup's default permissions (as in getChat_supergroup_full_info.json).
DEFAULT_CHAT_PERMISSIONS = {
    name: name not in ("can_change_info", "can_pin_messages", "can_manage_topics", "can_edit_tag")
    for name in PERMISSIONS
}

PRESENT_STATUSES = ("creator", "administrator", "member")


@dataclass
class User:
    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data


@dataclass
class Bot:
    user: User
    token: str
    can_join_groups: bool = True
    # False = privacy mode: in groups where it is not an admin the bot sees only commands, mentions and replies.
    can_read_all_group_messages: bool = True
    supports_inline_queries: bool = False
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.user.id

    def get_me(self) -> dict[str, Any]:
        return {
            **self.user.to_json(),
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


@dataclass
class Member:
    user: User
    status: str  # creator administrator member restricted left kicked
    rights: dict[str, bool] = field(default_factory=dict)  # administrators
    permissions: dict[str, bool] = field(default_factory=dict)  # restricted
    until_date: int = 0  # restricted/kicked; 0 = forever
    custom_title: str | None = None
    promoted_by: int | None = None  # id of the bot that promoted this administrator
    is_member: bool = True  # restricted: still in the chat?

    @property
    def is_present(self) -> bool:
        """In the chat right now (sees and may receive messages)."""
        return self.status in PRESENT_STATUSES or (self.status == "restricted" and self.is_member)

    @property
    def is_admin(self) -> bool:
        return self.status in ("creator", "administrator")

    def has_right(self, right: str) -> bool:
        if self.status == "creator":
            return True
        return self.status == "administrator" and bool(self.rights.get(right))

    def to_json(self, viewer_bot_id: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"user": self.user.to_json(), "status": self.status}
        if self.status == "creator":
            data["is_anonymous"] = bool(self.rights.get("is_anonymous", False))
            if self.custom_title:
                data["custom_title"] = self.custom_title
        elif self.status == "administrator":
            data["can_be_edited"] = viewer_bot_id is not None and self.promoted_by == viewer_bot_id
            for right in ADMIN_RIGHTS:
                data[right] = bool(self.rights.get(right, False))
            for right in CHANNEL_ADMIN_RIGHTS:
                if right in self.rights:
                    data[right] = bool(self.rights[right])
            data["can_manage_voice_chats"] = data["can_manage_video_chats"]  # legacy duplicate Telegram still sends
            if self.custom_title:
                data["custom_title"] = self.custom_title
        elif self.status == "restricted":
            data["until_date"] = self.until_date
            data.update(permissions_json(self.permissions))
            data["is_member"] = self.is_member
        elif self.status == "kicked":
            data["until_date"] = self.until_date
        return data


def permissions_json(permissions: dict[str, bool]) -> dict[str, bool]:
    """ChatPermissions fields with the legacy `can_send_media_messages` Telegram keeps sending."""
    data = {"can_send_messages": bool(permissions.get("can_send_messages", False))}
    data["can_send_media_messages"] = all(permissions.get(name, False) for name in MEDIA_PERMISSIONS)
    for name in PERMISSIONS[1:]:
        data[name] = bool(permissions.get(name, False))
    return data


@dataclass
class Message:
    """A message as stored: its Bot API JSON plus what the simulator needs to judge later calls about it."""

    message_id: int
    chat_id: int
    sender_id: int
    date: int
    payload: dict[str, Any]
    deleted: bool = False
    service: bool = False
    thread_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return self.payload


@dataclass
class JoinRequest:
    user: User
    date: int
    bio: str | None = None
    invite_link: dict[str, Any] | None = None


@dataclass
class Chat:
    id: int
    type: str  # private group supergroup channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None  # private chats
    last_name: str | None = None
    description: str | None = None
    invite_link: str | None = None
    photo: dict[str, Any] | None = None
    permissions: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_CHAT_PERMISSIONS))
    is_forum: bool = False
    migrated_to: int | None = None
    slow_mode_delay: int = 0
    members: dict[int, Member] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    join_requests: dict[int, JoinRequest] = field(default_factory=dict)
    invite_links: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_group_like(self) -> bool:
        return self.type in ("group", "supergroup", "channel")

    @property
    def kind(self) -> str:
        """How Telegram names the chat in errors: "group", "supergroup", "channel" (or "private")."""
        return self.type

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def short_json(self) -> dict[str, Any]:
        """The Chat object inside messages and updates."""
        if self.type == "private":
            data: dict[str, Any] = {"id": self.id, "first_name": self.first_name or ""}
            if self.last_name:
                data["last_name"] = self.last_name
            if self.username:
                data["username"] = self.username
            data["type"] = "private"
            return data
        data = {"id": self.id, "title": self.title or ""}
        if self.username:
            data["username"] = self.username
        data["type"] = self.type
        if self.is_forum:
            data["is_forum"] = True
        return data

    def full_json(self) -> dict[str, Any]:
        """The ChatFullInfo of getChat."""
        data = self.short_json()
        if self.username:
            data["active_usernames"] = [self.username]
        if self.photo:
            data["photo"] = self.photo
        if self.description:
            data["description"] = self.description
        if self.invite_link and self.type != "private":
            data["invite_link"] = self.invite_link
        if self.type in ("group", "supergroup"):
            data["permissions"] = {name: value for name, value in permissions_json(self.permissions).items()}
        if self.slow_mode_delay:
            data["slow_mode_delay"] = self.slow_mode_delay
        data["accepted_gift_types"] = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        data["max_reaction_count"] = 11
        data["accent_color_id"] = self.id % 7
        return data
