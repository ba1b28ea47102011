"""The platform's own tables: the registry of bots every service reads."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

metadata = MetaData()


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = metadata


class Bot(Base):
    """A Telegram bot Aula runs. Its token authenticates webhooks (`?token=`) and Bot API calls."""

    __tablename__ = "platform_bots"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(128), unique=True)
    # Sent by Telegram in X-Telegram-Bot-Api-Secret-Token when the webhook was set by `aula bots add --webhook-url`.
    webhook_secret: Mapped[str | None] = mapped_column(String(256))
    webhook_url: Mapped[str | None] = mapped_column(String(512))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def mask_token(token: str) -> str:
    """'123456:ABCDEF…' → '123456:AB…EF': enough to tell tokens apart, useless to an attacker."""
    bot_id, _, secret = token.partition(":")
    return f"{bot_id}:{secret[:2]}…{secret[-2:]}" if len(secret) > 6 else f"{bot_id}:…"
