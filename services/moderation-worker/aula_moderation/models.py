"""Moderation's schema: managed chats, the people seen in them, roles, cases, network bans and timers.

Telegram ids (users, chats) need more than 32 bits: every one is a BIGINT. Nothing here references another
component's tables; degrees and departments are slugs the catalog owns (see ChatScope).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

metadata = MetaData()
# Surrogate keys: BIGINT in PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


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


class ChatScope(Base):
    """Which degrees and departments a chat belongs to (slugs), for role scopes.

    The catalog owns degrees and departments; moderation keeps only this mapping, filled by `aula groups add
    --degree/--department` or the `aula.moderation.chat_scopes` task. A chat with no row is an "extra group".
    """

    __tablename__ = "moderation_chat_scopes"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "degree" | "department"
    slug: Mapped[str] = mapped_column(String(128), primary_key=True)


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


class Role(Base):
    """One role of one user, with its scope and overrides (§3.1.10 of the research). Several roles merge by OR."""

    __tablename__ = "moderation_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[str] = mapped_column(String(16))  # superadmin administrator moderator professor representative
    all_groups: Mapped[bool] = mapped_column(Boolean, default=False)
    extra_groups: Mapped[bool] = mapped_column(Boolean, default=False)
    degrees: Mapped[list] = mapped_column(JSON, default=list)  # slugs
    departments: Mapped[list] = mapped_column(JSON, default=list)  # slugs
    chats: Mapped[list] = mapped_column(JSON, default=list)  # chat ids
    # {"ban": true, "info": false}: null/absent = the role's default
    command_overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    right_overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    custom_title: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_moderation_roles_user_role"),)


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

    __table_args__ = (
        # Only the few cases still to send: the sweep finds them without reading the whole history.
        Index(
            "ix_moderation_cases_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )


class Warning(Base):
    __tablename__ = "moderation_warnings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    case_id: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the limit was reached and its action taken, or by /free: the count starts again.
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_moderation_warnings_chat_user", "chat_id", "user_id"),)


class BlockedUser(Base):
    """A network ban: the user may be in no managed chat. Deliberately not tied to a known user."""

    __tablename__ = "moderation_blocklist"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(16))  # superban | admin | external
    reason: Mapped[str | None] = mapped_column(Text)
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: permanent
    issuer_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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


class Timer(Base):
    """Something to do later (lift a mute, delete a notice, expire a network ban): durable across restarts.

    `key` makes scheduling idempotent (a redelivered update schedules nothing twice) and lets a newer action
    replace an older one (a second /mute moves the unmute).
    """

    __tablename__ = "moderation_timers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # unmute | unban | delete_message | network_unban
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    bot_id: Mapped[int | None] = mapped_column(BigInteger)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)


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
