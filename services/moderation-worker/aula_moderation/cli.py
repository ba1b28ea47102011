"""Moderation's `aula` commands, gathered from its domains."""

from __future__ import annotations

import click


def commands() -> list[tuple[str, click.Command]]:
    from aula_moderation.chats import cli as chats
    from aula_moderation.chats import settings_cli
    from aula_moderation.log import cli as log
    from aula_moderation.network import cli as network
    from aula_moderation.onboarding import cli as onboarding
    from aula_moderation.roles import cli as roles

    return (
        chats.commands()
        + settings_cli.commands()
        + roles.commands()
        + log.commands()
        + network.commands()
        + onboarding.commands()
    )
