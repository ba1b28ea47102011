"""A case that no command recorded — a Block button, an appeal's verdict, a network ban enforced on sight, a
broadcast sent — stored, queued for the log chat and sent to stats exactly as a command's case is."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aula_moderation.log import log_chat, stats_events
from aula_moderation.log.models import Case


def record_case(session: Session, services, bot_id: int, case: Case) -> Case:
    """Store `case` in the session's transaction, with its log entry (when a log chat is set) and its stats event;
    the caller asks `services.flush_log()` once the transaction committed."""
    session.add(case)
    settings = services.settings
    if settings.log_chat_id is not None:
        log_chat.enqueue(session, case, bot_id, language=settings.default_language)
    stats_events.publish_case(session, case, services.redis)
    return case


def log_existing(session: Session, services, bot_id: int, case: Case) -> None:
    """Queue a case stored earlier (a broadcast's, made with its draft) for the log chat, now that it happened."""
    if services.settings.log_chat_id is not None:
        log_chat.enqueue(session, case, bot_id, language=services.settings.default_language)
