"""Superadmin commands in a managed group (research §3, "staff commands"):

- `/whitelistbot @some_bot …` — these bots may be added by anyone (bots added by non-staff are otherwise removed);
- `/ignore_admin` — toggles whether `@admin` calls in this chat are reported to the staff chat.

The command message is deleted at once; the confirmation is a notice deleted after the chat's delay; the
whitelisting is a case in the moderation log. Anyone but a superadmin scoped to the chat is ignored.
"""

from __future__ import annotations

import html

from aula_moderation import chat_actions
from aula_moderation.chats import settings as group_settings
from aula_moderation.chats.models import ManagedChat
from aula_moderation.commands import cases, notices, texts
from aula_moderation.commands.parser import Command
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.network.models import BOT_USERNAME, WhitelistedBot
from aula_moderation.roles import grants
from aula_shared.db import session_scope
from aula_shared.i18n import language_for


def whitelist_bots(context) -> None:
    """/whitelistbot @a_bot …"""
    scene = _scene(context, "whitelistbot")
    _whitelist(scene, (scene.message.text or "").split()[1:])


def toggle_admin_calls(context) -> None:
    """/ignore_admin"""
    _toggle_admin_calls(_scene(context, "ignore_admin"))


def _scene(context, name: str) -> Scene:
    """The command message is deleted at once; the issuer may use the command (the dispatcher checked)."""
    message = context.update.effective_message
    chat = context.managed_chat()
    with session_scope(context.database_url) as session:
        powers = grants.powers(session, message.from_user.id, chat.id)
    chat_actions.delete(context.client, chat.id, message.message_id)
    return Scene(
        context.services, context.bot_id, context.update.update_id, context.client, chat, message,
        Person.of(message.from_user), powers, Command(name),
    )  # fmt: skip


def _whitelist(scene: Scene, words: list[str]) -> None:
    names = [match.group(1).lower() for word in words if (match := BOT_USERNAME.match(word))]
    if not names:
        notices.send_ephemeral(
            scene,
            texts.TEXTS.gettext(
                _language(scene), "Usage: <code>/whitelistbot @some_bot …</code> (bot usernames end in bot)"
            ),
        )
        return
    if notices.resume(scene, "WHITELIST_BOT", None):
        return
    listed = ", ".join(f"@{html.escape(n)}" for n in names)
    notice = texts.TEXTS.gettext(
        _language(scene), "⚪ Whitelisted: {bots}. Anyone may add them to a group.", bots=listed
    )
    with session_scope(scene.services.database_url) as session:
        for name in names:
            if session.get(WhitelistedBot, name) is None:
                session.add(WhitelistedBot(username=name, whitelisted_by=scene.issuer.id))
        case = cases.new_case(session, scene, "WHITELIST_BOT", None, reason=" ".join(f"@{n}" for n in names))
        notices.announce(case, notice)
        session.flush()
        case_id = case.id
    scene.services.flush_log()
    notices.send_notice(scene, case_id, notice)


def _toggle_admin_calls(scene: Scene) -> None:
    with session_scope(scene.services.database_url) as session:
        session.get(ManagedChat, scene.chat.id, with_for_update=True)  # two toggles at once: one after the other
        ignoring = not group_settings.load(session, scene.chat.id)["ignore_admin_tagging"]
        group_settings.set_group(session, scene.chat.id, ignore_admin_tagging=ignoring)
    if ignoring:
        said = texts.TEXTS.gettext(
            _language(scene), "@admin calls are now ignored here: they will not reach the staff."
        )
    else:
        said = texts.TEXTS.gettext(_language(scene), "@admin calls are now reported to the staff again.")
    notices.send_ephemeral(scene, said)


def _language(scene: Scene) -> str:
    return language_for(scene.issuer.language_code, scene.chat.language, scene.services.settings.default_language)
