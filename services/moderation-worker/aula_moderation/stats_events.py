"""Telling stats about each moderation case, so it can count moderation actions per day.

One Celery task message per case, `aula.stats.moderation_case` on the queue `aula.stats` (consumed by
aula_stats.moderation_actions), with one dict argument and no text — neither the message nor the reason:

    {"case_id": 42, "at": "2026-11-22T10:00:00+00:00", "chat_id": -1001234567890,
     "action": "MODERATION_BAN", "target_user_id": 601}

`chat_id` is null for a network-wide case (superban, superfree). The message is pushed only once the case's
transaction committed: a case rolled back is never counted. Stats counts by case id, so a message delivered
twice counts once.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from aula_moderation.models import Case
from aula_shared.mailbox import celery_message, queue_name

log = logging.getLogger(__name__)

TASK_NAME = "aula.stats.moderation_case"


def case_event(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "at": case.created_at.isoformat(),
        "chat_id": None if case.network else case.chat_id,
        "action": case.event,
        "target_user_id": case.target_id,
    }


def publish_case(session: Session, case: Case, connection: redis.Redis | None) -> None:
    """Queue the case's event for stats, sent when `session` commits (nothing without a Redis connection)."""
    if connection is None:
        return
    session.flush()  # the case's id and created_at
    payload = case_event(case)
    message = celery_message(TASK_NAME, queue_name("stats"), [payload], "moderation")

    def push(_session: Session) -> None:
        try:
            connection.lpush(queue_name("stats"), message)
        except redis.RedisError as error:
            # The case is stored and moderation goes on; only the statistics miss it.
            log.error("could not tell stats about a case", extra={"case_id": payload["case_id"], "error": str(error)})

    event.listen(session, "after_commit", push, once=True)
