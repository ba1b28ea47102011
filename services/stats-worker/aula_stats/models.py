"""The stats database: what analysts query with SQL. No message text is ever stored here."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

metadata = MetaData()


class Base(DeclarativeBase):
    metadata = metadata


class TelegramUser(Base):
    __tablename__ = "stats_users"
    __table_args__ = (Index("stats_users_username", "username"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    first_name: Mapped[str] = mapped_column(String(256), default="")
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    is_premium: Mapped[bool | None] = mapped_column(Boolean)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Chat(Base):
    __tablename__ = "stats_chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Filled by the group sync (getChat, getChatMemberCount); None until the first sync.
    description: Mapped[str | None] = mapped_column(Text)
    invite_link: Mapped[str | None] = mapped_column(String(256))
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    photo_unique_id: Mapped[str | None] = mapped_column(String(128))
    member_count: Mapped[int | None] = mapped_column(Integer)
    # Set when Telegram upgraded the group to a supergroup with a new id.
    migrated_to: Mapped[int | None] = mapped_column(BigInteger)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sync_error: Mapped[str | None] = mapped_column(String(256))


class ChatPhoto(Base):
    """The last photo of a chat the group sync downloaded (its big size). Current while its unique id equals
    `stats_chats.photo_unique_id`; kept when the chat drops its photo or a download fails."""

    __tablename__ = "stats_chat_photos"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    file_unique_id: Mapped[str] = mapped_column(String(128))  # Telegram's stable id of the picture
    content_type: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChatBot(Base):
    """Which of Aula's bots is in which chat (from the updates it received): the group sync calls through it."""

    __tablename__ = "stats_chat_bots"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProfileChange(Base):
    """A user's name and username as first seen, then each time they changed (staff spot spammers who rename)."""

    __tablename__ = "stats_profile_history"
    __table_args__ = (Index("stats_profile_history_user", "user_id", "seen_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_name: Mapped[str] = mapped_column(String(256))
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))


class Membership(Base):
    """A user in a chat, with the status Telegram last reported (creator … kicked)."""

    __tablename__ = "stats_memberships"
    __table_args__ = (Index("stats_memberships_user", "user_id"),)

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))
    status_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MessageCount(Base):
    """Messages a user sent in a chat on a day (UTC)."""

    __tablename__ = "stats_message_counts"
    __table_args__ = (Index("stats_message_counts_chat_day", "chat_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    messages: Mapped[int] = mapped_column(Integer, default=0)


class MembershipChanges(Base):
    """Joins and leaves per chat and day: status transitions into and out of the chat, so a join reported both
    by a service message and by a chat_member update counts once."""

    __tablename__ = "stats_membership_changes"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    joins: Mapped[int] = mapped_column(Integer, default=0)
    leaves: Mapped[int] = mapped_column(Integer, default=0)


class ChatDay(Base):
    """Per-chat daily totals of days whose per-user counts were rolled up (retention) or erased users' counts."""

    __tablename__ = "stats_chat_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    active_users: Mapped[int] = mapped_column(Integer, default=0)


class ProcessedUpdate(Base):
    """Updates already counted: written in the same transaction as their effects, so a redelivery counts once."""

    __tablename__ = "stats_processed_updates"
    __table_args__ = (Index("stats_processed_updates_at", "processed_at"),)

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# -- the catalog's structure, as last published by the catalog (event aula.stats.catalog_structure) ----------


class CatalogDepartment(Base):
    __tablename__ = "stats_departments"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))


class CatalogDegree(Base):
    __tablename__ = "stats_degrees"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    department_slug: Mapped[str | None] = mapped_column(String(64))


class ChatDegree(Base):
    __tablename__ = "stats_chat_degrees"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    degree_slug: Mapped[str] = mapped_column(String(64), primary_key=True)


class ChatDepartment(Base):
    """A chat's departments: those named by the catalog for the chat, plus those of its degrees."""

    __tablename__ = "stats_chat_departments"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    department_slug: Mapped[str] = mapped_column(String(64), primary_key=True)


class CatalogSnapshot(Base):
    """When the structure in the tables above was published: an older event arriving late is ignored."""

    __tablename__ = "stats_catalog_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# -- tracked public profiles (telegram-bio) ----------------------------------------------------------------


class TrackedProfile(Base):
    """A public username staff follow: its t.me page is read every few minutes."""

    __tablename__ = "stats_tracked_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    monitored: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(256))


class ProfileObservation(Base):
    """A tracked profile's name and bio, as first read and then each time they changed."""

    __tablename__ = "stats_tracked_profile_history"
    __table_args__ = (Index("stats_tracked_profile_history_profile", "profile_id", "observed_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("stats_tracked_profiles.id", ondelete="CASCADE"))
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    name: Mapped[str] = mapped_column(String(256))
    bio: Mapped[str] = mapped_column(String(512))


# -- moderation actions, received as events from moderation (aula.stats.moderation_case) ----------------------


class ModerationAction(Base):
    """One moderation case, without its text: when, where (None: network-wide), what, to whom."""

    __tablename__ = "stats_moderation_actions"
    __table_args__ = (Index("stats_moderation_actions_day", "day", "action"),)

    # Moderation's case id: a redelivered event finds its row and counts once.
    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[date] = mapped_column(Date)  # occurred_at's UTC day, for the daily view
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    target_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
