"""The people seen in managed chats and their membership in each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from aula_moderation.database import Base, utcnow


class TelegramUser(Base):
    __tablename__ = "moderation_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256), default="")
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # @username targets are looked up case-insensitively.
    __table_args__ = (Index("ix_moderation_users_username_lower", func.lower(username)),)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or str(self.id)


class Membership(Base):
    """A user's status in a managed chat as Telegram last told us (chat_member updates, messages, our actions)."""

    __tablename__ = "moderation_memberships"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # creator | administrator | member | restricted | left | kicked
    status: Mapped[str] = mapped_column(String(16), default="member")
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_moderation_memberships_user", "user_id"),)
