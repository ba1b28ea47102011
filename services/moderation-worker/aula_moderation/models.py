"""Moderation's schema. Issue 2 lays the managed chats; roles, cases and timers build on them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

metadata = MetaData()


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = metadata


class ManagedChat(Base):
    """A chat under management: only these are moderated. Created by `aula groups add`."""

    __tablename__ = "moderation_chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    bot_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str] = mapped_column(String(2), default="it")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Set when Telegram upgrades the group: records move to the new id, the old one remembers where.
    migrated_to: Mapped[int | None] = mapped_column(BigInteger)
    # An unmanaged chat is told its id once (so staff can add it), then left alone.
    managed: Mapped[bool] = mapped_column(Boolean, default=True)
    notice_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
