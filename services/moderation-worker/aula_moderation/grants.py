"""Roles in the database: granting, revoking, and what a user may do in a chat."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation.models import ChatScope as ChatScopeRow
from aula_moderation.models import Role
from aula_moderation.roles import ROLES, ChatScope, Powers, RoleGrant, merge


def grant(
    session: Session,
    user_id: int,
    role: str,
    *,
    all_groups: bool = False,
    extra_groups: bool = False,
    degrees: Iterable[str] = (),
    departments: Iterable[str] = (),
    chats: Iterable[int] = (),
    command_overrides: dict[str, bool] | None = None,
    right_overrides: dict[str, bool] | None = None,
    custom_title: str | None = None,
) -> tuple[Role, bool]:
    """Give a role, or widen an existing one (scopes are added, flags only ever turned on); (row, created)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    row = session.scalars(select(Role).where(Role.user_id == user_id, Role.role == role)).first()
    created = row is None
    if row is None:
        row = Role(
            user_id=user_id,
            role=role,
            all_groups=False,
            extra_groups=False,
            degrees=[],
            departments=[],
            chats=[],
            command_overrides={},
            right_overrides={},
        )
        session.add(row)
    row.all_groups = row.all_groups or all_groups
    row.extra_groups = row.extra_groups or extra_groups
    row.degrees = sorted(set(row.degrees or []) | set(degrees))
    row.departments = sorted(set(row.departments or []) | set(departments))
    row.chats = sorted(set(row.chats or []) | set(chats))
    if command_overrides:
        row.command_overrides = {**(row.command_overrides or {}), **command_overrides}
    if right_overrides:
        row.right_overrides = {**(row.right_overrides or {}), **right_overrides}
    if custom_title is not None:
        row.custom_title = custom_title or None
    session.flush()
    return row, created


def revoke(session: Session, user_id: int, role: str | None = None) -> int:
    statement = select(Role).where(Role.user_id == user_id)
    if role:
        statement = statement.where(Role.role == role)
    rows = list(session.scalars(statement))
    for row in rows:
        session.delete(row)
    return len(rows)


def as_grant(row: Role) -> RoleGrant:
    return RoleGrant(
        role=row.role,
        all_groups=row.all_groups,
        extra_groups=row.extra_groups,
        degrees=frozenset(row.degrees or ()),
        departments=frozenset(row.departments or ()),
        chats=frozenset(int(c) for c in row.chats or ()),
        command_overrides=dict(row.command_overrides or {}),
        right_overrides=dict(row.right_overrides or {}),
        custom_title=row.custom_title,
    )


def grants_of(session: Session, user_id: int) -> list[RoleGrant]:
    """A user's grants; within a batch, the roles of all its senders are read in one query (most have none)."""
    from aula_moderation import batch

    senders = batch.senders()
    if senders is not None and user_id in senders:
        by_user = batch.memo("sender-grants", lambda: _grants_by_user(session, senders))
        return by_user.get(user_id, [])
    return [as_grant(row) for row in session.scalars(select(Role).where(Role.user_id == user_id))]


def _grants_by_user(session: Session, user_ids: set[int]) -> dict[int, list[RoleGrant]]:
    by_user: dict[int, list[RoleGrant]] = {}
    for row in session.scalars(select(Role).where(Role.user_id.in_(user_ids)).order_by(Role.id)):
        by_user.setdefault(row.user_id, []).append(as_grant(row))
    return by_user


def chat_scope(session: Session, chat_id: int) -> ChatScope:
    rows = session.scalars(select(ChatScopeRow).where(ChatScopeRow.chat_id == chat_id)).all()
    return ChatScope(
        chat_id,
        degrees=frozenset(r.slug for r in rows if r.kind == "degree"),
        departments=frozenset(r.slug for r in rows if r.kind == "department"),
    )


def powers(session: Session, user_id: int, chat_id: int) -> Powers:
    """The user's merged powers in the chat (read once per batch of that chat: ordinary messages ask often)."""
    from aula_moderation.batch import memo  # (imported here: batch builds on modules that use grants)

    return memo(("powers", user_id, chat_id), lambda: _powers(session, user_id, chat_id))


def _powers(session: Session, user_id: int, chat_id: int) -> Powers:
    grants = grants_of(session, user_id)
    if not grants:
        return Powers()
    return merge(grants, chat_scope(session, chat_id))


def staff_for(session: Session, chat_id: int, roles: tuple[str, ...] = ROLES) -> list[int]:
    """Users holding one of `roles` that applies to this chat (for @admin reports)."""
    scope = chat_scope(session, chat_id)
    rows = session.scalars(select(Role).where(Role.role.in_(roles)).order_by(Role.user_id))
    return sorted({row.user_id for row in rows if as_grant(row).applies_to(scope)})
