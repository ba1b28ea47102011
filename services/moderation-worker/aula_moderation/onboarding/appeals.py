"""Appeals: a network-banned user who writes to the bot in private gets one button to ask for a review.

The staff chat gets the appeal with buttons to lift the ban (a superfree job) or confirm it; a second request
is answered with the date of the first and alerts nobody.
"""

from __future__ import annotations

import html

from aula_moderation.chat_actions import answer, button, send
from aula_moderation.log.models import Case
from aula_moderation.log.record import record_case
from aula_moderation.network import jobs as network
from aula_moderation.onboarding import texts
from aula_moderation.onboarding.common import mention, now
from aula_moderation.onboarding.models import Appeal
from aula_moderation.onboarding.texts import APPEAL_DECIDED, APPEAL_STAFF, TEXTS
from aula_moderation.people.models import TelegramUser
from aula_moderation.roles import grants
from aula_shared.db import session_scope
from aula_shared.i18n import language_for
from aula_shared.timestamps import as_utc


def offer(context, user, language: str) -> bool:
    """If the private writer is network-banned, offer the appeal button; True if they were."""
    with session_scope(context.database_url) as session:
        if network.active_block(session, user.id) is None:
            return False
    buttons = [[button(texts.text("appeal_button", language), "ob:appeal")]]
    send(context.client, user.id, texts.text("appeal_offer", language), buttons)
    return True


def request(context, user, language: str) -> None:
    staff_chat = context.services.settings.staff_chat_id
    with session_scope(context.database_url) as session:
        blocked = network.active_block(session, user.id)
        existing = session.get(Appeal, user.id)
        if blocked is None:
            answer(context)
            return
        if existing is not None and as_utc(existing.created_at) < as_utc(blocked.created_at):
            session.delete(existing)  # an appeal of an earlier ban: this ban may be appealed once too
            session.flush()
            existing = None
        if existing is not None:
            date = existing.created_at.strftime("%d/%m/%Y %H:%M")
            answer(context)
            send(context.client, user.id, texts.text("appeal_already", language, date=date))
            return
        appeal = Appeal(user_id=user.id, bot_id=context.bot_id, status="open", created_at=now())
        session.add(appeal)
        session.flush()
        reason = html.escape(blocked.reason or blocked.source)
        staff_language = context.services.settings.default_language  # the staff chat: the network's language
        text = TEXTS.gettext(
            staff_language, APPEAL_STAFF, mention=mention(user.id, user.first_name), user_id=user.id, reason=reason
        )
        if staff_chat is not None:
            buttons = [[
                button(TEXTS.gettext(staff_language, "✅ Lift the ban"), f"ob:al:{user.id}"),
                button(TEXTS.gettext(staff_language, "⛔ Confirm"), f"ob:ac:{user.id}"),
            ]]  # fmt: skip
            appeal.staff_message_id = send(context.client, staff_chat, text, buttons)
    answer(context)
    send(context.client, user.id, texts.text("appeal_sent", language))


def decide(context, user_id: int, lift: bool) -> None:
    """A staff member's verdict, pressed in the staff chat."""
    query = context.update.callback_query
    presser = query.from_user
    staff_language = context.services.settings.default_language  # the staff chat: the network's language
    presser_language = language_for(presser.language_code if presser else None, None, staff_language)
    with session_scope(context.database_url) as session:
        # Lifting a network ban needs the right to impose one, exactly as /superfree.
        if not grants.may_anywhere(session, query.from_user.id, "superfree"):
            answer(context, TEXTS.gettext(presser_language, "Staff only."), alert=True)
            return
        appeal = session.get(Appeal, user_id)
        if appeal is None or appeal.status != "open":
            answer(context, TEXTS.gettext(presser_language, "Already decided."))
            return
        appeal.status = "lifted" if lift else "confirmed"
        appeal.decided_by, appeal.decided_at = query.from_user.id, now()
        job_id = None
        if lift:
            network.unblock(session, user_id)
            job_id = network.start_job(session, "superfree", user_id, query.from_user.id, None).id
        record_case(session, context.services, context.bot_id, Case(
            event="MODERATION_SUPERFREE" if lift else "APPEAL_CONFIRMED", network=True, target_id=user_id,
            issuer_id=query.from_user.id, reason="#APPEAL", job_id=job_id,
        ))  # fmt: skip
        known = session.get(TelegramUser, user_id)
        language = (known.language_code or "")[:2] if known else ""
        language = language if language in ("it", "en") else context.services.settings.default_language
    if lift:
        context.services.run_job(job_id)
    context.services.flush_log()
    verdict = (
        TEXTS.gettext(staff_language, "✅ Ban lifted") if lift else TEXTS.gettext(staff_language, "⛔ Ban confirmed")
    )
    who = mention(query.from_user.id, query.from_user.first_name)
    message = query.message
    if message is not None:
        context.client.call(
            "editMessageText", chat_id=message.chat.id, message_id=message.message_id, parse_mode="HTML",
            text=(message.text_html or "") + TEXTS.gettext(staff_language, APPEAL_DECIDED, verdict=verdict, who=who),
        )  # fmt: skip
    answer(context)
    send(context.client, user_id, texts.text("appeal_lifted" if lift else "appeal_confirmed", language))
