"""Durable timers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from aula_moderation.database import Base, BigId


class Timer(Base):
    """Something to do later (lift a mute, delete a notice, expire a network ban): durable across restarts.

    `key` makes scheduling idempotent (a redelivered update schedules nothing twice) and lets a newer action
    replace an older one (a second /mute moves the unmute).
    """

    __tablename__ = "moderation_timers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # unmute | unflood | unban | delete_message | network_unban
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    bot_id: Mapped[int | None] = mapped_column(BigInteger)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
