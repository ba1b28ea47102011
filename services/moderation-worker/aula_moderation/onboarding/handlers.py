"""Onboarding's routes, one handler per concern, added to moderation's router by `register`.

They run between moderation's people handlers (group 2: users recorded, network bans enforced on sight) and
its service-message and command handlers (3, 4), so the trust gate and the filters delete a message before
anything else acts on it. Appeal verdicts are pressed in the staff chat, which is usually not managed, so
they run before moderation's unmanaged-chat stop (group 1). Anonymous admins, channel posts and forwards
(777000), other bots and the bot itself are never gated or filtered (common.real_sender).
"""

from __future__ import annotations

import html
import logging
import re

from telegram import Update

from aula_moderation import chat_actions
from aula_moderation.chat_actions import answer, delete, send
from aula_moderation.onboarding import appeals, captcha, filters, gate, join_requests, settings, texts, trust, welcome
from aula_moderation.onboarding.common import is_staff_here, language, mention_of, now, real_sender
from aula_moderation.onboarding.models import Captcha
from aula_moderation.onboarding.texts import FILTER_ALERT, TEXTS
from aula_moderation.people import records as people
from aula_moderation.restrictions import service as restrictions
from aula_moderation.updates import callback_data, in_group, is_private
from aula_shared.db import session_scope
from aula_shared.i18n import language_for
from aula_shared.router import StopRouting

log = logging.getLogger(__name__)

STAFF_VERDICT = re.compile(r"^ob:a([lc]):(\d+)$")
GROUP_BUTTON = re.compile(r"^ob:([cgvb]):(\d+)(?::(.+))?$")
PRIVATE_BUTTON = re.compile(r"^ob:(?:r:(\d+):(.+)|(appeal))$")


def _config(context) -> dict:
    if "onboarding" not in context.cache:
        context.cache["onboarding"] = settings.cached(context.database_url, context.managed_chat().id)
    return context.cache["onboarding"]


def is_staff_verdict(update: Update) -> bool:
    """A staff member's verdict on an appeal, pressed in the staff chat."""
    return bool(STAFF_VERDICT.match(callback_data(update)))


def is_group_button(update: Update) -> bool:
    """A CAPTCHA answer or a rules-gate button in a group."""
    return in_group(update) and bool(GROUP_BUTTON.match(callback_data(update)))


def is_private_button(update: Update) -> bool:
    """A join-request step or an appeal request, pressed in private."""
    return is_private(update) and bool(PRIVATE_BUTTON.match(callback_data(update)))


# -- joins and leaves ----------------------------------------------------------------------------------------


def on_member_change(context) -> None:
    """A join (left/kicked → member/restricted) starts onboarding; a leave drops a pending CAPTCHA. Restriction
    changes are neither, so they never greet twice."""
    change = context.update.chat_member
    user = change.new_chat_member.user
    if user.is_bot or real_sender_id(user) is None:
        return
    was_in, is_in = _present(change.old_chat_member), _present(change.new_chat_member)
    if not was_in and is_in:
        on_join(context, user)
    elif was_in and not is_in:
        on_leave(context, user.id)


def _present(member) -> bool:
    """In the chat: a restricted member may have left (is_member false) and still be restricted."""
    if member.status == "restricted":
        return bool(getattr(member, "is_member", False))
    return member.status in ("member", "administrator", "creator")


def real_sender_id(user) -> int | None:
    return user.id if people.is_person(user) else None


def on_join(context, user) -> None:
    chat, config = context.managed_chat(), _config(context)
    lang = language(context, user)
    with session_scope(context.database_url) as session:
        step = _first_step(session, chat, config, user)
    if step == "captcha":
        captcha.start(context, chat, config, user, lang)  # greeted once solved; sent with their other restrictions
        return
    with session_scope(context.database_url) as session:
        # Back with a mute still running (a kick, a ban's end, lifts it in Telegram): it applies again.
        restrictions.reapply(session, context.client, chat.id, user.id)
    if step == "welcome":
        welcome.greet(context, chat, config, user, lang)
    else:
        gate.post_gate(context, chat, user, lang)


