"""The stats worker's batch handler: a batch of updates becomes a handful of SQL statements, exactly once.

The ids of the batch's updates are inserted into stats_processed_updates in the same transaction as their
effects, and only the ids that insert newly are counted. A batch redelivered after a crash — committed or
not — therefore counts each update once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson
from sqlalchemy import case, or_, select, tuple_, update
from sqlalchemy.orm import Session

from aula_shared.db import insert_for, retrying_transaction
from aula_shared.envelope import Envelope
from aula_shared.timestamps import as_utc
from aula_shared.updates import decode_update
from aula_stats.facts import Facts, Profile, is_present
from aula_stats.models import (
    Chat,
    ChatBot,
    Membership,
    MembershipChanges,
    MessageCount,
    ProcessedUpdate,
    ProfileChange,
    TelegramUser,
)

log = logging.getLogger(__name__)


class StatsIngest:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def __call__(self, batch: list[Envelope]) -> None:
        payloads = [(envelope.bot_id, orjson.loads(envelope.raw)) for envelope in batch]

        def ingest(session: Session) -> None:
            fresh = _claim(session, [(bot_id, payload["update_id"]) for bot_id, payload in payloads])
            facts = Facts()
            for bot_id, payload in payloads:
                if (bot_id, payload["update_id"]) in fresh:
                    _collect(facts, payload, bot_id)
            _write(session, facts)

        # No pre-ping round trip per batch: a connection found dead is replaced and the batch tried again,
        # which the claim makes harmless even if the lost transaction had committed.
        retrying_transaction(self.database_url, ingest)


def _claim(session: Session, keys: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """Record the updates as processed; returns those that were not already."""
    now = datetime.now(UTC)
    rows = [
        {"bot_id": bot_id, "update_id": update_id, "processed_at": now} for bot_id, update_id in dict.fromkeys(keys)
    ]
    return {tuple(row) for row in session.execute(_built(session, _claim_statement), rows)}


def _claim_statement(session: Session):
    table = ProcessedUpdate.__table__
    return insert_for(session, table).on_conflict_do_nothing().returning(table.c.bot_id, table.c.update_id)


def _collect(facts: Facts, payload: dict, bot_id: int) -> None:
    try:
        if not facts.add_plain(payload, bot_id):
            facts.add(decode_update(payload), bot_id)
    except Exception:
        # A malformed update must not block its conversation: count what the others say, log this one.
        log.exception("stats could not read an update", extra={"update_id": payload.get("update_id")})


# Statements are built without values and executed with a list of rows: SQLAlchemy compiles each once per
# process. RETURNING makes it send the rows as multi-row VALUES ("insertmanyvalues": one statement per table
# per batch) rather than psycopg's executemany, which runs one statement per row.
_statements: dict[tuple, object] = {}


def _built(session: Session, build, *arguments):
    """`build(session, *arguments)`, built once per process and dialect.

    Building an upsert (its `excluded` columns) cost more than executing it on a batch of one update.
    """
    key = (session.get_bind().dialect.name, build, *arguments)
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = build(session, *arguments)
    return statement


def _write(session: Session, facts: Facts) -> None:
    if facts.profiles:
        _write_profile_changes(session, facts.profiles)
    if facts.users:
        _upsert_latest(session, TelegramUser.__table__, list(facts.users.values()), ["id"])
    if facts.chats:
        _upsert_latest(session, Chat.__table__, list(facts.chats.values()), ["id"])
    if facts.status_changes:
        # Before the memberships are overwritten: joins and leaves are transitions from the stored status.
        _count_joins_and_leaves(session, facts.status_changes)
    if facts.memberships:
        _write_memberships(session, facts)
    if facts.bots:
        _write_chat_bots(session, facts.bots)
    for old, new in facts.migrations.items():
        session.execute(update(Chat).where(Chat.id == old).values(migrated_to=new))
    if facts.messages:
        rows = [
            {"day": day, "chat_id": chat, "user_id": user, "messages": n}
            for (day, chat, user), n in facts.messages.items()
        ]
        session.execute(_built(session, _count_messages_statement), rows)


def _count_messages_statement(session: Session):
    table = MessageCount.__table__
    statement = insert_for(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "chat_id", "user_id"],
        set_={"messages": table.c.messages + statement.excluded.messages},
    )
    return statement.returning(table.c.day)


def _upsert_latest(session: Session, table, rows: list[dict], keys: list[str]) -> None:
    """Insert, or overwrite every column but first_seen — unless the stored row was seen later.

    Conversations are drained in parallel, so a user's older update from one chat may be written after a
    newer one from another chat; the time the update happened decides, not the time it was processed.
    """
    session.execute(_built(session, _upsert_latest_statement, table, tuple(rows[0]), tuple(keys)), rows)


def _upsert_latest_statement(session: Session, table, columns: tuple[str, ...], keys: tuple[str, ...]):
    statement = insert_for(session, table)
    updated = {c: statement.excluded[c] for c in columns if c not in (*keys, "first_seen")}
    newer = table.c.last_seen <= statement.excluded.last_seen
    upsert = statement.on_conflict_do_update(index_elements=list(keys), set_=updated, where=newer)
    return upsert.returning(table.c[keys[0]])


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
        session.execute(_built(session, _membership_seen_statement), seen)


def _membership_seen_statement(session: Session):
    table = Membership.__table__
    statement = insert_for(session, table)
    return statement.on_conflict_do_update(
        index_elements=["chat_id", "user_id"], set_={"last_seen": statement.excluded.last_seen}
    ).returning(table.c.chat_id)


def _write_profile_changes(session: Session, profiles: dict[int, list[Profile]]) -> None:
    """Keep a change log: a profile is stored when it differs from the one before it in time (the first always).

    The stored history and this batch are merged by time, so an old update drained late (from another
    conversation) neither records a change that is not one nor leaves two equal neighbours: the later of
    those is deleted.
    """
    table = ProfileChange.__table__
    query = select(
        table.c.id, table.c.user_id, table.c.seen_at, table.c.first_name, table.c.last_name, table.c.username
    )
    stored: dict[int, list[tuple[Profile, int | None]]] = {}
    for row_id, user_id, seen_at, *names in session.execute(query.where(table.c.user_id.in_(list(profiles)))):
        stored.setdefault(user_id, []).append((Profile(as_utc(seen_at), *names), row_id))
    rows, redundant = [], []
    for user_id, candidates in profiles.items():
        # Stored rows sort before batch rows of the same instant; None marks a profile of this batch.
        timeline = sorted(
            [*stored.get(user_id, ()), *((p, None) for p in candidates)],
            key=lambda entry: (entry[0].seen_at, entry[1] is None),
        )
        previous: Profile | None = None
        for profile, row_id in timeline:
            if previous is not None and previous.same_names(profile):
                if row_id is not None:
                    redundant.append(row_id)
                continue
            previous = profile
            if row_id is None:
                rows.append(
                    {
                        "user_id": user_id,
                        "seen_at": profile.seen_at,
                        "first_name": profile.first_name,
                        "last_name": profile.last_name,
                        "username": profile.username,
                    }
                )
    if rows:
        session.execute(_built(session, _insert_returning_id, table), rows)
    if redundant:
        session.execute(table.delete().where(table.c.id.in_(redundant)))


def _insert_returning_id(session: Session, table):
    return insert_for(session, table).returning(table.c.id)


def _count_joins_and_leaves(session: Session, changes: list[tuple[int, int, str, datetime]]) -> None:
    """Replay the batch's status changes from the stored statuses: entering the chat is a join, leaving a leave.

    A status not stored yet counts as unknown, so the first leave of someone who joined before Aula watched counts.
    Updates of one chat are handled in order (one conversation), which makes the stored status the one before.
    """
    table = Membership.__table__
    pairs = list({(chat_id, user_id) for chat_id, user_id, _, _ in changes})
    query = select(table.c.chat_id, table.c.user_id, table.c.status)
    present: dict[tuple[int, int], bool | None] = {
        (chat_id, user_id): is_present(status)
        for chat_id, user_id, status in session.execute(
            query.where(tuple_(table.c.chat_id, table.c.user_id).in_(pairs))
        )
    }
    counts: dict[tuple, list[int]] = {}
    for chat_id, user_id, status, when in changes:
        before, now = present.get((chat_id, user_id)), is_present(status)
        present[(chat_id, user_id)] = now
        if before is not now:
            day = when.astimezone(UTC).date()
            counts.setdefault((day, chat_id), [0, 0])[0 if now else 1] += 1
    if not counts:
        return
    rows = [{"day": d, "chat_id": c, "joins": j, "leaves": lv} for (d, c), (j, lv) in counts.items()]
    session.execute(_built(session, _count_changes_statement), rows)


def _count_changes_statement(session: Session):
    table = MembershipChanges.__table__
    statement = insert_for(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "chat_id"],
        set_={"joins": table.c.joins + statement.excluded.joins, "leaves": table.c.leaves + statement.excluded.leaves},
    )
    return statement.returning(table.c.day)


def _write_chat_bots(session: Session, bots: dict[tuple[int, int], tuple[str | None, datetime]]) -> None:
    table = ChatBot.__table__
    rows = [
        {"chat_id": chat_id, "bot_id": bot_id, "status": status or "member", "last_seen": when, "changed": status}
        for (chat_id, bot_id), (status, when) in bots.items()
    ]
    changed = [{k: v for k, v in row.items() if k != "changed"} for row in rows if row["changed"]]
    seen = [{k: v for k, v in row.items() if k != "changed"} for row in rows if not row["changed"]]
    if changed:
        _upsert_latest(session, table, changed, ["chat_id", "bot_id"])
    if seen:
        session.execute(_built(session, _chat_bot_seen_statement), seen)


def _chat_bot_seen_statement(session: Session):
    """Receiving an update from a chat proves the bot is in it, whatever was stored."""
    table = ChatBot.__table__
    statement = insert_for(session, table)
    # (No IN here: an expanding parameter cannot go with a multi-row statement.)
    gone = or_(table.c.status == "left", table.c.status == "kicked")
    back = case((gone, "member"), else_=table.c.status)
    return statement.on_conflict_do_update(
        index_elements=["chat_id", "bot_id"], set_={"last_seen": statement.excluded.last_seen, "status": back}
    ).returning(table.c.chat_id)
