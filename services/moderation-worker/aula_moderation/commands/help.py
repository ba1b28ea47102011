"""/help: the commands the issuer may use in this group, from the registry, as a notice deleted after a while."""

from __future__ import annotations

import html

from aula_moderation import chat_actions
from aula_moderation import command_registry as registry
from aula_moderation.commands import notices, texts
from aula_moderation.commands.parser import Command
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.roles import grants
from aula_shared.db import session_scope
from aula_shared.i18n import language_for


def on_help(context) -> None:
    message = context.update.effective_message
    chat = context.managed_chat()
    with session_scope(context.database_url) as session:
        powers = grants.powers(session, message.from_user.id, chat.id)
    chat_actions.delete(context.client, chat.id, message.message_id)
    scene = Scene(
        context.services, context.bot_id, context.update.update_id, context.client, chat, message,
        Person.of(message.from_user), powers, Command("help"),
    )  # fmt: skip
    language = language_for(scene.issuer.language_code, chat.language, context.services.settings.default_language)
    notices.send_ephemeral(scene, help_text(powers, language))


def help_text(powers, language: str) -> str:
    """One line per command the powers allow (and /claim, which anyone may use): name, arguments, summary."""
    lines = [texts.text("help_title", language)]
    for spec in registry.COMMANDS:
        if spec.anyone or powers.may(spec.name):
            usage = f" {html.escape(spec.usage)}" if spec.usage else ""
            summary = texts.TEXTS.gettext(language, spec.summary)
            lines.append(f"<code>/{spec.name}{usage}</code> — {html.escape(summary)}")
    return "\n".join(lines)
