"""Roles, their scopes and how several merge: pure functions over plain data (research §3.1.10).

- Scope. A chat linked to degrees or departments is reached by roles with `all_groups`, or naming one of its
  degrees or departments; a chat linked to none is an "extra group", reached only by `extra_groups` roles (as in
  the original: an all-groups super-admin has no power in extra groups unless extra_groups is set). A role may
  also name single chats.
- Defaults per role, then per-role overrides (an explicit False removes a default, an explicit True adds).
- Merge of several roles: commands and Telegram rights by OR; the custom title from the highest role in a fixed
  priority (the original took whichever came last from the database — a bug).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aula_moderation import command_registry as registry

ROLES = (  # title priority, highest first
    registry.SUPERADMIN,
    registry.ADMINISTRATOR,
    registry.MODERATOR,
    registry.PROFESSOR,
    registry.REPRESENTATIVE,
)

# The 8 Telegram administrator rights a role may carry (promoteChatMember parameters).
RIGHTS = (
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
)

# Each command says which roles may use it by default (commands.registry).
DEFAULT_COMMANDS: dict[str, frozenset[str]] = {role: registry.default_commands(role) for role in ROLES}
DEFAULT_RIGHTS: dict[str, frozenset[str]] = {
    "superadmin": frozenset(RIGHTS),
    "administrator": frozenset({"can_pin_messages", "can_change_info"}),
    "moderator": frozenset({"can_pin_messages", "can_manage_chat"}),
    "professor": frozenset({"can_pin_messages"}),
    "representative": frozenset({"can_pin_messages"}),
}
DEFAULT_TITLES = {
    "superadmin": "CdA Network",
    "administrator": "Amministratore",
    "moderator": "Moderatore",
    "professor": "Docente",
    "representative": "Rappresentante",
}
MAX_TITLE = 16


@dataclass(frozen=True)
class ChatScope:
    chat_id: int
    degrees: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()

    @property
    def is_extra(self) -> bool:
        return not self.degrees and not self.departments


@dataclass(frozen=True)
class RoleGrant:
    role: str
    all_groups: bool = False
    extra_groups: bool = False
    degrees: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    chats: frozenset[int] = frozenset()
    command_overrides: Mapping[str, bool] = field(default_factory=dict)
    right_overrides: Mapping[str, bool] = field(default_factory=dict)
    custom_title: str | None = None

    def applies_to(self, chat: ChatScope) -> bool:
        if chat.chat_id in self.chats:
            return True
        if chat.is_extra:
            return self.extra_groups
        return self.all_groups or bool(self.degrees & chat.degrees) or bool(self.departments & chat.departments)

    def commands(self) -> frozenset[str]:
        return _with_overrides(DEFAULT_COMMANDS[self.role], self.command_overrides)

    def rights(self) -> frozenset[str]:
        return _with_overrides(DEFAULT_RIGHTS[self.role], self.right_overrides)

    def title(self) -> str:
        return clean_title(self.custom_title or DEFAULT_TITLES[self.role])


def _with_overrides(defaults: frozenset[str], overrides: Mapping[str, bool]) -> frozenset[str]:
    granted = set(defaults)
    for name, value in overrides.items():
        if value is True:
            granted.add(name)
        elif value is False:
            granted.discard(name)
    return frozenset(granted)


@dataclass(frozen=True)
class Powers:
    """What a user may do in one chat, all their applicable roles merged."""

    roles: tuple[str, ...] = ()
    commands: frozenset[str] = frozenset()
    rights: frozenset[str] = frozenset()
    title: str | None = None

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    def may(self, command: str) -> bool:
        return command in self.commands

    def promote_params(self) -> dict[str, bool]:
        """promoteChatMember's rights; all False demotes."""
        return {right: right in self.rights for right in RIGHTS}


NO_POWERS = Powers()


def merge(grants: Iterable[RoleGrant], chat: ChatScope) -> Powers:
    applicable = sorted((g for g in grants if g.applies_to(chat)), key=lambda g: ROLES.index(g.role))
    if not applicable:
        return NO_POWERS
    commands: set[str] = set()
    rights: set[str] = set()
    for grant in applicable:
        commands |= grant.commands()
        rights |= grant.rights()
    return Powers(
        roles=tuple(g.role for g in applicable),
        commands=frozenset(commands),
        rights=frozenset(rights),
        title=applicable[0].title(),  # the highest role's title, whatever order the roles came in
    )


_EMOJI_CATEGORIES = {"So", "Sk", "Cs", "Co", "Cn"}


def clean_title(title: str) -> str:
    """A custom title Telegram accepts: no emoji (nor joiners/variation selectors), at most 16 characters."""
    kept = "".join(
        char
        for char in title
        if unicodedata.category(char) not in _EMOJI_CATEGORIES and char not in "\u200d\ufe0f\ufe0e\u20e3"
    )
    return re.sub(r"\s+", " ", kept).strip()[:MAX_TITLE].strip()
