"""Join requests: the bot talks to the applicant in private — language, rules, CAPTCHA — then approves.

Declining, failing the CAPTCHA or letting the time run out declines the request. Someone who already accepted
the rules (in any managed group) or is staff is approved at once. The conversation is a Captcha row of kind
"request" whose stage moves language → rules → captcha; the due task declines it when it expires.

The bot writes to the applicant's `user_chat_id`, which Telegram allows without /start for 5 minutes and until
the request is approved or declined: hence the default timeout of 300 s, and each verdict's notice sent first.
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation.chat_actions import button, send
from aula_moderation.onboarding import captcha, texts, trust
from aula_moderation.onboarding.common import now
from aula_moderation.onboarding.models import Captcha
from aula_moderation.people import records as people
from aula_shared.db import session_scope

log = logging.getLogger(__name__)


def approve(client, row_or_ids) -> bool:
    chat_id, user_id = row_or_ids
    outcome = client.call("approveChatJoinRequest", chat_id=chat_id, user_id=user_id)
    if not outcome:
        log.info("join request approval refused", extra=outcome.log_fields())
    return bool(outcome)


def decline(session: Session, client, row: Captcha, status: str) -> None:
    # Told first: a bot may write to an applicant who never started it only until the request is processed.
    send(client, row.message_chat_id, texts.text("request_declined", row.language))
    outcome = client.call("declineChatJoinRequest", chat_id=row.chat_id, user_id=row.user_id)
    if not outcome:
        log.info("join request decline refused", extra=outcome.log_fields())
    row.status, row.resolved_at = status, now()


def expire(session: Session, client, row: Captcha) -> None:
    decline(session, client, row, "expired")


def start(context, chat, config: dict, request) -> None:
    user = request.from_user
    with session_scope(context.database_url) as session:
        if trust.level(session, user.id) != trust.UNKNOWN:
            approve(context.client, (chat.id, user.id))
            return
        if captcha.pending(session, chat.id, user.id, kind="request") is not None:
            return  # a redelivered request: the conversation is already going
        row = Captcha(
            kind="request", stage="language", bot_id=context.bot_id, chat_id=chat.id, user_id=user.id,
            mode=config["captcha"], answer=None, options=[], language=chat.language or "it", attempts=0,
            status="pending", due_at=now() + timedelta(seconds=float(config["join_request_timeout"])),
            message_chat_id=getattr(request, "user_chat_id", None) or user.id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        buttons = [[button("🇮🇹 Italiano", f"ob:r:{row.id}:it"), button("🇬🇧 English", f"ob:r:{row.id}:en")]]
        text = texts.text("request_language", row.language, title=html.escape(chat.title or ""))
        row.message_id = send(context.client, row.message_chat_id, text, buttons)
        due_at = row.due_at
    captcha.wake_at(context.services.redis, context.services.send_task, due_at)


def recently_approved(session: Session, chat_id: int, user_id: int) -> bool:
    since = now() - timedelta(hours=1)
    return (
        session.scalars(
            select(Captcha.id).where(
                Captcha.chat_id == chat_id, Captcha.user_id == user_id, Captcha.kind == "request",
                Captcha.status == "solved", Captcha.resolved_at >= since,
            )
        ).first()
        is not None
    )  # fmt: skip


def on_step(context, row_id: int, step: str) -> None:
    """A button in the private conversation: a language, accept, decline, or a CAPTCHA answer."""
    query = context.update.callback_query
    with session_scope(context.database_url) as session:
        row = session.get(Captcha, row_id, with_for_update=True)  # a press racing the due task waits for it
        if row is None or row.kind != "request" or row.user_id != query.from_user.id:
            _answer(context)
            return
        if row.status != "pending":
            _answer(context, texts.text("captcha_expired", row.language))
            return
        client = context.client
        if step in ("it", "en") and row.stage == "language":
            row.language, row.stage = step, "rules"
            buttons = [
                [button(texts.text("request_accept", step), f"ob:r:{row.id}:yes")],
                [button(texts.text("request_decline", step), f"ob:r:{row.id}:no")],
            ]
            title = _title(session, row.chat_id)
            send(client, row.message_chat_id, texts.text("request_rules", step, title=title), buttons)
        elif step == "no":
            decline(session, client, row, "declined")
        elif step == "yes" and row.stage == "rules":
            trust.accept_rules(session, row.user_id)
            if row.mode == "math":
                question, row.answer, row.options = captcha.math_question()
                row.stage = "captcha"
                buttons = [[button(o, f"ob:r:{row.id}:={o}") for o in row.options]]
                send(client, row.message_chat_id, texts.text("request_math", row.language, question=question), buttons)
            else:
                _approve(session, client, row)
        elif step.startswith("=") and row.stage == "captcha":
            verdict = captcha.check(session, row, step[1:])
            if verdict == "solved":
                _approve(session, client, row)
            elif verdict == "failed":
                decline(session, client, row, "failed")
            else:
                _answer(context, captcha.wrong_answer(session, row), alert=True)
                return
        _answer(context)


def _approve(session: Session, client, row: Captcha) -> None:
    send(client, row.message_chat_id, texts.text("request_approved", row.language))  # before: see decline()
    approve(client, (row.chat_id, row.user_id))
    row.status, row.resolved_at = "solved", now()
    people.set_membership(session, row.chat_id, row.user_id, "member")


def _title(session: Session, chat_id: int) -> str:
    from aula_moderation.chats.models import ManagedChat

    chat = session.get(ManagedChat, chat_id)
    return html.escape((chat.title if chat else None) or "")


def _answer(context, text: str | None = None, alert: bool = False) -> None:
    from aula_moderation.chat_actions import answer

    answer(context, text, alert)
