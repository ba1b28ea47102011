"""Managed chats and the degrees and departments each belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from aula_moderation.database import Base, utcnow


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


class ChatScope(Base):
    """Which degrees and departments a chat belongs to (slugs), for role scopes.

    The catalog owns degrees and departments; moderation keeps only this mapping, filled by `aula groups add
    --degree/--department` or the `aula.moderation.chat_scopes` task. A chat with no row is an "extra group".
    """

    __tablename__ = "moderation_chat_scopes"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "degree" | "department"
    slug: Mapped[str] = mapped_column(String(128), primary_key=True)


class OnboardingSettings(Base):
    """A group's own onboarding settings (see chats/settings.py: what is absent follows the network)."""

    __tablename__ = "moderation_onboarding_settings"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class NetworkSetting(Base):
    """A value staff set for every group at once (see chats/settings.py); a group's own value wins over it."""

    __tablename__ = "moderation_network_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(128))  # a staff login or "cli"
