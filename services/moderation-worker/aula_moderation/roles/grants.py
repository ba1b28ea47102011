"""Roles in the database: granting, revoking, and what a user may do in a chat."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation import reads, worker_requests
from aula_moderation.chats.models import ChatScope as ChatScopeRow
from aula_moderation.command_registry import NAMES as COMMANDS
from aula_moderation.roles.models import Role
from aula_moderation.roles.powers import MAX_TITLE, RIGHTS, ROLES, ChatScope, Powers, RoleGrant, merge
from aula_moderation.task_names import APPLY_ROLES

if TYPE_CHECKING:
    from aula_shared.settings import Settings

# The catalog's slugs ("triennale-informatica"): lower-case letters and digits joined by single hyphens.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 64


def check_slugs(slugs: Iterable[str], what: str) -> list[str]:
    """The slugs, sorted and without repeats; ValueError naming the first that is not a catalog slug."""
    slugs = list(slugs)
    for slug in slugs:
        if len(slug) > MAX_SLUG or not SLUG.match(slug):
            raise ValueError(f"{what} {slug!r} is not a slug: lower-case letters, digits and hyphens (informatica)")
    return sorted(set(slugs))


def check_chats(chat_ids: Iterable[int]) -> list[int]:
    chat_ids = list(chat_ids)
    for chat_id in chat_ids:
        if chat_id >= 0:
            raise ValueError(f"chat {chat_id} is not a group id (group ids are negative, e.g. -1001234567890)")
    return sorted(set(chat_ids))


def parse_switches(values: Iterable[str], allowed: tuple[str, ...], what: str) -> dict[str, bool]:
    """ "ban=yes" / "ban=no" → {"ban": True/False} (the CLI's --command/--right and the admin's fields)."""
    switches = {}
    for value in values:
        name, _, flag = value.partition("=")
        if name not in allowed or flag not in ("yes", "no"):
            raise ValueError(f"{what} must be NAME=yes|no with NAME one of {', '.join(allowed)}; got {value!r}")
        switches[name] = flag == "yes"
    return switches


def format_switches(switches: dict[str, bool] | None) -> str:
    return " ".join(f"{name}={'yes' if flag else 'no'}" for name, flag in sorted((switches or {}).items()))


def _check(user_id: int, role: str, custom_title: str | None, commands: dict, rights: dict) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if user_id <= 0:
        raise ValueError("a Telegram user id is a positive integer")
    if custom_title is not None and len(custom_title) > MAX_TITLE:
        raise ValueError(f"a custom title has at most {MAX_TITLE} characters")
    for overrides, allowed, what in ((commands, COMMANDS, "command"), (rights, RIGHTS, "right")):
        unknown = sorted(name for name, flag in overrides.items() if name not in allowed or not isinstance(flag, bool))
        if unknown:
            raise ValueError(f"unknown {what} override {unknown[0]!r}; one of {', '.join(allowed)}")


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
    """Give a role, or widen an existing one (scopes are added, flags only ever turned on); (row, created).

    ValueError, with nothing stored, for an unknown role, a bad user id, slug, chat id, title or override.
    """
    _check(user_id, role, custom_title, command_overrides or {}, right_overrides or {})
    degrees, departments = check_slugs(degrees, "degree"), check_slugs(departments, "department")
    chats = check_chats(chats)
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


def set_scope(
    session: Session,
    row: Role,
    *,
    all_groups: bool,
    extra_groups: bool,
    degrees: Iterable[str],
    departments: Iterable[str],
    chats: Iterable[int],
    command_overrides: dict[str, bool],
    right_overrides: dict[str, bool],
    custom_title: str | None,
) -> Role:
    """Make a grant's scope, overrides and title exactly these (an edit, where `grant` only widens)."""
    _check(row.user_id, row.role, custom_title, command_overrides, right_overrides)
    row.degrees, row.departments = check_slugs(degrees, "degree"), check_slugs(departments, "department")
    row.chats = check_chats(chats)
    row.all_groups, row.extra_groups = all_groups, extra_groups
    row.command_overrides, row.right_overrides = dict(command_overrides), dict(right_overrides)
    row.custom_title = custom_title or None
    session.flush()
    return row


def describe(row: Role) -> str:
    """The grant's scope in words: "all groups, degree informatica, chat -100…"."""
    parts = []
    if row.all_groups:
        parts.append("all groups")
    if row.extra_groups:
        parts.append("extra groups")
    parts += [f"degree {d}" for d in row.degrees or []]
    parts += [f"department {d}" for d in row.departments or []]
    parts += [f"chat {c}" for c in row.chats or []]
    return ", ".join(parts) or "no scope"


def reapply_roles(settings: Settings, user_id: int) -> str | None:
    """Ask the moderation worker to apply the user's roles now where they are (promote, title, demote).

    None when asked; otherwise why not. The grant is stored either way: rights then apply on join or /claim.
    Used after every change of roles, by the CLI and by the staff admin.
    """
    problem = worker_requests.send(settings, APPLY_ROLES, user_id)
    return None if problem is None else f"{problem}; rights apply when the user next joins or uses /claim"


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
    senders = reads.senders()
    if senders is not None and user_id in senders:
        by_user = reads.memo("sender-grants", lambda: _grants_by_user(session, senders))
        return by_user.get(user_id, [])
    return [as_grant(row) for row in session.scalars(select(Role).where(Role.user_id == user_id))]


def _grants_by_user(session: Session, user_ids: set[int]) -> dict[int, list[RoleGrant]]:
    by_user: dict[int, list[RoleGrant]] = {}
    for row in session.scalars(select(Role).where(Role.user_id.in_(user_ids)).order_by(Role.id)):
        by_user.setdefault(row.user_id, []).append(as_grant(row))
    return by_user


def may_anywhere(session: Session, user_id: int, command: str) -> bool:
    """Whether one of the user's roles, in whatever scope, lets them use `command`: for a button pressed where no
    role's scope reaches, such as the staff chat (an appeal's verdict)."""
    return any(command in grant.commands() for grant in grants_of(session, user_id))


def chat_scope(session: Session, chat_id: int) -> ChatScope:
    rows = session.scalars(select(ChatScopeRow).where(ChatScopeRow.chat_id == chat_id)).all()
    return ChatScope(
        chat_id,
        degrees=frozenset(r.slug for r in rows if r.kind == "degree"),
        departments=frozenset(r.slug for r in rows if r.kind == "department"),
    )


def powers(session: Session, user_id: int, chat_id: int) -> Powers:
    """The user's merged powers in the chat (read once per batch of that chat: ordinary messages ask often)."""
    return reads.memo(("powers", user_id, chat_id), lambda: _powers(session, user_id, chat_id))


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
