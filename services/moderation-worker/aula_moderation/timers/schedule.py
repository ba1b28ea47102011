"""Durable timers: every expiry is a row in moderation_timers, run by the `aula.moderation.timers` task.

Beat runs the task every few seconds; scheduling a near timer also sends the task with a countdown, so a
90-second notice deletion does not wait for beat. A restart of any process loses nothing: due rows stay due
until a run marks them done. Rows are claimed with SKIP LOCKED on PostgreSQL, so runs in parallel never do a
timer twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aula_moderation.timers.models import Timer
from aula_shared.db import insert_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

# What a timer of one kind does: (session, the bot clients, the timer) → Telegram's outcome, or None.
TimerAction = Callable[[Session, Any, Timer], Any]
BATCH = 200


def schedule(
    session: Session,
    key: str,
    kind: str,
    due_at: datetime,
    *,
    bot_id: int | None = None,
    chat_id: int | None = None,
    user_id: int | None = None,
    message_id: int | None = None,
) -> None:
    """Create or move the timer `key` (a newer /mute moves the unmute)."""
    values = {
        "kind": kind,
        "due_at": due_at,
        "bot_id": bot_id,
        "chat_id": chat_id,
        "user_id": user_id,
        "message_id": message_id,
        "done_at": None,
        "attempts": 0,
    }
    statement = insert_for(session, Timer).values(key=key, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["key"], set_=values))


def cancel(session: Session, *keys: str) -> None:
    session.execute(update(Timer).where(Timer.key.in_(keys), Timer.done_at.is_(None)).values(done_at=datetime.now(UTC)))


def due(session: Session, now: datetime) -> list[int]:
    """The ids of due timers, oldest first (a read: nothing stays locked)."""
    statement = select(Timer.id).where(Timer.done_at.is_(None), Timer.due_at <= now).order_by(Timer.due_at)
    return list(session.scalars(statement.limit(BATCH)))


def take(session: Session, timer_id: int) -> Timer | None:
    """One due timer, locked for this transaction only (SKIP LOCKED on PostgreSQL: a parallel run takes another);
    None when another run has it or it is done. One row at a time: a /mute or /free of other keys, and every other
    chat's timers, never wait behind this timer's Telegram call."""
    statement = select(Timer).where(Timer.id == timer_id, Timer.done_at.is_(None))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return session.scalars(statement).first()


def run(session: Session, clients, timer: Timer, actions: Mapping[str, TimerAction]) -> bool:
    """Carry out one timer with the action its domain declared for its kind; True when it is done (a refusal
    counts as done: there is nothing left to do)."""
    action = actions.get(timer.kind)
    if action is None:
        log.warning("unknown timer kind", extra={"kind": timer.kind, "key": timer.key})
        return True
    outcome = action(session, clients, timer)
    if outcome is not None and not outcome:
        log.info("timer action refused", extra={"key": timer.key, **outcome.log_fields()})
    return True
