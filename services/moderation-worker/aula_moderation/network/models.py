"""Network bans (the blocklist), network-wide jobs and their per-chat results, whitelisted bots."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aula_moderation.database import Base, BigId, utcnow


class BlockedUser(Base):
    """A network ban: the user may be in no managed chat. Deliberately not tied to a known user."""

    __tablename__ = "moderation_blocklist"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(16))  # superban | admin | external
    reason: Mapped[str | None] = mapped_column(Text)
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: permanent
    issuer_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# A bot's username, as /whitelistbot and the staff admin accept it (bot usernames end in "bot").
BOT_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{2,29}bot)$", re.IGNORECASE)


class WhitelistedBot(Base):
    __tablename__ = "moderation_bot_whitelist"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)  # lower case, no "@"
    whitelisted_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NetworkJob(Base):
    """A /superban or /superfree carried out chat by chat; each chat's result is a JobResult."""

    __tablename__ = "moderation_jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # superban | superfree
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    issuer_id: Mapped[int | None] = mapped_column(BigInteger)
    # The bot the command came through (the issuer talks to it): reports go back through it.
    bot_id: Mapped[int | None] = mapped_column(BigInteger)
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    results: Mapped[list[JobResult]] = relationship(back_populates="job", order_by="JobResult.chat_id")


class JobResult(Base):
    __tablename__ = "moderation_job_results"

    job_id: Mapped[int] = mapped_column(ForeignKey("moderation_jobs.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # pending | done | not_member | no_rights | failed
    result: Mapped[str] = mapped_column(String(16), default="pending")
    detail: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    job: Mapped[NetworkJob] = relationship(back_populates="results")
