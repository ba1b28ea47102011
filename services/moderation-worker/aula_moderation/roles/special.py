"""Special users: people whose roles give them Telegram admin rights and a custom title in a chat.

Applied on join, on /claim and whenever their roles change (the `aula.moderation.apply_roles` task): promote with
the merged rights and set the title (≤ 16 characters, no emoji); demote when no role gives rights any more.
"""

from __future__ import annotations

import html
import logging

from sqlalchemy.orm import Session

from aula_moderation.chats.models import ManagedChat
from aula_moderation.people import records as people
from aula_moderation.people.models import Membership
from aula_moderation.roles import grants
from aula_shared.i18n import FALLBACK, Translations
from aula_shared.telegram import BotClient

log = logging.getLogger(__name__)
TEXTS = Translations.for_package("aula_moderation")  # the staff chat: the network's default language


def apply(session: Session, client: BotClient, chat_id: int, user_id: int, *, demote: bool = True) -> str:
    """Bring the user's admin rights and title in the chat in line with their roles: promoted|demoted|none."""
    powers = grants.powers(session, user_id, chat_id)
    params = powers.promote_params()
    if not any(params.values()):
        if not demote:
            return "none"
        outcome = client.call("promoteChatMember", chat_id=chat_id, user_id=user_id, **params)
        if outcome:
            membership = session.get(Membership, (chat_id, user_id))
            if membership is not None and membership.status == "administrator":
                membership.status = "member"
        return "demoted" if outcome else "none"
    outcome = client.call("promoteChatMember", chat_id=chat_id, user_id=user_id, **params)
    if not outcome:
        log.info("promotion refused", extra={"chat_id": chat_id, "user_id": user_id, **outcome.log_fields()})
        # Most often the bot itself may not add admins (can_promote_members): staff must fix that by hand.
        return "no_rights" if "rights" in (outcome.description or "").lower() else "none"
    people.set_membership(session, chat_id, user_id, "administrator")
    if powers.title:
        titled = client.call(
            "setChatAdministratorCustomTitle", chat_id=chat_id, user_id=user_id, custom_title=powers.title
        )
        if not titled:
            log.info("custom title refused", extra={"chat_id": chat_id, "user_id": user_id, **titled.log_fields()})
    return "promoted"


def alert_no_rights(
    connection, client: BotClient, staff_chat_id: int | None, chat_id: int, title: str | None, language: str = FALLBACK
) -> bool:
    """Tell the staff chat, at most once a day per chat, that the bot cannot promote special users there."""
    if staff_chat_id is None or not connection.set(f"aula:moderation:rights-alert:{chat_id}", 1, nx=True, ex=86400):
        return False
    text = TEXTS.gettext(
        language,
        "🔰 #NOT_ENOUGH_RIGHTS in {title} (<code>{chat_id}</code>): the bot cannot promote members, so special "
        "users get no admin rights or title there. Give the bot the right to add new admins.",
        title=html.escape(title or ""),
        chat_id=chat_id,
    )
    outcome = client.call("sendMessage", chat_id=staff_chat_id, text=text, parse_mode="HTML")
    if not outcome:
        log.info("rights alert refused", extra=outcome.log_fields())
    return bool(outcome)


def apply_everywhere(session: Session, clients, user_id: int) -> dict[int, str]:
    """After a role change: every managed chat the user is in (demoting only where they were promoted)."""
    results = {}
    for membership in people.chats_of(session, user_id, ("administrator", "member", "restricted", "creator")):
        chat = session.get(ManagedChat, membership.chat_id)
        if chat is None or not chat.managed or membership.status == "creator":
            continue
        demote = membership.status == "administrator"
        results[chat.id] = apply(session, clients.for_bot(chat.bot_id), chat.id, user_id, demote=demote)
        session.commit()
    return results
