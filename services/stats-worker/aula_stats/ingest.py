"""The stats worker's batch handler: a batch of updates becomes a handful of SQL statements, exactly once.

The ids of the batch's updates are inserted into stats_processed_updates in the same transaction as their
effects, and only the ids that insert newly are counted. A batch redelivered after a crash — committed or
not — therefore counts each update once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson
from sqlalchemy.orm import Session

from aula_shared.db import insert_for, session_scope
from aula_shared.envelope import Envelope
from aula_shared.updates import decode_update
from aula_stats.facts import Facts
from aula_stats.models import Chat, Membership, MessageCount, ProcessedUpdate, TelegramUser

log = logging.getLogger(__name__)


class StatsIngest:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def __call__(self, batch: list[Envelope]) -> None:
        payloads = [(envelope.bot_id, orjson.loads(envelope.raw)) for envelope in batch]
        with session_scope(self.database_url) as session:
            fresh = _claim(session, [(bot_id, payload["update_id"]) for bot_id, payload in payloads])
            facts = Facts()
            for bot_id, payload in payloads:
                if (bot_id, payload["update_id"]) in fresh:
                    _collect(facts, payload)
            _write(session, facts)


def _claim(session: Session, keys: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Record the updates as processed; returns those that were not already."""
    now = datetime.now(UTC)
    rows = [
        {"bot_id": bot_id, "update_id": update_id, "processed_at": now} for bot_id, update_id in dict.fromkeys(keys)
    ]
    table = ProcessedUpdate.__table__
    statement = insert_for(session, table).on_conflict_do_nothing().returning(table.c.bot_id, table.c.update_id)
    return {tuple(row) for row in session.execute(statement, rows)}


def _collect(facts: Facts, payload: dict) -> None:
    try:
        facts.add(decode_update(payload))
    except Exception:
        # A malformed update must not block its conversation: count what the others say, log this one.
        log.exception("stats could not read an update", extra={"update_id": payload.get("update_id")})


# Statements are built without values and executed with a list of rows: SQLAlchemy compiles each once per
# process. RETURNING makes it send the rows as multi-row VALUES ("insertmanyvalues": one statement per table
# per batch) rather than psycopg's executemany, which runs one statement per row.


def _write(session: Session, facts: Facts) -> None:
    if facts.users:
        _upsert_latest(session, TelegramUser.__table__, list(facts.users.values()), ["id"])
    if facts.chats:
        _upsert_latest(session, Chat.__table__, list(facts.chats.values()), ["id"])
    if facts.memberships:
        _write_memberships(session, facts)
    if facts.messages:
        rows = [
            {"day": day, "chat_id": chat, "user_id": user, "messages": n}
            for (day, chat, user), n in facts.messages.items()
        ]
        table = MessageCount.__table__
        statement = insert_for(session, table)
        statement = statement.on_conflict_do_update(
            index_elements=["day", "chat_id", "user_id"],
            set_={"messages": table.c.messages + statement.excluded.messages},
        )
        session.execute(statement.returning(table.c.day), rows)


def _upsert_latest(session: Session, table, rows: list[dict], keys: list[str]) -> None:
    """Insert, or overwrite every column but first_seen — unless the stored row was seen later.

    Conversations are drained in parallel, so a user's older update from one chat may be written after a
    newer one from another chat; the time the update happened decides, not the time it was processed.
    """
    statement = insert_for(session, table)
    updated = {c: statement.excluded[c] for c in rows[0] if c not in (*keys, "first_seen")}
    newer = table.c.last_seen <= statement.excluded.last_seen
    upsert = statement.on_conflict_do_update(index_elements=keys, set_=updated, where=newer)
    session.execute(upsert.returning(table.c[keys[0]]), rows)


def _write_memberships(session: Session, facts: Facts) -> None:
    """Two statements: status changes overwrite; a message only proves presence and refreshes last_seen."""
    changed, seen = [], []
    for (chat_id, user_id), (status, when) in facts.memberships.items():
        row = {
            "chat_id": chat_id,
            "user_id": user_id,
            "status": status or "member",
            "status_since": when,
            "last_seen": when,
        }
        (seen if status is None else changed).append(row)
    table = Membership.__table__
    if changed:
        _upsert_latest(session, table, changed, ["chat_id", "user_id"])
    if seen:
        statement = insert_for(session, table)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["chat_id", "user_id"], set_={"last_seen": statement.excluded.last_seen}
            ).returning(table.c.chat_id),
            seen,
        )
