"""Moderation's handlers, one per concern, routed once per update (see aula_shared.router)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.ext import filters

from aula_moderation import chats
from aula_shared.router import Router

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """What a handler gets: the decoded update, which bot received it, and the service's settings."""

    bot_id: int
    update: Update
    database_url: str


def on_group_migrated(context: Context) -> None:
    message = context.update.effective_message
    if chats.migrate(context.database_url, message.chat.id, message.migrate_to_chat_id):
        log.info("group migrated", extra={"chat_id": message.chat.id, "to": message.migrate_to_chat_id})


def build_router() -> Router[Context]:
    router: Router[Context] = Router()
    router.add(on_group_migrated, filters.StatusUpdate.MIGRATE & filters.Message(), group=0)
    return router
