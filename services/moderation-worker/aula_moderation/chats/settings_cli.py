"""`aula settings show|set|reset`: the layered settings of chats/settings.py from the command line.

    aula settings show                      every key, the network's value and its layer (default or network)
    aula settings show --chat -100123       a group's values and where each comes from
    aula settings set --network captcha=button welcome=true
    aula settings set --chat -100123 warn_limit=5
    aula settings reset --chat -100123 [KEY…]    the group follows the network again (every key if none named)
    aula settings reset --network [KEY…]         back to the built-in default

Every KEY=VALUE is checked before anything is written: a bad one is a one-line error and nothing changes.
"""

from __future__ import annotations

import click

from aula_moderation.chats import settings as chat_settings
from aula_moderation.chats.models import ManagedChat
from aula_shared.cli import OperatorError, settings
from aula_shared.db import session_scope

_CHAT = click.option("--chat", "chat_id", type=int, help="A managed group's id (negative, e.g. -1001234567890).")
_NETWORK = click.option("--network", is_flag=True, help="The values every group follows.")


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parsed(assignments: tuple[str, ...]) -> dict:
    changes = {}
    for assignment in assignments:
        key, equals, text = assignment.partition("=")
        if not equals:
            raise OperatorError(f"{assignment!r} is not KEY=VALUE")
        try:
            changes[key] = chat_settings.setting(key).parse(text)
        except chat_settings.SettingError as error:
            raise OperatorError(str(error)) from None
    return changes


def _target(network: bool, chat_id: int | None) -> None:
    if network == (chat_id is not None):
        raise OperatorError("say which layer: --network, or --chat ID")


def _managed(session, chat_id: int) -> None:
    chat = session.get(ManagedChat, chat_id)
    if chat is None or not chat.managed:
        raise OperatorError(f"chat {chat_id} is not managed; see `aula groups add`")


@click.command("show", context_settings={"ignore_unknown_options": True})
@_CHAT
def show_settings(chat_id: int | None) -> None:
    """Every setting with its value and layer: the network's, or a group's (--chat)."""
    with session_scope(settings().database_url_for("moderation")) as session:
        if chat_id is not None:
            _managed(session, chat_id)
        values = chat_settings.explain(session, chat_id)
    width = max(len(key) for key in values)
    for key, value in values.items():
        click.echo(f"{key:<{width}}  {_shown(value.value):<8}  {value.layer}")


@click.command("set", context_settings={"ignore_unknown_options": True})
@_NETWORK
@_CHAT
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE…")
def set_settings(network: bool, chat_id: int | None, assignments: tuple[str, ...]) -> None:
    """Give the network (--network) or one group (--chat ID) these values."""
    _target(network, chat_id)
    changes = _parsed(assignments)
    with session_scope(settings().database_url_for("moderation")) as session:
        if network:
            chat_settings.set_network(session, changed_by="cli", **changes)
        else:
            _managed(session, chat_id)
            chat_settings.set_group(session, chat_id, **changes)
    where = "the network" if network else f"chat {chat_id}"
    click.echo(f"{where}: " + " ".join(f"{key}={_shown(value)}" for key, value in changes.items()))


@click.command("reset", context_settings={"ignore_unknown_options": True})
@_NETWORK
@_CHAT
@click.argument("keys", nargs=-1, metavar="[KEY…]")
def reset_settings(network: bool, chat_id: int | None, keys: tuple[str, ...]) -> None:
    """Drop a group's own values (it follows the network) or the network's (built-in defaults apply)."""
    _target(network, chat_id)
    try:
        wanted = [chat_settings.setting(key).key for key in keys] or None
    except chat_settings.SettingError as error:
        raise OperatorError(str(error)) from None
    with session_scope(settings().database_url_for("moderation")) as session:
        if network:
            dropped = chat_settings.reset_network(session, wanted)
        else:
            _managed(session, chat_id)
            dropped = chat_settings.reset_group(session, chat_id, wanted)
    click.echo(f"reset: {' '.join(dropped) or 'nothing (no value of its own)'}")


def commands() -> list[tuple[str, click.Command]]:
    return [("settings", show_settings), ("settings", set_settings), ("settings", reset_settings)]
