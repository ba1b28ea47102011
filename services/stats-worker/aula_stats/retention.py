"""Retention: per-user daily counts become per-chat totals after the retention window; processed ids expire.

The per-chat totals (`stats_chat_days`) keep `daily_chat_activity` unchanged: a rolled-up day reads the same
messages and active users as before, without saying who. Only groups have totals: group and supergroup ids are
negative, a private chat's id is its user's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from aula_shared.db import insert_for, session_scope
from aula_stats.models import ChatDay, MessageCount, ProcessedUpdate


@dataclass(frozen=True)
class RetentionReport:
    rolled_up_rows: int
    forgotten_updates: int


def apply_retention(
    database_url: str, keep_counts: timedelta, keep_processed: timedelta, now: datetime | None = None
) -> RetentionReport:
    now = now or datetime.now(UTC)
    cutoff = (now - keep_counts).date()
    with session_scope(database_url) as session:
        rolled = fold_into_chat_days(session, MessageCount.day < cutoff)
        forgotten = session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - keep_processed))
        return RetentionReport(rolled, forgotten.rowcount)


def fold_into_chat_days(session: Session, which) -> int:
    """Add the per-user counts selected by `which` to the per-chat totals, then delete them; rows deleted.

    Counts of private chats, which older versions stored (a positive chat id: the user's own), are deleted
    without being folded: a private chat has no totals, which would keep under the person's id what they wrote.
    """
    totals = session.execute(
        select(MessageCount.day, MessageCount.chat_id, func.sum(MessageCount.messages), func.count())
        .where(which, MessageCount.chat_id < 0)
        .group_by(MessageCount.day, MessageCount.chat_id)
    ).all()
    if not totals:
        return session.execute(delete(MessageCount).where(which)).rowcount
    rows = [
        {"day": _day(day), "chat_id": chat_id, "messages": int(messages), "active_users": int(users)}
        for day, chat_id, messages, users in totals
    ]
    table = ChatDay.__table__
    statement = insert_for(session, table)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "chat_id"],
            set_={
                "messages": table.c.messages + statement.excluded.messages,
                "active_users": table.c.active_users + statement.excluded.active_users,
            },
        ).returning(table.c.day),
        rows,
    )
    return session.execute(delete(MessageCount).where(which)).rowcount


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
