"""The rules gate and peer verification (MozIta): unknown users must accept the rules, probationers are
confirmed by a verified member (no sooner than verify_min_seconds after accepting), staff block with one button."""

from __future__ import annotations

import html
import logging

from aula_moderation.chat_actions import answer, button, delete, send, url_button
from aula_moderation.log.models import Case
from aula_moderation.log.record import record_case
from aula_moderation.network import jobs as network
from aula_moderation.onboarding import texts, trust
from aula_moderation.onboarding.common import mention, mention_of
from aula_moderation.onboarding.models import Trust
from aula_moderation.onboarding.texts import RULES_URL, TEXTS
from aula_moderation.people.models import TelegramUser
from aula_moderation.roles import grants
from aula_shared.db import session_scope
from aula_shared.i18n import language_for

log = logging.getLogger(__name__)

NETWORK_BAN = "superban"  # the command whose right Block and an appeal's verdict need


def post_gate(context, chat, user, language: str) -> int | None:
    """The welcome with "Show the rules" (only the newcomer) and "Block user" (staff only)."""
    text = texts.text("gate_welcome", language, mention=mention_of(user), title=html.escape(chat.title or ""))
    buttons = [
        [button(texts.text("gate_show_rules", language), f"ob:g:{user.id}")],
        [button(texts.text("gate_block", language), f"ob:b:{user.id}")],
    ]
    return send(context.client, chat.id, text, buttons)


def post_probation(context, chat, user_id: int, name: str, language: str) -> int | None:
    text = texts.text("probation", language, mention=mention(user_id, name))
    buttons = [
        [url_button(texts.text("gate_read_rules", language), RULES_URL)],
        [button(texts.text("gate_confirm", language), f"ob:v:{user_id}")],
        [button(texts.text("gate_block", language), f"ob:b:{user_id}")],
    ]
    return send(context.client, chat.id, text, buttons)


def on_show_rules(context, chat, target: int, language: str) -> None:
    query = context.update.callback_query
    if query.from_user.id != target:
        answer(context, texts.text("not_yours", language), alert=True)
        return
    with session_scope(context.database_url) as session:
        trust.accept_rules(session, target)
    answer(context)
    delete(context.client, chat.id, query.message.message_id if query.message else None)
    post_probation(context, chat, target, query.from_user.first_name, language)


def on_confirm(context, chat, target: int, language: str, config: dict) -> None:
    query = context.update.callback_query
    presser = query.from_user
    with session_scope(context.database_url) as session:
        if presser.id == target or trust.level(session, presser.id) != trust.VERIFIED:
            answer(context, texts.text("verify_not_allowed", language), alert=True)
            return
        row = session.get(Trust, target)
        if row is not None and row.level == trust.PROBATION:
            wait = trust.seconds_until_confirmable(row, config["verify_min_seconds"])
            if wait > 0:
                answer(
                    context,
                    TEXTS.ngettext(
                        language,
                        "{seconds} second left before this user can be confirmed.",
                        "{seconds} seconds left before this user can be confirmed.",
                        wait,
                        seconds=wait,
                    ),
                    alert=True,
                )
                return
        changed = trust.verify(session, target, presser.id)
        known = session.get(TelegramUser, target)
        name = known.name if known else str(target)
        # The announcement speaks to the verified user: their language (the alerts above speak to the presser).
        target_language = language_for(known.language_code if known else None, chat.language, language)
    answer(context)
    delete(context.client, chat.id, query.message.message_id if query.message else None)
    if changed:
        text = texts.text("verified", target_language, who=mention_of(presser), whom=mention(target, name))
        send(context.client, chat.id, text)


def on_block(context, chat, target: int, language: str) -> None:
    """A network ban (blocked means that), banned here at once, elsewhere by the superban job: so only for who may
    network-ban here, exactly as /superban — not any role (a professor, a representative)."""
    query = context.update.callback_query
    with session_scope(context.database_url) as session:
        if not grants.powers(session, query.from_user.id, chat.id).may(NETWORK_BAN):
            answer(context, texts.text("block_not_allowed", language), alert=True)
            return
        network.block(session, target, "admin", reason="spam", until=None, issuer_id=query.from_user.id)
        session.query(Trust).filter(Trust.user_id == target).delete()
        job = network.start_job(session, "superban", target, query.from_user.id, None)
        job_id = job.id
        record_case(session, context.services, context.bot_id, Case(
            event="MODERATION_SUPERBAN", chat_id=chat.id, network=True, target_id=target,
            issuer_id=query.from_user.id, reason="#BLOCKED", job_id=job_id,
        ))  # fmt: skip
        known = session.get(TelegramUser, target)
        name = known.name if known else str(target)
    outcome = context.client.call("banChatMember", chat_id=chat.id, user_id=target)
    if not outcome:
        log.info("block refused", extra=outcome.log_fields())
    context.services.run_job(job_id)
    context.services.flush_log()
    answer(context)
    delete(context.client, chat.id, query.message.message_id if query.message else None)
    send(context.client, chat.id, texts.text("blocked", language, whom=mention(target, name)))
    staff_chat = context.services.settings.staff_chat_id
    if staff_chat is not None:
        send(
            context.client,
            staff_chat,
            TEXTS.gettext(
                context.services.settings.default_language,  # the staff chat: the network's language
                "📌 #BLOCKED {whom} (<code>{user_id}</code>) by {who} in {title} (<code>{chat_id}</code>)",
                whom=mention(target, name),
                user_id=target,
                who=mention_of(query.from_user),
                title=html.escape(chat.title or ""),
                chat_id=chat.id,
            ),
        )


def allowed_on_probation(message) -> bool:
    """Plain text, stickers and GIFs; links, commands, mentions and any other media are not."""
    if message.sticker is not None or message.animation is not None:
        return True
    if message.text is None:
        return False
    return not any(
        entity.type in ("url", "text_link", "bot_command", "mention", "text_mention") for entity in message.entities
    )
