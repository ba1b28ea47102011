"""Cases (every moderation event) and the log chat's outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from aula_moderation.database import Base, BigId, utcnow


class Case(Base):
    """Every moderation event: who did what to whom, where, why, until when, with the evidence."""

    __tablename__ = "moderation_cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event: Mapped[str] = mapped_column(String(32))  # MODERATION_BAN, USER_CALLED_ADMIN, ... (research §3.1.7)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    network: Mapped[bool] = mapped_column(Boolean, default=False)  # superban/superfree: every managed chat
    target_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    issuer_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    evidence: Mapped[str | None] = mapped_column(Text)  # the target message's text
    evidence_message_id: Mapped[int | None] = mapped_column(BigInteger)
    message_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    # bot:update:event:target — a redelivered update finds its case and does not act twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # When stats was sent the case's event (or found to need none); null = still to send (stats_events.sweep).
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The group notice that announces the case, stored with it and cleared once Telegram took (or refused) it: an
    # update given back before its notice went out (a flood wait, a lost worker) sends it when it is handled again.
    notice: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # Only the few cases still to send: the sweep finds them without reading the whole history.
        Index(
            "ix_moderation_cases_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )


class LogEntry(Base):
    """A case waiting to reach LOG_CHAT_ID: sent one per message, or folded into a digest when busy."""

    __tablename__ = "moderation_log_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(BigInteger)
    bot_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    # The target message already forwarded to the log chat (forwarded at once, before a /del deletes it).
    forwarded_message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
