"""Telling stats about each moderation case, so it can count moderation actions per day.

One Celery task message per case, `aula.stats.moderation_case` on the queue `aula.stats` (consumed by
aula_stats.moderation_actions), with one dict argument and no text — neither the message nor the reason:

    {"case_id": 42, "at": "2026-11-22T10:00:00+00:00", "chat_id": -1001234567890,
     "action": "MODERATION_BAN", "target_user_id": 601}

`chat_id` is null for a network-wide case (superban, superfree). Only moderation actions are sent
(PUBLISHED_EVENTS): an @admin call or a broadcast is a case too, but not an action on anyone.

Delivery is at least once, with the case row as the outbox. The message is pushed once the case's transaction
committed (a case rolled back is never counted), and the case is then marked sent (`published_at`). If the
process dies between the commit and the push, or Redis is down at that moment, the case stays unmarked and the
beat task `aula.moderation.publish_cases` (`sweep`, every 30 s) sends it: every unmarked case a few seconds old,
in id order, in chunks. A crash between a push and its mark sends the case again; stats counts by case id, so a
message delivered twice counts once. Cases stored before the outbox existed were marked sent by the migration
(moderation_0005): their events had gone out on the after-commit push.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from sqlalchemy import Engine, event, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session

from aula_moderation import command_registry as registry
from aula_moderation.log.models import Case
from aula_shared.db import session_scope
from aula_shared.mailbox import celery_message, queue_name

log = logging.getLogger(__name__)

TASK_NAME = "aula.stats.moderation_case"
# The events stats counts: the cases of commands declared with stats=True (commands.registry), and a command
# Telegram refused. Any other case (USER_CALLED_ADMIN, BROADCAST…) is marked sent without a message.
PUBLISHED_EVENTS = registry.STATS_EVENTS | {"NOT_ENOUGH_RIGHTS", "TELEGRAM_ERROR"}
# The after-commit push marks a case within milliseconds; one unmarked for longer missed it (or is about to be
# marked: sending it twice is harmless). Counted from created_at, which is set before the commit.
SWEEP_AFTER = timedelta(seconds=5)
SWEEP_CHUNK = 500


def case_event(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "at": case.created_at.isoformat(),
        "chat_id": None if case.network else case.chat_id,
        "action": case.event,
        "target_user_id": case.target_id,
    }


def _message(case: Case) -> bytes:
    return celery_message(TASK_NAME, queue_name("stats"), [case_event(case)], "moderation")


def publish_case(session: Session | scoped_session, case: Case, connection: redis.Redis | None) -> None:
    """Push the case's event once `session` commits, and mark it sent; without Redis, leave it to the sweep."""
    if case.event not in PUBLISHED_EVENTS:
        case.published_at = datetime.now(UTC)  # nothing for stats to count
        return
    if connection is None:
        return
    if isinstance(session, scoped_session):
        # The listener goes on this thread's session: on a scoped_session it would go on the shared class,
        # and another request's commit could push a case not committed yet.
        session = session()
    session.flush()  # the case's id and created_at
    case_id, message = case.id, _message(case)
    engine = session.get_bind()

    def push(_session: Session) -> None:
        try:
            connection.lpush(queue_name("stats"), message)
        except redis.RedisError as error:
            # The case is stored and moderation goes on; the sweep sends the event later.
            log.warning("case not sent to stats yet", extra={"case_id": case_id, "error": str(error)})
            return
        try:
            _mark_sent(engine, [case_id])
        except SQLAlchemyError as error:
            # The sweep sends it again; stats counts it once.
            log.warning("case sent to stats but not marked", extra={"case_id": case_id, "error": str(error)[:200]})

    event.listen(session, "after_commit", push, once=True)


def _mark_sent(engine: Engine, case_ids: Iterable[int]) -> None:
    with engine.begin() as connection:
        connection.execute(update(Case).where(Case.id.in_(list(case_ids))).values(published_at=datetime.now(UTC)))


def sweep(database_url: str, connection: redis.Redis, older_than: timedelta = SWEEP_AFTER) -> int:
    """Send every case the after-commit push missed, oldest first; returns how many were sent.

    A chunk is locked (concurrent sweeps skip it), pushed to Redis in one command, then marked in the same
    transaction: Redis failing leaves the chunk unmarked for the next sweep and raises redis.RedisError.
    """
    _mark_unpublishable(database_url)
    sent = 0
    while True:
        with session_scope(database_url) as session:
            cases = session.scalars(
                select(Case)
                .where(
                    Case.published_at.is_(None),
                    Case.event.in_(PUBLISHED_EVENTS),
                    Case.created_at < datetime.now(UTC) - older_than,
                )
                .order_by(Case.id)
                .limit(SWEEP_CHUNK)
                .with_for_update(skip_locked=True)
            ).all()
            if not cases:
                return sent
            # LPUSH of many values, consumed from the other end: stats receives them in id order.
            connection.lpush(queue_name("stats"), *(_message(case) for case in cases))
            now = datetime.now(UTC)
            for case in cases:
                case.published_at = now
        sent += len(cases)
        log.info("cases sent to stats by the sweep", extra={"cases": len(cases), "last_case_id": cases[-1].id})
        if len(cases) < SWEEP_CHUNK:
            return sent


def _mark_unpublishable(database_url: str) -> None:
    """Cases stats does not count, stored without publish_case (@admin calls, broadcasts): nothing to send."""
    with session_scope(database_url) as session:
        session.execute(
            update(Case)
            .where(Case.published_at.is_(None), Case.event.not_in(PUBLISHED_EVENTS))
            .values(published_at=datetime.now(UTC))
        )
