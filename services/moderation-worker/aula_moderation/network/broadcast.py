"""/broadcast: a superadmin's message to every managed group, previewed, confirmed, sent as a paced job.

1. `/broadcast <text>` (in a managed group, where it is deleted at once, or in private with the bot): the issuer
   gets a private preview with two buttons, Send to N groups / Discard. Nothing is sent yet.
2. Send (only the issuer's press counts, once): the job gets one pending result per managed group and runs as
   a network job (network.run_job): each group gets the text through the rate-limited client, paced per bot;
   each result is done / no_rights / failed with Telegram's words.
3. When the job is done the issuer gets the delivery report from the bot they wrote to; staff see it per chat
   with `aula moderation jobs` and in the staff admin.

Stored as a NetworkJob of kind "broadcast" (user_id = the issuer) and a BROADCAST case holding the text: plain
in `reason` (for the moderation log), as Telegram HTML in `evidence` (what the groups receive, with the issuer's
bold, italics, links and mentions).
"""

from __future__ import annotations

import html
import logging
import re
from datetime import UTC, datetime

from sqlalchemy import select, update

from aula_moderation.chats import records as chats
from aula_moderation.chats.models import ManagedChat
from aula_moderation.log.models import Case
from aula_moderation.log.record import log_existing
from aula_moderation.network import jobs as network
from aula_moderation.network.models import JobResult, NetworkJob
from aula_moderation.people.models import TelegramUser
from aula_moderation.roles import grants
from aula_shared.db import session_scope
from aula_shared.i18n import FALLBACK, N_, Translations, language_for

TEXTS = Translations.for_package("aula_moderation")

log = logging.getLogger(__name__)

# Answers to the preview's buttons.
NOT_YOURS = N_("Not yours.")
SENDING = N_("Sending…")
DISCARDED = N_("Discarded.")
ALREADY_HANDLED = N_("Already handled.")

COMMAND = re.compile(r"^/broadcast(?:@\w+)?(?:\s+(?P<text>.+))?$", re.DOTALL | re.IGNORECASE)
COMMAND_PREFIX = re.compile(r"^/broadcast(?:@\w+)?\s*", re.IGNORECASE)
BUTTON = re.compile(r"^bc:(?P<action>send|drop):(?P<job>\d+)$")
MAX_TEXT = 4000


def is_broadcast(update) -> bool:
    message = update.message
    return message is not None and bool(message.text) and bool(COMMAND.match(message.text))


def is_button(update) -> bool:
    query = update.callback_query
    return query is not None and bool(BUTTON.match(query.data or ""))


def _is_superadmin(session, user_id: int, chat_id: int | None) -> bool:
    if chat_id is not None:
        return "superadmin" in grants.powers(session, user_id, chat_id).roles
    return any(grant.role == "superadmin" for grant in grants.grants_of(session, user_id))


def managed_chats(session) -> list[int]:
    return list(session.scalars(select(ManagedChat.id).where(ManagedChat.managed.is_(True)).order_by(ManagedChat.id)))


def on_command(context) -> None:
    message = context.update.effective_message
    sender = message.from_user
    in_group = message.chat.type in ("group", "supergroup")
    if in_group:
        context.client.call("deleteMessage", chat_id=message.chat.id, message_id=message.message_id)
    if message.sender_chat is not None or sender is None:
        return
    language = language_for(sender.language_code if sender else None, None, context.services.settings.default_language)
    text = (COMMAND.match(message.text).group("text") or "").strip()
    formatted = _formatted_text(message)
    with session_scope(context.database_url) as session:
        if not _is_superadmin(session, sender.id, message.chat.id if in_group else None):
            return  # without permission: ignored
        dedupe = f"{context.bot_id}:{context.update.update_id}:BROADCAST:0"
        if session.scalars(select(Case.id).where(Case.dedupe_key == dedupe)).first() is not None:
            return  # a redelivered update: the preview went out already
        if not text or len(text) > MAX_TEXT:
            job_id = None
        else:
            job = NetworkJob(
                kind="broadcast", user_id=sender.id, issuer_id=sender.id, bot_id=context.bot_id, status="draft"
            )
            session.add(job)
            session.flush()
            job_id = job.id
            session.add(
                Case(event="BROADCAST", chat_id=message.chat.id if in_group else None, network=True,
                     issuer_id=sender.id, reason=text, evidence=formatted, job_id=job_id, dedupe_key=dedupe)
            )  # fmt: skip
        groups = len(managed_chats(session))
    if job_id is None:
        usage = TEXTS.ngettext(
            language,
            "Usage: <code>/broadcast text</code> (at most {n} character).",
            "Usage: <code>/broadcast text</code> (at most {n} characters).",
            MAX_TEXT,
        )
        context.client.call("sendMessage", chat_id=sender.id, text=usage, parse_mode="HTML")
        return
    preview = TEXTS.ngettext(
        language, "📡 <b>Broadcast preview</b> — to {n} group:", "📡 <b>Broadcast preview</b> — to {n} groups:", groups
    )
    preview += f"\n\n{formatted}"
    keyboard = [[
        {"text": TEXTS.ngettext(language, "📤 Send to {n} group", "📤 Send to {n} groups", groups),
         "callback_data": f"bc:send:{job_id}"},
        {"text": TEXTS.gettext(language, "❌ Discard"), "callback_data": f"bc:drop:{job_id}"},
    ]]  # fmt: skip
    outcome = context.client.call(
        "sendMessage", chat_id=sender.id, text=preview, parse_mode="HTML", reply_markup={"inline_keyboard": keyboard}
    )
    if not outcome:  # the issuer never started the bot in private: say so where they wrote
        log.info("broadcast preview refused", extra=outcome.log_fields())


