"""What every domain does to chats: send a message, delete one now or later, answer a button press.

Refusals are logged and swallowed: a message that cannot be deleted or sent is not worth failing an update for
(a flood wait beyond the client's patience still raises, and the update is retried). Deleting later goes
through the durable timers, so a restart loses no deletion.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from aula_moderation.timers import schedule as timers
from aula_moderation.timers.models import Timer
from aula_shared.db import session_scope

log = logging.getLogger(__name__)


def send(client, chat_id: int, text: str, buttons: list[list[dict]] | None = None, **extra: Any) -> int | None:
    """Send Telegram HTML without link previews; the new message's id, or None when Telegram refused."""
    params: dict[str, Any] = {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        **extra,
    }
    if buttons:
        params["reply_markup"] = {"inline_keyboard": buttons}
    outcome = client.call("sendMessage", **params)
    if not outcome:
        log.info("message refused", extra=outcome.log_fields())
        return None
    return outcome.result["message_id"]


def delete(client, chat_id: int | None, message_id: int | None) -> None:
    if chat_id is None or message_id is None:
        return
    outcome = client.call("deleteMessage", chat_id=chat_id, message_id=message_id)
    if not outcome:
        log.info("delete refused", extra=outcome.log_fields())


def delete_later(services, bot_id: int, chat_id: int, message_id: int | None, seconds: float) -> None:
    """Delete the message after `seconds` (a durable timer; `services` runs the timers task in time)."""
    if message_id is None or seconds <= 0:
        return
    with session_scope(services.database_url) as session:
        timers.schedule(
            session,
            f"del:{chat_id}:{message_id}",
            "delete_message",
            datetime.now(UTC) + timedelta(seconds=seconds),
            bot_id=bot_id,
            chat_id=chat_id,
            message_id=message_id,
        )
    services.run_timers_in(seconds)


def answer(context, text: str | None = None, alert: bool = False) -> None:
    """Answer the update's button press (a toast, or an alert the user must close)."""
    query = context.update.callback_query
    params: dict[str, Any] = {"callback_query_id": query.id}
    if text:
        params.update(text=text, show_alert=alert)
    outcome = context.client.call("answerCallbackQuery", **params)
    if not outcome:
        log.info("callback answer refused", extra=outcome.log_fields())


# The staff chat takes about 20 messages a minute for the whole network: one user may alert it this often.
ALERT_COOLDOWN_SECONDS = 60


def first_alert(redis, kind: str, chat_id: int, user_id: int | None) -> bool:
    """True for the first alert of this kind about (chat, user) in ALERT_COOLDOWN_SECONDS; repeats are dropped,
    so one user cannot fill the staff chat (@admin calls, forbidden-word alerts)."""
    if redis is None or user_id is None:
        return True
    key = f"aula:moderation:alerted:{kind}:{chat_id}:{user_id}"
    return bool(redis.set(key, 1, nx=True, ex=ALERT_COOLDOWN_SECONDS))


def button(text: str, data: str) -> dict:
    return {"text": text, "callback_data": data}


def url_button(text: str, url: str) -> dict:
    return {"text": text, "url": url}


def _delete_message(_session: Session, clients, timer: Timer):
    return clients.for_bot(timer.bot_id).call("deleteMessage", chat_id=timer.chat_id, message_id=timer.message_id)


# The timer kinds this module schedules, for the timers task (see timers.schedule.run).
TIMER_ACTIONS = {"delete_message": _delete_message}
