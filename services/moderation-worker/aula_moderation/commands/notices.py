"""What a command says in the group: notices and usage replies, deleted after the chat's notice delay."""

from __future__ import annotations

import html
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from aula_moderation.chats.settings import DEFAULT_NOTICE_DELAY
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.commands.texts import TEXTS
from aula_moderation.log import log_chat as modlog
from aula_moderation.timers import schedule as timers
from aula_shared.db import session_scope
from aula_shared.i18n import language_for
from aula_shared.telegram import BotClient

log = logging.getLogger(__name__)


def delete_now(client: BotClient, chat_id: int, message_id: int) -> None:
    outcome = client.call("deleteMessage", chat_id=chat_id, message_id=message_id)
    if not outcome:
        log.info("delete refused", extra=outcome.log_fields())


def send_ephemeral(scene: Scene, text: str) -> None:
    """A message in the group, deleted after the chat's notice delay (a durable timer)."""
    params: dict[str, Any] = {
        "chat_id": scene.chat.id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    if scene.thread_id:
        params["message_thread_id"] = scene.thread_id
    outcome = scene.client.call("sendMessage", **params)
    if not outcome:
        log.info("notice refused", extra=outcome.log_fields())
        return
    delay = float(scene.setting("notice_delay", DEFAULT_NOTICE_DELAY))
    message_id = outcome.result["message_id"]
    with session_scope(scene.services.database_url) as session:
        timers.schedule(
            session,
            f"del:{scene.chat.id}:{message_id}",
            "delete_message",
            datetime.now(UTC) + timedelta(seconds=delay),
            bot_id=scene.bot_id,
            chat_id=scene.chat.id,
            message_id=message_id,
        )
    scene.services.run_timers_in(delay)


def usage(scene: Scene, key: str, values: dict | None = None, **more: Any) -> None:
    language = language_for(scene.issuer.language_code, scene.chat.language, scene.services.settings.default_language)
    send_ephemeral(scene, TEXTS.text(key, language, command=scene.command.name, **(values or {}), **more))


def notify(
    scene: Scene, target: Person, event: str, event_key: str, duration: timedelta | None, reason: str | None, **values
) -> None:
    """The group notice, in the target's language if Aula speaks it, else the group's."""
    language = language_for(target.language_code, scene.chat.language, scene.services.settings.default_language)
    text = TEXTS.text(
        "notice",
        language,
        emoji=modlog.EVENTS[event],
        mention=target.mention(),
        event=TEXTS.text(event_key, language, **values),
        duration=TEXTS.text("notice_duration", language, duration=format_duration(duration)) if duration else "",
        reason=TEXTS.text("notice_reason", language, reason=html.escape(reason)) if reason else "",
    )
    send_ephemeral(scene, text)


def format_duration(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0m"
