"""What every moderation table builds on: one metadata, Telegram-sized ids, times in UTC.

Telegram ids (users, chats) need more than 32 bits: every one is a BIGINT. Nothing here references another
component's tables; degrees and departments are slugs the catalog owns (see chats.models.ChatScope).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Integer,
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase

metadata = MetaData()


# Surrogate keys: BIGINT in PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = metadata
