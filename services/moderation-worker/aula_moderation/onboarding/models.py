"""Onboarding's tables, in moderation's metadata (migration 0003)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aula_moderation.database import Base, BigId, utcnow


class WelcomeTemplate(Base):
    __tablename__ = "moderation_welcome_templates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the network default
    language: Mapped[str] = mapped_column(String(2))
    template: Mapped[str] = mapped_column(Text)  # validated Telegram HTML (welcome.validate)
    buttons: Mapped[list] = mapped_column(JSON, default=list)  # [[label, url], ...] one per row
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("chat_id", "language", name="uq_moderation_welcome_templates_chat_language"),)


class WelcomeSent(Base):
    """When a user was last greeted in a chat: one welcome per period, not one per restriction change."""

    __tablename__ = "moderation_welcomes_sent"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Captcha(Base):
    """A newcomer's challenge (kind "group") or a join request's conversation in private (kind "request").

    Pending rows are the durable state: the due task resolves them when due_at passes, after any restart.
    """

    __tablename__ = "moderation_captchas"
    __table_args__ = (
        Index("ix_moderation_captchas_pending", "status", "due_at"),  # the due task's scan
        Index("ix_moderation_captchas_chat_user", "chat_id", "user_id"),  # a newcomer's pending challenge
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="group")  # group | request
    stage: Mapped[str] = mapped_column(String(16), default="captcha")  # request: language | rules | captcha
    bot_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    mode: Mapped[str] = mapped_column(String(8))  # button | math | off
    answer: Mapped[str | None] = mapped_column(String(16))
    options: Mapped[list] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(2), default="it")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # pending | solved | failed | expired | left | declined
    status: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Trust(Base):
    """A user's place on the network-wide ladder: unknown (no row) → probation → verified. Blocked is a network ban."""

    __tablename__ = "moderation_trust"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    level: Mapped[str] = mapped_column(String(16), default="probation")  # probation | verified
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by: Mapped[int | None] = mapped_column(BigInteger)
    clean_messages: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class FilterRule(Base):
    __tablename__ = "moderation_filter_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # None: every managed chat
    pattern: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="substring")  # substring | regex
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Appeal(Base):
    """One per network ban: a second request is answered with this one's date; a later ban may be appealed anew."""

    __tablename__ = "moderation_appeals"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    bot_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | lifted | confirmed
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
