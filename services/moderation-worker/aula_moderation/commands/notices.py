"""What a command says in the group: notices and usage replies, deleted after the chat's notice delay."""

from __future__ import annotations

import html
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from aula_moderation import chat_actions
from aula_moderation.commands import cases, texts
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.log import log_chat as modlog
from aula_moderation.log.models import Case
from aula_shared.db import session_scope
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


def notice_text(
    scene: Scene, target: Person, event: str, event_key: str, duration: timedelta | None, reason: str | None, **values
) -> str:
    """The group notice of a case, in the target's language if Aula speaks it, else the group's."""
    language = language_for(target.language_code, scene.chat.language, scene.services.settings.default_language)
    return texts.text(
        "notice",
        language,
        emoji=modlog.EVENTS[event],
        mention=target.mention(),
        event=texts.text(event_key, language, **values),
        duration=texts.text("notice_duration", language, duration=format_duration(duration)) if duration else "",
        reason=texts.text("notice_reason", language, reason=html.escape(reason)) if reason else "",
    )


# A case's notice is stored with the case (Case.notice, in the case's transaction) and sent after the commit: a
# flood wait on the notice gives the update back, and when it is handled again its case is found (nothing is done
# twice) and the notice, still stored, is sent then. Cleared once Telegram answered, whatever it answered.


def announce(case: Case, text: str) -> None:
    """Store the case's notice with it (in the transaction that records the case); send it with send_notice."""
    case.notice = text


def send_notice(scene: Scene, case_id: int, text: str) -> None:
    send_ephemeral(scene, text)
    with session_scope(scene.services.database_url) as session:
        session.execute(update(Case).where(Case.id == case_id).values(notice=None))


def resume(scene: Scene, event: str, target_id: int | None) -> bool:
    """True when this update already recorded the case (it is handled again); its notice, if still unsent, goes now."""
    with session_scope(scene.services.database_url) as session:
        case = cases.find(session, scene, event, target_id)
        pending = (case.id, case.notice) if case is not None and case.notice else None
    if pending is not None:
        send_notice(scene, *pending)
    return case is not None


def format_duration(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0m"