def _first_step(session, chat, config: dict, user) -> str:
    """What a newcomer meets first: "welcome", "captcha" or "gate"."""
    level = trust.level(session, user.id)
    # An applicant who just passed the private CAPTCHA of a join request is not asked again on arrival.
    if level == trust.VERIFIED or join_requests.recently_approved(session, chat.id, user.id):
        return "welcome"
    if config["captcha"] != "off":
        return "captcha"
    if config["rules_gate"] and level == trust.UNKNOWN:
        return "gate"
    return "welcome"


def on_members_added(context) -> None:
    """Several people added in one message get one welcome in the plural, in the group's language. Each one's
    chat_member update still starts their CAPTCHA or gate; a welcome is claimed per user, so whichever update
    comes first greets them and the other finds them greeted."""
    chat, config = context.managed_chat(), _config(context)
    newcomers = [u for u in context.update.message.new_chat_members if not u.is_bot and people.is_person(u)]
    if not config["welcome"] or len(newcomers) < 2:
        return
    with session_scope(context.database_url) as session:
        welcomed = [u for u in newcomers if _first_step(session, chat, config, u) == "welcome"]
    lang = language_for(None, chat.language, context.services.settings.default_language)
    welcome.greet_many(context, chat, config, welcomed, lang)


def on_leave(context, user_id: int) -> None:
    chat = context.managed_chat()
    with session_scope(context.database_url) as session:
        row = captcha.pending(session, chat.id, user_id)
        # Conditional: our own kick of an expired CAPTCHA also arrives as a leave, maybe while the due task
        # still holds the row; once it commits, the row is no longer pending and this changes nothing.
        if row is not None and captcha.mark(session, row.id, "left"):
            captcha.drop_message(session, context.client, row)
            # Telegram keeps a restriction across a leave: the CAPTCHA's goes (what else restricts them stays).
            captcha.release(session, context.client, row)


# -- buttons in groups ---------------------------------------------------------------------------------------


def on_group_button(context) -> None:
    kind, target, extra = GROUP_BUTTON.match(callback_data(context.update)).groups()
    chat, config = context.managed_chat(), _config(context)
    presser = context.update.callback_query.from_user
    lang = language(context, presser)
    if kind == "c":
        on_captcha_answer(context, chat, config, int(target), extra or "", lang)
    elif kind == "g":
        gate.on_show_rules(context, chat, int(target), lang)
    elif kind == "v":
        gate.on_confirm(context, chat, int(target), lang, config)
    else:
        gate.on_block(context, chat, int(target), lang)


def on_captcha_answer(context, chat, config: dict, captcha_id: int, choice: str, lang: str) -> None:
    presser = context.update.callback_query.from_user
    with session_scope(context.database_url) as session:
        # Locked: a press racing the due task waits for it and then sees the row expired.
        row = session.get(Captcha, captcha_id, with_for_update=True)
        if row is None or row.chat_id != chat.id or row.kind != "group":
            answer(context)
            return
        if presser.id != row.user_id:
            own = captcha.sharing(session, row, presser.id)
            if own is None:
                answer(context, texts.text("not_yours", lang), alert=True)  # the newcomer stays restricted
                return
            row = own
        if row.status != "pending":
            answer(context, texts.text("captcha_expired", row.language))
            return
        verdict = captcha.check(session, row, choice)
        if verdict == "wrong":
            answer(context, captcha.wrong_answer(session, row), alert=True)
            return
        if verdict == "failed":
            row.status, row.resolved_at = "failed", now()
            captcha.punish(session, context.client, row, config["captcha_action"])
            captcha.drop_message(session, context.client, row)
            answer(context, texts.text("captcha_failed", row.language), alert=True)
            return
        captcha.release(session, context.client, row)  # the member's status follows (restrictions)
        captcha.drop_message(session, context.client, row)
        trust.accept_rules(session, presser.id)
        level = trust.level(session, presser.id)
    answer(context, texts.text("captcha_solved", lang))
    if config["rules_gate"] and level == trust.PROBATION:
        gate.post_probation(context, chat, presser.id, presser.first_name, lang)
    welcome.greet(context, chat, config, presser, lang)


# -- join requests -------------------------------------------------------------------------------------------


def on_join_request(context) -> None:
    config = _config(context)
    if config["join_requests"]:
        join_requests.start(context, context.managed_chat(), config, context.update.chat_join_request)


