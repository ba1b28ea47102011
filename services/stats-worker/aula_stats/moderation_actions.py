"""Moderation actions, received as events: moderation publishes one per case it records.

The Celery task `aula.stats.moderation_case` on the queue `aula.stats`, with one dict argument (built by
aula_moderation.stats_events; no message or reason text, which stats never keeps):

    {"case_id": 42, "at": "2026-11-22T10:00:00+00:00", "chat_id": -1001234567890,
     "action": "MODERATION_BAN", "target_user_id": 601}

`chat_id` is null for a network-wide case; `target_user_id` is null when the case has no target. The case id
is the key: a redelivered event is recorded once. Analysts read `daily_moderation_actions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from aula_shared.db import insert_for
from aula_shared.timestamps import event_time
from aula_stats.models import ModerationAction

TASK_NAME = "aula.stats.moderation_case"
ACTION = re.compile(r"^[A-Z][A-Z_]{0,31}$")  # moderation's event names: MODERATION_BAN, USER_CALLED_ADMIN…


class InvalidAction(ValueError):
    """The payload does not have the documented shape (retrying cannot fix it)."""


@dataclass(frozen=True)
class CaseEvent:
    case_id: int
    at: datetime
    chat_id: int | None
    action: str
    target_user_id: int | None

    @classmethod
    def parse(cls, payload: Any) -> CaseEvent:
        if not isinstance(payload, dict):
            raise InvalidAction("the event must be an object")
        case_id = payload.get("case_id")
        if type(case_id) is not int or case_id <= 0:
            raise InvalidAction(f"case_id must be a positive integer, got {case_id!r}")
        action = payload.get("action")
        if not isinstance(action, str) or not ACTION.match(action):
            raise InvalidAction(f"action must be an upper-case event name, got {action!r}")
        return cls(
            case_id=case_id,
            at=event_time(payload.get("at"), "at", InvalidAction),  # the day counted is the UTC day
            chat_id=_optional_id(payload, "chat_id"),
            action=action,
            target_user_id=_optional_id(payload, "target_user_id"),
        )


def record_action(session: Session, event: CaseEvent) -> bool:
    """Store the case's action; False if it was stored already (a redelivery)."""
    statement = (
        insert_for(session, ModerationAction)
        .values(
            case_id=event.case_id,
            occurred_at=event.at,
            day=event.at.date(),
            chat_id=event.chat_id,
            action=event.action,
            target_user_id=event.target_user_id,
        )
        .on_conflict_do_nothing(index_elements=["case_id"])
        .returning(ModerationAction.case_id)
    )
    return session.execute(statement).first() is not None


def _optional_id(payload: dict, key: str) -> int | None:
    value = payload.get(key)
    if value is not None and (type(value) is not int or value == 0):
        raise InvalidAction(f"{key} must be a non-zero integer or null, got {value!r}")
    return value
