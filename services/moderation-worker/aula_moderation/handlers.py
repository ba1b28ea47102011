"""Moderation's handlers, one per concern, routed once per update (see aula_shared.router)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.ext import filters

from aula_moderation import chats
from aula_moderation.texts import TEXTS
from aula_shared.i18n import language_for
from aula_shared.platform.clients import BotClients
from aula_shared.router import Router, StopRouting
from aula_shared.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """What handlers use, made once per worker process."""

    settings: Settings
    database_url: str
    bots: BotClients


@dataclass(frozen=True)
class Context:
    """What a handler gets: the decoded update, which bot received it, and the services."""

    bot_id: int
    update: Update
    services: Services

    @property
    def database_url(self) -> str:
        return self.services.database_url


def on_group_migrated(context: Context) -> None:
    message = context.update.effective_message
    if chats.migrate(context.database_url, message.chat.id, message.migrate_to_chat_id):
        log.info("group migrated", extra={"chat_id": message.chat.id, "to": message.migrate_to_chat_id})


def on_unmanaged_chat(context: Context) -> None:
    """A group nobody put under management: tell it its id once (so staff can add it), then ignore it."""
    chat = context.update.effective_chat
    if chats.is_managed(context.database_url, chat.id):
        return
    if chats.claim_unmanaged_notice(context.database_url, chat.id, context.bot_id):
        user = context.update.effective_user
        language = language_for(user.language_code if user else None, None, context.services.settings.default_language)
        outcome = context.services.bots.for_bot(context.bot_id).call(
            "sendMessage",
            chat_id=chat.id,
            text=TEXTS.text("unmanaged_chat", language, chat_id=chat.id),
            parse_mode="HTML",
        )
        if not outcome:
            log.info("unmanaged-chat notice refused", extra=outcome.log_fields())
    raise StopRouting


def build_router() -> Router[Context]:
    router: Router[Context] = Router()
    router.add(on_group_migrated, filters.StatusUpdate.MIGRATE, group=0)
    router.add(on_unmanaged_chat, filters.ChatType.GROUPS & filters.UpdateType.MESSAGE, group=1)
    return router