# -- private chats: join-request conversations and appeals ---------------------------------------------------


def on_private_button(context) -> None:
    row_id, step, appeal = PRIVATE_BUTTON.match(callback_data(context.update)).groups()
    user = context.update.callback_query.from_user
    if appeal:
        appeals.request(context, user, language(context, user))
    else:
        join_requests.on_step(context, int(row_id), step)


def on_private_message(context) -> None:
    user = context.update.effective_message.from_user
    if user is not None and not user.is_bot and appeals.offer(context, user, language(context, user)):
        raise StopRouting


def on_staff_verdict(context) -> None:
    verdict, user_id = STAFF_VERDICT.match(callback_data(context.update)).groups()
    appeals.decide(context, int(user_id), lift=verdict == "l")
    raise StopRouting


# -- group messages: the trust gate, forbidden words, antiflood ----------------------------------------------


def _gated_sender(context):
    """The person to check, or None when onboarding leaves this message alone (not a person, or staff here)."""
    if "gated" not in context.cache:
        message = context.update.effective_message
        user = real_sender(message, context.bot_id)
        if user is not None:
            with session_scope(context.database_url) as session:
                if is_staff_here(session, user.id, context.managed_chat().id):
                    user = None
        context.cache["gated"] = user
    return context.cache["gated"]


def on_trust_gate(context) -> None:
    """Unknown users (rules not accepted) lose every message; probationers keep text, stickers and GIFs only —
    checked again on every edit (a link edited in later goes too), but only new messages count towards
    verification."""
    config = _config(context)
    if not config["rules_gate"] or (user := _gated_sender(context)) is None:
        return
    message = context.update.effective_message
    with session_scope(context.database_url) as session:
        level = trust.level(session, user.id)
        if level == trust.PROBATION and gate.allowed_on_probation(message):
            if context.update.message is not None and trust.count_clean_message(session, user.id, config):
                log.info("probationer verified by clean messages", extra={"user_id": user.id})
            return
    if level == trust.VERIFIED:
        return
    delete(context.client, message.chat.id, message.message_id)
    if level == trust.UNKNOWN and context.services.redis.set(
        f"aula:onboarding:gate:{message.chat.id}:{user.id}", 1, nx=True, ex=300
    ):
        gate.post_gate(context, context.managed_chat(), user, language(context, user))
    raise StopRouting


def on_forbidden_words(context) -> None:
    config = _config(context)
    message = context.update.effective_message
    text = message.text or message.caption
    if config["filter_mode"] == "off" or not text or (user := _gated_sender(context)) is None:
        return
    chat = context.managed_chat()
    with session_scope(context.database_url) as session:
        matched = filters.first_match(filters.rules_for(session, chat.id), text)
    if matched is None:
        return
    staff_chat = context.services.settings.staff_chat_id
    if staff_chat is not None and chat_actions.first_alert(context.services.redis, "filter", chat.id, user.id):
        alert = TEXTS.gettext(
            context.services.settings.default_language,  # the staff chat: the network's language
            FILTER_ALERT,
            mention=mention_of(user), user_id=user.id, title=html.escape(chat.title or ""), chat_id=chat.id,
            text=html.escape(text[:500]),
        )  # fmt: skip
        send(context.client, staff_chat, alert)
    if config["filter_mode"] == "delete":
        delete(context.client, chat.id, message.message_id)
        notice = send(
            context.client, chat.id, texts.text("forbidden_word", language(context, user), mention=mention_of(user))
        )
        from aula_moderation.chat_actions import delete_later

        delete_later(context.services, context.bot_id, chat.id, notice, float(config["notice_delay"]))
        raise StopRouting


def on_flood(context) -> None:
    config = _config(context)
    if not config["flood_messages"] or (user := _gated_sender(context)) is None:
        return
    chat = context.managed_chat()
    if filters.flooding(context.services.redis, chat.id, user.id, config["flood_messages"], config["flood_seconds"]):
        with session_scope(context.database_url) as session:
            filters.mute_for_flood(session, context.client, chat.id, user.id, config["flood_mute"])
        context.services.run_timers_in(float(config["flood_mute"]))
