"""The people seen in managed chats and their memberships, kept as Telegram reports them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from aula_moderation.people.models import Membership, TelegramUser
from aula_shared.db import insert_for

# Senders that are not people: never stored as members, never moderated.
GROUP_ANONYMOUS_BOT = 1087968824  # an anonymous admin speaks as this bot, with sender_chat = the group
TELEGRAM_SERVICE = 777000  # linked-channel automatic forwards and service notifications
CHANNEL_BOT = 136817688  # @Channel_Bot: users writing as a channel
NOT_PEOPLE = frozenset({GROUP_ANONYMOUS_BOT, TELEGRAM_SERVICE, CHANNEL_BOT})
PRESENT = ("creator", "administrator", "member", "restricted")


def is_person(user: Any) -> bool:
    return user is not None and user.id not in NOT_PEOPLE


def _profile(user: Any, now: datetime) -> dict[str, Any]:
    return {
        "first_name": (user.first_name or "")[:256],
        "last_name": (user.last_name or None) and user.last_name[:256],
        "username": user.username,
        "language_code": user.language_code,
        "is_bot": bool(user.is_bot),
        "last_seen": now,
    }


def upsert_user(session: Session, user: Any) -> None:
    """Insert or refresh a Telegram user (a PTB User or anything with its attributes)."""
    values = _profile(user, datetime.now(UTC))
    statement = insert_for(session, TelegramUser).values(id=user.id, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))


def upsert_users(session: Session, users: list[Any]) -> None:
    """upsert_user for many distinct users in one statement (a batch's senders)."""
    if not users:
        return
    now = datetime.now(UTC)
    statement = insert_for(session, TelegramUser).values([{"id": user.id, **_profile(user, now)} for user in users])
    fresh = {name: statement.excluded[name] for name in _profile(users[0], now)}
    session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=fresh))


def set_membership(
    session: Session, chat_id: int, user_id: int, status: str, until: datetime | None = None, *, seen: bool = False
) -> None:
    now = datetime.now(UTC)
    values: dict[str, Any] = {"status": status, "until": until, "updated_at": now}
    if seen:
        values["last_seen"] = now
    statement = insert_for(session, Membership).values(chat_id=chat_id, user_id=user_id, **{"last_seen": now, **values})
    session.execute(statement.on_conflict_do_update(index_elements=["chat_id", "user_id"], set_=values))


def seen_writing(session: Session, chat_id: int, user_id: int) -> None:
    """A message proves presence: a left/unknown member becomes member; restricted or admin stays as it is."""
    membership = session.get(Membership, (chat_id, user_id))
    if membership is None or membership.status in ("left", "kicked"):
        set_membership(session, chat_id, user_id, "member", seen=True)
    else:
        membership.last_seen = datetime.now(UTC)


def seen_writing_many(session: Session, pairs: list[tuple[int, int]]) -> None:
    """seen_writing for many distinct (chat, user) pairs in one statement."""
    if not pairs:
        return
    now = datetime.now(UTC)
    rows = [
        {"chat_id": chat, "user_id": user, "status": "member", "until": None, "last_seen": now, "updated_at": now}
        for chat, user in pairs
    ]
    statement = insert_for(session, Membership).values(rows)
    gone = Membership.status.in_(("left", "kicked"))
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["chat_id", "user_id"],
            set_={
                "status": case((gone, "member"), else_=Membership.status),
                "until": case((gone, None), else_=Membership.until),
                "updated_at": case((gone, statement.excluded.updated_at), else_=Membership.updated_at),
                "last_seen": statement.excluded.last_seen,
            },
        )
    )


def by_username(session: Session, username: str) -> TelegramUser | None:
    statement = select(TelegramUser).where(func.lower(TelegramUser.username) == username.lower().lstrip("@"))
    return session.scalars(statement.order_by(TelegramUser.last_seen.desc())).first()


def chats_of(session: Session, user_id: int, statuses: tuple[str, ...] | None = None) -> list[Membership]:
    statement = select(Membership).where(Membership.user_id == user_id)
    if statuses:
        statement = statement.where(Membership.status.in_(statuses))
    return list(session.scalars(statement.order_by(Membership.chat_id)))
