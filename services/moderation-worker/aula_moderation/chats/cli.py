"""`aula groups add`."""

from __future__ import annotations

import click

from aula_moderation.chats import records as chats
from aula_shared.cli import OperatorError, settings
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


def commands() -> list[tuple[str, click.Command]]:
    return [("groups", add_group)]
