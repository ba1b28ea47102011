"""Superadmin commands in a managed group (research §3, "staff commands"):

- `/whitelistbot @some_bot …` — these bots may be added by anyone (bots added by non-staff are otherwise removed);
- `/ignore_admin` — toggles whether `@admin` calls in this chat are reported to the staff chat.

The command message is deleted at once; the confirmation is a notice deleted after the chat's delay; the
whitelisting is a case in the moderation log. Anyone but a superadmin scoped to the chat is ignored.
"""

from __future__ import annotations

import html
import re

from sqlalchemy.orm.attributes import flag_modified

from aula_moderation import grants, moderation, people
from aula_moderation.models import ManagedChat, WhitelistedBot
from aula_moderation.parser import Command
from aula_shared.db import session_scope

COMMANDS = frozenset({"whitelistbot", "ignore_admin"})
BOT_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{2,29}bot)$", re.IGNORECASE)


def command_of(text: str) -> str | None:
    """ "whitelistbot" for "/whitelistbot@aula_bot @x_bot", None for anything else."""
    head = (text.split(maxsplit=1) or [""])[0]
    name = head[1:].split("@")[0].lower() if head.startswith("/") else ""
    return name if name in COMMANDS else None


def handle(context, name: str) -> None:
    message = context.update.effective_message
    chat = context.managed_chat()
    sender = message.from_user
    if message.sender_chat is not None or not people.is_person(sender):
        return
    with session_scope(context.database_url) as session:
        powers = grants.powers(session, sender.id, chat.id)
    if "superadmin" not in powers.roles:
        return  # without permission: ignored, like every other command
    client = context.client
    moderation.delete_now(client, chat.id, message.message_id)
    scene = moderation.Scene(
        context.services, context.bot_id, context.update.update_id, client, chat, message,
        moderation.Person.of(sender), powers, Command(name),
    )  # fmt: skip
    if name == "whitelistbot":
        _whitelist(scene, (message.text or "").split()[1:])
    else:
        _toggle_admin_calls(scene)


def _whitelist(scene: moderation.Scene, words: list[str]) -> None:
    names = [match.group(1).lower() for word in words if (match := BOT_USERNAME.match(word))]
    if not names:
        moderation.send_ephemeral(scene, "Usage: <code>/whitelistbot @some_bot …</code> (bot usernames end in bot)")
        return
    with session_scope(scene.services.database_url) as session:
        if moderation.already_done(session, scene, "WHITELIST_BOT", None):
            return
        for name in names:
            if session.get(WhitelistedBot, name) is None:
                session.add(WhitelistedBot(username=name, whitelisted_by=scene.issuer.id))
        moderation.new_case(session, scene, "WHITELIST_BOT", None, reason=" ".join(f"@{n}" for n in names))
    scene.services.flush_log()
    listed = ", ".join(f"@{html.escape(n)}" for n in names)
    moderation.send_ephemeral(scene, f"⚪ Whitelisted: {listed}. Anyone may add them to a group.")


def _toggle_admin_calls(scene: moderation.Scene) -> None:
    with session_scope(scene.services.database_url) as session:
        chat = session.get(ManagedChat, scene.chat.id, with_for_update=True)
        settings = dict(chat.settings or {})
        settings["ignore_admin_tagging"] = ignoring = not settings.get("ignore_admin_tagging", False)
        chat.settings = settings
        flag_modified(chat, "settings")
    state = "ignored here: they will not reach the staff" if ignoring else "reported to the staff again"
    moderation.send_ephemeral(scene, f"@admin calls are now {state}.")
