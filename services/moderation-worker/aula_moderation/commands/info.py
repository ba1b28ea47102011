"""/info: what Aula knows of a user, sent to the issuer in private."""

from __future__ import annotations

import html
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation.chats.models import ManagedChat
from aula_moderation.commands import texts
from aula_moderation.commands.notices import usage
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.commands.warnings import active_warnings
from aula_moderation.network import jobs as network
from aula_moderation.people.models import Membership, TelegramUser
from aula_shared.db import session_scope
from aula_shared.i18n import language_for


def do_info(scene: Scene, target: Person, _evidence, _replied, _forwarded) -> None:
    language = language_for(scene.issuer.language_code, scene.chat.language, scene.services.settings.default_language)
    with session_scope(scene.services.database_url) as session:
        text = info_report(session, target.id, scene.chat.id, language)
    outcome = scene.client.call("sendMessage", chat_id=scene.issuer.id, text=text[:4096], parse_mode="HTML")
    if not outcome:
        usage(scene, "info_start_bot")


def info_report(session: Session, user_id: int, chat_id: int, language: str) -> str:
    user = session.get(TelegramUser, user_id)
    if user is None:
        return texts.text("info_unknown", language, user_id=user_id)
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user_id).order_by(Membership.last_seen.desc())
    ).all()
    titles = {
        c.id: c.title
        for c in session.scalars(select(ManagedChat).where(ManagedChat.id.in_([m.chat_id for m in memberships])))
    }
    groups = "\n".join(
        f"• <code>{m.chat_id}</code> {m.status[:3]} {html.escape(titles.get(m.chat_id) or '')}" for m in memberships
    )
    blocked = network.active_block(session, user_id)
    return texts.text(
        "info_report",
        language,
        name=html.escape(user.name),
        user_id=user.id,
        username=f"@{user.username}" if user.username else "—",
        lang=user.language_code or "—",
        warnings=active_warnings(session, chat_id, user_id),
        network=texts.text("yes" if blocked else "no", language),
        last_seen=f"{user.last_seen.astimezone(UTC):%d/%m/%Y %H:%M} UTC",
        groups=groups or "—",
    )
