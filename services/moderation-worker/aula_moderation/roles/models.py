"""Roles granted to staff and special users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aula_moderation.database import Base, utcnow


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
