"""The stages of the pipeline, in order (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import filters

from aula_moderation.chats import handlers as chats
from aula_moderation.commands import handlers as commands
from aula_moderation.network import broadcast
from aula_moderation.network import handlers as network
from aula_moderation.onboarding import handlers as onboarding
from aula_moderation.pipeline.context import Context, flush_writes
from aula_moderation.updates import (
    in_group,
    is_admin_call,
    is_command,
    is_content_message,
    is_plain_message,
    is_private,
    kind_of,
)
from aula_shared.router import Router

MESSAGES = frozenset({"message"})
# A message and its later edits: what a rule on a message's content must see (a link edited in afterwards).
CONTENT = frozenset({"message", "edited_message"})
MEMBERS = frozenset({"chat_member"})
BUTTONS = frozenset({"callback_query"})
JOIN_REQUESTS = frozenset({"chat_join_request"})
BOT_STATUS = frozenset({"my_chat_member"})
ANY = None  # every update, whatever its kind

Filter = Callable[[Update], Any]


@dataclass(frozen=True)
class Handler:
    """A handler, the update kinds it sees (None: all) and its filter on them."""

    kinds: frozenset[str] | None
    filter: Filter | None
    handle: Callable[[Context], Any]


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline; of its handlers, the first that matches the update runs."""

    name: str
    handlers: tuple[Handler, ...]

    @property
    def kinds(self) -> frozenset[str] | None:
        """The update kinds this stage sees (None: every kind)."""
        if any(handler.kinds is None for handler in self.handlers):
            return None
        return frozenset().union(*(handler.kinds for handler in self.handlers))


def stage(name: str, *handlers: tuple[frozenset[str] | None, Filter | None, Callable[[Context], Any]]) -> Stage:
    return Stage(name, tuple(Handler(*handler) for handler in handlers))


def _group_message(update: Update) -> bool:
    return update.message is not None and in_group(update)


def _members_added(update: Update) -> bool:
    return _group_message(update) and bool(update.message.new_chat_members)


def _member_left(update: Update) -> bool:
    return _group_message(update) and update.message.left_chat_member is not None


def _private_broadcast(update: Update) -> bool:
    return is_private(update) and broadcast.is_broadcast(update)


STAGES: tuple[Stage, ...] = (
    # An ordinary message's writes wait in the batch; anything else first commits them and drops its reads.
    stage("batch writes committed", (ANY, lambda u: not is_plain_message(u), flush_writes)),
    # Two Aula bots in one group: only the one the chat is bound to acts (no double notices, cases, CAPTCHAs).
    stage("bound bot", (ANY, in_group, chats.on_other_bot)),
    stage("group migrated", (MESSAGES, filters.StatusUpdate.MIGRATE, chats.on_group_migrated)),
    # Pressed in the staff chat, which is usually not managed: before the unmanaged-chat stop.
    stage("appeal verdicts", (BUTTONS, onboarding.is_staff_verdict, onboarding.on_staff_verdict)),
    stage("unmanaged chats", (ANY, in_group, chats.on_unmanaged_chat)),
    stage(
        "broadcast",
        (BUTTONS, broadcast.is_button, network.on_broadcast_button),
        (MESSAGES, _private_broadcast, network.on_private_broadcast),
    ),
    stage(
        "people and network bans",
        (MEMBERS, in_group, network.on_chat_member),
        (JOIN_REQUESTS, in_group, network.on_join_request),
        (MESSAGES, in_group, network.on_message_sender),
    ),
    stage(
        "newcomers: CAPTCHA, welcome, rules gate",
        (MEMBERS, in_group, onboarding.on_member_change),
        (MESSAGES, _members_added, onboarding.on_members_added),
    ),
    stage("onboarding buttons", (BUTTONS, onboarding.is_group_button, onboarding.on_group_button)),
    stage("join requests", (JOIN_REQUESTS, in_group, onboarding.on_join_request)),
    stage(
        "private conversations",
        (BUTTONS, onboarding.is_private_button, onboarding.on_private_button),
        (MESSAGES, is_private, onboarding.on_private_message),
    ),
    stage("trust gate", (CONTENT, is_content_message, onboarding.on_trust_gate)),
    stage("forbidden words", (CONTENT, is_content_message, onboarding.on_forbidden_words)),
    stage("antiflood", (CONTENT, is_content_message, onboarding.on_flood)),
    stage("bots added by non-staff", (MESSAGES, _members_added, network.on_bots_added)),
    stage(
        "service messages",
        (MESSAGES, _members_added, chats.on_members_joined),
        (MESSAGES, _member_left, chats.on_member_left),
    ),
    stage(
        "commands and @admin",
        (MESSAGES, is_command, commands.on_command),
        (MESSAGES, is_admin_call, commands.on_admin_report),
    ),
    stage("bot status", (BOT_STATUS, in_group, chats.on_my_chat_member)),
)


def _sees(kinds: frozenset[str] | None, check: Filter | None) -> Filter:
    def matches(update: Update) -> bool:
        if kinds is not None and kind_of(update) not in kinds:
            return False
        if check is None:
            return True
        if isinstance(check, filters.BaseFilter):
            return bool(check.check_update(update))
        return bool(check(update))

    return matches


def build_router(stages: tuple[Stage, ...] = STAGES) -> Router[Context]:
    router: Router[Context] = Router()
    for position, stage in enumerate(stages):
        for handler in stage.handlers:
            router.add(handler.handle, _sees(handler.kinds, handler.filter), group=position)
    return router
