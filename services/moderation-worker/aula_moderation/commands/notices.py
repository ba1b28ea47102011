"""What a command says in the group: notices and usage replies, deleted after the chat's notice delay."""

from __future__ import annotations

import html
import logging
from datetime import timedelta
from typing import Any

from aula_moderation import chat_actions
from aula_moderation.commands import texts
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.log import log_chat as modlog
from aula_shared.i18n import language_for

log = logging.getLogger(__name__)


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
    delay = float(scene.setting("notice_delay"))
    chat_actions.delete_later(scene.services, scene.bot_id, scene.chat.id, outcome.result["message_id"], delay)


def usage(scene: Scene, key: str, values: dict | None = None, **more: Any) -> None:
    language = language_for(scene.issuer.language_code, scene.chat.language, scene.services.settings.default_language)
    send_ephemeral(scene, texts.text(key, language, command=scene.command.name, **(values or {}), **more))


def notify(
    scene: Scene, target: Person, event: str, event_key: str, duration: timedelta | None, reason: str | None, **values
) -> None:
    """The group notice, in the target's language if Aula speaks it, else the group's."""
    language = language_for(target.language_code, scene.chat.language, scene.services.settings.default_language)
    text = texts.text(
        "notice",
        language,
        emoji=modlog.EVENTS[event],
        mention=target.mention(),
        event=texts.text(event_key, language, **values),
        duration=texts.text("notice_duration", language, duration=format_duration(duration)) if duration else "",
        reason=texts.text("notice_reason", language, reason=html.escape(reason)) if reason else "",
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
