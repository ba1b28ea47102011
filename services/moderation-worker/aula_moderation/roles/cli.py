"""`aula roles grant|revoke|list`."""

from __future__ import annotations

import click

from aula_moderation.command_registry import NAMES as COMMANDS
from aula_moderation.roles import grants
from aula_moderation.roles.models import Role
from aula_moderation.roles.powers import RIGHTS, ROLES
from aula_shared.cli import OperatorError, settings
from aula_shared.db import session_scope


def _switches(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> dict[str, bool]:
    try:
        return grants.parse_switches(values, allowed, what)
    except ValueError as error:
        raise OperatorError(str(error)) from None


@click.command("grant", context_settings={"ignore_unknown_options": True})
@click.argument("user_id", type=int)
@click.argument("role", type=click.Choice(ROLES))
@click.option("--all-groups", is_flag=True, help="Every group linked to a degree or department.")
@click.option("--extra-groups", is_flag=True, help="Groups linked to no degree or department.")
@click.option("--degree", "degrees", multiple=True, help="A degree's slug: its main group and its courses' groups.")
@click.option("--department", "departments", multiple=True, help="A department's slug.")
@click.option("--chat", "chat_ids", multiple=True, type=int, help="A single chat id.")
@click.option("--title", help="Custom admin title (at most 16 characters, no emoji).")
@click.option("--command", "commands_", multiple=True, help="Per-command override, e.g. ban=yes or info=no.")
@click.option("--right", "rights", multiple=True, help="Telegram right override, e.g. can_delete_messages=yes.")
def grant_role(
    user_id: int,
    role: str,
    all_groups: bool,
    extra_groups: bool,
    degrees: tuple[str, ...],
    departments: tuple[str, ...],
    chat_ids: tuple[int, ...],
    title: str | None,
    commands_: tuple[str, ...],
    rights: tuple[str, ...],
) -> None:
    """Give TELEGRAM_USER_ID a ROLE with its scope (adds to an existing grant of the same role)."""
    command_overrides = _switches(commands_, COMMANDS, "--command")
    right_overrides = _switches(rights, RIGHTS, "--right")
    config = settings()
    try:
        with session_scope(config.database_url_for("moderation")) as session:
            row, created = grants.grant(
                session,
                user_id,
                role,
                all_groups=all_groups,
                extra_groups=extra_groups,
                degrees=degrees,
                departments=departments,
                chats=chat_ids,
                command_overrides=command_overrides,
                right_overrides=right_overrides,
                custom_title=title,
            )
            scope = grants.describe(row)
    except ValueError as error:  # a slug or chat id of the wrong shape: nothing stored
        raise OperatorError(str(error)) from None
    click.echo(f"{'granted' if created else 'updated'} {role} to {user_id}: {scope}")
    _reapply(config, user_id)


@click.command("revoke")
@click.argument("user_id", type=int)
@click.argument("role", type=click.Choice(ROLES), required=False)
def revoke_role(user_id: int, role: str | None) -> None:
    """Take ROLE (or every role) from TELEGRAM_USER_ID."""
    config = settings()
    with session_scope(config.database_url_for("moderation")) as session:
        removed = grants.revoke(session, user_id, role)
    if not removed:
        raise OperatorError(f"{user_id} has no {role or 'role'}")
    click.echo(f"revoked {removed} role(s) from {user_id}")
    _reapply(config, user_id)


@click.command("list")
@click.argument("user_id", type=int, required=False)
def list_roles(user_id: int | None) -> None:
    """Roles and their scopes (of one user, or everyone's)."""
    config = settings()
    with session_scope(config.database_url_for("moderation")) as session:
        query = session.query(Role).order_by(Role.user_id, Role.role)
        if user_id is not None:
            query = query.filter(Role.user_id == user_id)
        for row in query:
            click.echo(f"{row.user_id}\t{row.role}\t{grants.describe(row)}")


def _reapply(config, user_id: int) -> None:
    """A role change is applied at once where the user is (see grants.reapply_roles)."""
    problem = grants.reapply_roles(config, user_id)
    if problem:
        click.echo(f"({problem})")


def commands() -> list[tuple[str, click.Command]]:
    return [("roles", grant_role), ("roles", revoke_role), ("roles", list_roles)]
