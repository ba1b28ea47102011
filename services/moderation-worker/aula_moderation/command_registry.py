"""Every chat command Aula answers, declared once.

A declaration says what the rest of the worker derives from it:
- the parser (`commands.parser`) knows a command's name and whether it takes a duration;
- roles (`roles.powers`) give each role the commands that list it in `roles`; per-role overrides name these;
- the moderation log (`log.log_chat`) shows the case's `event` with its `emoji`;
- stats (`log.stats_events`) receive the cases of commands with `stats=True`;
- `/help` lists the commands the issuer may use here, with their `usage` and `summary`;
- the dispatcher (`commands.handlers.on_command`) calls `handler`.

A command that `targets` people (`/ban @ada 2h spam`) is parsed by the grammar of `commands.parser` and its handler
is called once per person named, as `handler(scene, target, evidence, replied, forwarded)`; any other command's
handler gets the update's context and reads its own arguments (`/whitelistbot @a_bot`).

Handlers are named as "module:function" and imported when first used, so that this module stays plain data
that roles, the log and stats can read without importing what the commands do.

Adding a command: a declaration here, its handler (with its texts), and its tests. See the service README.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from aula_shared.i18n import N_

# Roles, highest first (roles.powers orders titles by it).
SUPERADMIN, ADMINISTRATOR, MODERATOR, PROFESSOR, REPRESENTATIVE = (
    "superadmin",
    "administrator",
    "moderator",
    "professor",
    "representative",
)
STAFF = frozenset({SUPERADMIN, ADMINISTRATOR, MODERATOR})
ADMINS = frozenset({SUPERADMIN, ADMINISTRATOR})
EVERY_ROLE = frozenset({SUPERADMIN, ADMINISTRATOR, MODERATOR, PROFESSOR, REPRESENTATIVE})


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: str  # "aula_moderation.<module>:<function>"
    summary: str  # one line for /help, an N_() msgid translated where shown
    usage: str = ""  # the arguments, for /help and usage replies ("@user|id [duration] [reason]")
    roles: frozenset[str] = frozenset()  # the roles that may use it by default
    anyone: bool = False  # anybody may use it, with or without a role (/claim)
    targets: bool = False  # names people, parsed by commands.parser; handler(scene, target, …) per person
    duration: bool = False  # takes a duration (`30m`, `2h`, `7d`, `1w`) after its targets
    event: str | None = None  # the event of the case it records (the log chat's #TAG)
    emoji: str = "•"  # the event's emoji in the log and in the group's notice
    stats: bool = False  # its cases are sent to stats (moderation actions per day)

    def may_be_used_by(self, role: str) -> bool:
        return role in self.roles


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "info",
        "aula_moderation.commands.info:do_info",
        N_("what Aula knows of a user, sent to you in private"),
        "@user|id",
        roles=STAFF,
        targets=True,
        event="MODERATION_INFO",
        emoji="ℹ️",
        stats=True,
    ),
    CommandSpec(
        "del",
        "aula_moderation.commands.handling:do_delete",
        N_("delete the message you reply to"),
        "(in reply) [reason]",
        roles=STAFF,
        targets=True,
        event="MODERATION_DEL",
        emoji="✏️",
        stats=True,
    ),
    CommandSpec(
        "warn",
        "aula_moderation.commands.warnings:do_warn",
        N_("warn a user; at the chat's limit, its action is taken"),
        "@user|id [reason]",
        roles=ADMINS,
        targets=True,
        event="MODERATION_WARN",
        emoji="🟡",
        stats=True,
    ),
    CommandSpec(
        "unwarn",
        "aula_moderation.commands.warnings:do_unwarn",
        N_("take back a user's latest active warning"),
        "@user|id [reason]",
        roles=ADMINS,
        targets=True,
        event="MODERATION_UNWARN",
        emoji="🔵",
        stats=True,
    ),
    CommandSpec(
        "kick",
        "aula_moderation.commands.actions:do_kick",
        N_("remove a user from the group (they may come back)"),
        "@user|id [reason]",
        roles=ADMINS,
        targets=True,
        event="MODERATION_KICK",
        emoji="⚪",
        stats=True,
    ),
    CommandSpec(
        "mute",
        "aula_moderation.commands.actions:do_mute",
        N_("mute a user, for a while or for good"),
        "@user|id [duration] [reason]",
        roles=STAFF,
        targets=True,
        duration=True,
        event="MODERATION_MUTE",
        emoji="🟠",
        stats=True,
    ),
    CommandSpec(
        "ban",
        "aula_moderation.commands.actions:do_ban",
        N_("ban a user from the group, for a while or for good"),
        "@user|id [duration] [reason]",
        roles=ADMINS,
        targets=True,
        duration=True,
        event="MODERATION_BAN",
        emoji="🔴",
        stats=True,
    ),
    CommandSpec(
        "free",
        "aula_moderation.commands.actions:do_free",
        N_("lift a user's ban or mute here and clear their warnings"),
        "@user|id [reason]",
        roles=ADMINS,
        targets=True,
        event="MODERATION_FREE",
        emoji="🟢",
        stats=True,
    ),
    CommandSpec(
        "superban",
        "aula_moderation.commands.network_bans:do_superban",
        N_("ban a user from every group of the network"),
        "@user|id [duration] [reason]",
        roles=frozenset({SUPERADMIN}),
        targets=True,
        duration=True,
        event="MODERATION_SUPERBAN",
        emoji="⚫️",
        stats=True,
    ),
    CommandSpec(
        "superfree",
        "aula_moderation.commands.network_bans:do_superfree",
        N_("lift a network ban in every group"),
        "@user|id [reason]",
        roles=frozenset({SUPERADMIN}),
        targets=True,
        event="MODERATION_SUPERFREE",
        emoji="✳️",
        stats=True,
    ),
    CommandSpec(
        "whitelistbot",
        "aula_moderation.commands.staff:whitelist_bots",
        N_("let anyone add these bots to a group"),
        "@some_bot …",
        roles=frozenset({SUPERADMIN}),
        event="WHITELIST_BOT",
        emoji="⚪",
        stats=True,
    ),
    CommandSpec(
        "ignore_admin",
        "aula_moderation.commands.staff:toggle_admin_calls",
        N_("stop (or resume) reporting @admin calls of this group to the staff"),
        roles=frozenset({SUPERADMIN}),
    ),
    CommandSpec(
        "broadcast",
        "aula_moderation.network.broadcast:on_command",
        N_("send a message to every group (a preview comes first, in private)"),
        "text",
        roles=frozenset({SUPERADMIN}),
        event="BROADCAST",
        emoji="📡",
    ),
    CommandSpec(
        "claim",
        "aula_moderation.roles.handlers:on_claim",
        N_("get your roles' rights and title in this group"),
        anyone=True,
    ),
    CommandSpec(
        "help",
        "aula_moderation.commands.help:on_help",
        N_("the commands you may use here"),
        roles=EVERY_ROLE,
    ),
)

BY_NAME = {spec.name: spec for spec in COMMANDS}
NAMES = tuple(BY_NAME)
TARGETED = frozenset(spec.name for spec in COMMANDS if spec.targets)
TIMED = frozenset(spec.name for spec in COMMANDS if spec.duration)
EVENT_OF = {spec.name: spec.event for spec in COMMANDS if spec.event}
EMOJI_OF_EVENT = {spec.event: spec.emoji for spec in COMMANDS if spec.event}
STATS_EVENTS = frozenset(spec.event for spec in COMMANDS if spec.event and spec.stats)


def find(name: str) -> CommandSpec | None:
    return BY_NAME.get(name.lower())


def default_commands(role: str) -> frozenset[str]:
    """The commands a role may use unless its grant overrides them."""
    return frozenset(spec.name for spec in COMMANDS if spec.may_be_used_by(role))


@cache
def handler_of(spec: CommandSpec) -> Callable[..., Any]:
    module, _, function = spec.handler.partition(":")
    return getattr(importlib.import_module(module), function)
