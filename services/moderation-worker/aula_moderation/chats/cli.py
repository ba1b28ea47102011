"""`aula groups add|list|remove`."""

from __future__ import annotations

import click
from sqlalchemy import select

from aula_moderation.chats import records as chats
from aula_moderation.chats.models import ManagedChat
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


@click.command("list")
def list_groups() -> None:
    """The managed chats: id, managing bot, language, title."""
    with session_scope(settings().database_url_for("moderation")) as session:
        managed = session.scalars(select(ManagedChat).where(ManagedChat.managed.is_(True)).order_by(ManagedChat.id))
        rows = [(chat.id, chat.bot_id, chat.language, chat.title or "") for chat in managed]
    if not rows:
        click.echo("no managed chats; add one with `aula groups add CHAT_ID --bot BOT_ID`")
    for chat_id, bot_id, language, title in rows:
        click.echo(f"{chat_id}\tbot {bot_id}\t{language}\t{title}")


@click.command("remove", context_settings={"ignore_unknown_options": True})
@click.argument("chat_id", type=int)
def remove_group(chat_id: int) -> None:
    """Stop managing a chat: it is no longer moderated; its records (cases, roles, settings) are kept."""
    with session_scope(settings().database_url_for("moderation")) as session:
        chat = session.get(ManagedChat, chat_id)
        if chat is None or not chat.managed:
            raise OperatorError(f"chat {chat_id} is not managed; see `aula groups list`")
        chat.managed = False
    click.echo(f"no longer managing chat {chat_id} (its records are kept; `aula groups add` manages it again)")


def commands() -> list[tuple[str, click.Command]]:
    return [("groups", add_group), ("groups", list_groups), ("groups", remove_group)]
