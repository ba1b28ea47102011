"""Restrictions' table (migration 0007)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from aula_moderation.database import Base, utcnow


class Restriction(Base):
    """One reason a member of a chat is restricted: a mute, a pending CAPTCHA, an antiflood mute.

    A member may have several at once; what Telegram is told is computed from all of them (service.effective).
    `until` None is for ever; a row past its `until` no longer counts (its timer deletes it).
    """

    __tablename__ = "moderation_restrictions"
    __table_args__ = (Index("ix_moderation_restrictions_user", "user_id"),)  # a person's data (user_data)

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # mute | captcha | flood (service.KINDS)
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
