"""`aula groups add` and `aula roles grant|revoke|list`."""

from __future__ import annotations

import click

from aula_moderation import chats, grants
from aula_moderation.models import Role
from aula_moderation.parser import COMMANDS
from aula_moderation.roles import RIGHTS, ROLES
from aula_shared.cli import OperatorError, settings
from aula_shared.db import session_scope
from aula_shared.platform.registry import find_bot


# Group ids are negative: let "-100…" through as the argument rather than as an unknown option.
@click.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("chat_id", type=int)
@click.option("--bot", "bot_id", type=int, required=True, help="Id of the registered bot that manages the chat.")
@click.option("--title", help="The chat's title, until the bot sees it.")
@click.option("--language", type=click.Choice(["it", "en"]), help="Language of the group's notices.")
@click.option("--degree", "degrees", multiple=True, help="Slug of a degree the chat belongs to (repeatable).")
@click.option("--department", "departments", multiple=True, help="Slug of a department (repeatable).")
def add_group(
    chat_id: int,
    bot_id: int,
    title: str | None,
    language: str | None,
    degrees: tuple[str, ...],
    departments: tuple[str, ...],
) -> None:
    """Put a chat under management (only managed chats are moderated)."""
    config = settings()
    if chat_id >= 0:
        raise OperatorError("group and supergroup ids are negative (e.g. -1001234567890)")
    if find_bot(config.database_url_for("platform"), bot_id) is None:
        raise OperatorError(f"no registered bot {bot_id}; see `aula bots list`")
    created = chats.manage(
        config.database_url_for("moderation"),
        chat_id,
        bot_id,
        title,
        language or config.default_language,
        degrees=list(degrees) if degrees else None,
        departments=list(departments) if departments else None,
    )
    click.echo(f"{'managing' if created else 'updated'} chat {chat_id} with bot {bot_id}")


def _switches(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> dict[str, bool]:
    """ "ban=yes" / "ban=no" → {"ban": True/False}."""
    switches = {}
    for value in values:
        name, _, flag = value.partition("=")
        if name not in allowed or flag not in ("yes", "no"):
            raise OperatorError(f"{what} must be NAME=yes|no with NAME one of {', '.join(allowed)}; got {value!r}")
        switches[name] = flag == "yes"
    return switches


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
    if user_id <= 0:
        raise OperatorError("a Telegram user id is a positive integer")
    if title is not None and len(title) > 16:
        raise OperatorError("a custom title has at most 16 characters")
    command_overrides = _switches(commands_, COMMANDS, "--command")
    right_overrides = _switches(rights, RIGHTS, "--right")
    config = settings()
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
        scope = _describe(row)
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
            click.echo(f"{row.user_id}\t{row.role}\t{_describe(row)}")


def _describe(row: Role) -> str:
    parts = []
    if row.all_groups:
        parts.append("all groups")
    if row.extra_groups:
        parts.append("extra groups")
    parts += [f"degree {d}" for d in row.degrees or []]
    parts += [f"department {d}" for d in row.departments or []]
    parts += [f"chat {c}" for c in row.chats or []]
    return ", ".join(parts) or "no scope"


def _reapply(config, user_id: int) -> None:
    """Ask the moderation worker to promote/demote the user where they are (a role change is applied at once)."""
    if not config.redis_url:
        click.echo("(no REDIS_URL: rights are applied when the user next joins or uses /claim)")
        return
    from aula_moderation.worker import QUEUE
    from aula_shared.celery import make_celery

    try:
        make_celery("moderation-cli", config).send_task("aula.moderation.apply_roles", args=[user_id], queue=QUEUE)
    except Exception as error:  # the grant is stored either way; the worker applies it on join or /claim
        click.echo(f"(could not reach the worker queue: {type(error).__name__}; rights apply on join or /claim)")


def commands() -> list[tuple[str, click.Command]]:
    from aula_moderation import staff_cli

    own = [("groups", add_group), ("roles", grant_role), ("roles", revoke_role), ("roles", list_roles)]
    return own + staff_cli.commands()
