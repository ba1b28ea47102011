"""Group commands, each found in the registry and dispatched to its handler; and @admin reports."""

from __future__ import annotations

import html
import logging

from aula_moderation import chat_actions
from aula_moderation import command_registry as registry
from aula_moderation.chats import settings as group_settings
from aula_moderation.commands import handling, notices, parser, texts
from aula_moderation.commands.scene import Person, Scene, real_reply
from aula_moderation.log.models import Case
from aula_moderation.people import records as people
from aula_moderation.roles import grants
from aula_shared.db import session_scope
from aula_shared.i18n import language_for

log = logging.getLogger(__name__)


def on_command(context) -> None:
    """A group message starting with "/": the registry's command it names, carried out if the issuer may."""
    message = context.update.effective_message
    head = parser.command_name(message.text)
    if head is None:
        return  # not one of ours
    name, _star, addressed = head
    spec = registry.find(name)
    bot_username = context.services.bot_username(context.bot_id)
    if addressed and bot_username and addressed.lower() != bot_username.lower():
        return  # /ban@other_bot
    sender = message.from_user
    if message.sender_chat is not None or not people.is_person(sender):
        if spec.anyone:  # nobody to act for, but the command message still goes
            chat_actions.delete(context.client, message.chat.id, message.message_id)
        return  # anonymous admins and channels have no identity, hence no role
    chat = context.managed_chat()
    with session_scope(context.database_url) as session:
        powers = grants.powers(session, sender.id, chat.id)
    if not (spec.anyone or powers.may(name)):
        return  # without permission: ignored, as in the original
    if spec.targets:
        handling.handle(context, chat, powers)
    else:
        registry.handler_of(spec)(context)


def on_admin_report(context) -> None:
    """@admin: staff scoped to this chat are told in STAFF_CHAT_ID, the reporter is thanked, the call deleted."""
    message = context.update.effective_message
    chat = context.managed_chat()
    with session_scope(context.database_url) as session:  # fresh: /ignore_admin may have just changed it
        if group_settings.load(session, chat.id)["ignore_admin_tagging"]:
            return
    reporter = message.from_user
    replied = real_reply(message)
    with session_scope(context.database_url) as session:
        staff = grants.staff_for(session, chat.id, ("superadmin", "administrator", "moderator"))
        target = replied.from_user if replied is not None and people.is_person(replied.from_user) else None
        session.add(
            Case(
                event="USER_CALLED_ADMIN",
                chat_id=chat.id,
                network=False,
                target_id=target.id if target else None,
                issuer_id=reporter.id if people.is_person(reporter) else None,
                evidence=(replied.text or replied.caption) if replied is not None else None,
                message_deleted=False,
                starred=False,
            )
        )
    staff_chat = context.services.settings.staff_chat_id
    reporter_id = reporter.id if reporter else None
    if staff_chat is not None and chat_actions.first_alert(context.services.redis, "admin", chat.id, reporter_id):
        link_chat = str(chat.id).removeprefix("-100")
        staff_language = context.services.settings.default_language  # the staff chat: the network's language
        lines = [
            texts.TEXTS.gettext(staff_language, "🧑‍⚖️ A user has tagged @admin"),
            texts.TEXTS.gettext(
                staff_language, "👤 Issuer: {mention} (<code>{user_id}</code>)",
                mention=Person.of(reporter).mention(), user_id=reporter.id,
            ),
            texts.TEXTS.gettext(
                staff_language, "👥 Group: {title} (<code>{chat_id}</code>)",
                title=html.escape(chat.title or ""), chat_id=chat.id,
            ),
        ]  # fmt: skip
        if replied is not None:
            link = f"https://t.me/c/{link_chat}/{replied.message_id}"
            lines.append(texts.TEXTS.gettext(staff_language, '💬 <a href="{link}">Reported message</a>', link=link))
            if replied.text:
                lines.append(f"<blockquote>{html.escape(replied.text[:500])}</blockquote>")
        mentions = " ".join(f'<a href="tg://user?id={uid}">{uid}</a>' for uid in staff)
        lines.append(texts.TEXTS.gettext(staff_language, "Please respond: {mentions}", mentions=mentions or "—"))
        outcome = context.client.call("sendMessage", chat_id=staff_chat, text="\n".join(lines), parse_mode="HTML")
        if not outcome:
            log.info("@admin report refused", extra=outcome.log_fields())
    chat_actions.delete(context.client, chat.id, message.message_id)
    language = language_for(
        reporter.language_code if reporter else None, chat.language, context.services.settings.default_language
    )
    scene = Scene(
        context.services, context.bot_id, context.update.update_id, context.client, chat, message,
        Person.of(reporter), None, parser.Command("admin"),
    )  # fmt: skip
    notices.send_ephemeral(scene, texts.text("admin_thanks", language))