def _formatted_text(message) -> str:
    """The text after the command as Telegram HTML: bold, links, mentions… reach the groups as written."""
    return COMMAND_PREFIX.sub("", message.text_html, count=1).strip()


def on_button(context) -> None:
    query = context.update.callback_query
    match = BUTTON.match(query.data)
    job_id, action = int(match.group("job")), match.group("action")
    with session_scope(context.database_url) as session:
        job = session.get(NetworkJob, job_id)
        if job is None or job.kind != "broadcast" or job.issuer_id != query.from_user.id:
            answer = NOT_YOURS
        else:
            # Only the first press changes a draft (a double click or a redelivery finds it changed).
            new_status = "running" if action == "send" else "discarded"
            changed = session.execute(
                update(NetworkJob)
                .where(NetworkJob.id == job_id, NetworkJob.status == "draft")
                .values(status=new_status, created_at=datetime.now(UTC))
            ).rowcount
            if changed and action == "send":
                for chat_id in managed_chats(session):
                    session.add(JobResult(job_id=job_id, chat_id=chat_id, result="pending"))
                # Its case was stored with the draft; the log chat hears of it once it is sent.
                case = session.scalars(select(Case).where(Case.job_id == job_id, Case.event == "BROADCAST")).first()
                if case is not None:
                    log_existing(session, context.services, context.bot_id, case)
            answer = {"send": SENDING, "drop": DISCARDED}[action] if changed else ALREADY_HANDLED
    user = query.from_user
    language = language_for(user.language_code if user else None, None, context.services.settings.default_language)
    context.client.call("answerCallbackQuery", callback_query_id=query.id, text=TEXTS.gettext(language, answer))
    if query.message is not None and answer in (SENDING, DISCARDED):
        context.client.call(
            "editMessageReplyMarkup", chat_id=query.message.chat.id, message_id=query.message.message_id,
            reply_markup={"inline_keyboard": []},
        )  # fmt: skip
    if answer == SENDING:
        context.services.run_job(job_id)
        context.services.flush_log()


def report(session, clients, job: NetworkJob, default_language: str = FALLBACK) -> None:
    """The delivery report, to the issuer in private, once a broadcast's job is done (nothing for other jobs)."""
    if job.kind != "broadcast":
        return
    counts = network.summary(session, job.id)
    issuer = session.get(TelegramUser, job.issuer_id) if job.issuer_id else None
    language = language_for(issuer.language_code if issuer else None, None, default_language)
    total = sum(counts.values())
    lines = [
        TEXTS.ngettext(
            language,
            "📡 Broadcast {job} delivered: {done} of {n} group.",
            "📡 Broadcast {job} delivered: {done} of {n} groups.",
            total,
            job=job.id,
            done=counts.get("done", 0),
        )
    ]
    lines += [f"• {result}: {count}" for result, count in sorted(counts.items()) if result != "done"]
    failed = session.scalars(
        select(JobResult).where(JobResult.job_id == job.id, JobResult.result != "done").limit(20)
    ).all()
    lines += [f"<code>{r.chat_id}</code> {html.escape(r.detail or r.result)}" for r in failed]
    bot_id = job.bot_id or chats.any_managed_bot(session)
    if bot_id is None:
        return
    outcome = clients.for_bot(bot_id).call(
        "sendMessage", chat_id=job.issuer_id, text="\n".join(lines), parse_mode="HTML"
    )
    if not outcome:
        log.info("broadcast report refused", extra=outcome.log_fields())
