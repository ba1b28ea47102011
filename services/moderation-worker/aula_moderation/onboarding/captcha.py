"""CAPTCHA for newcomers: off, button or math, per group.

The newcomer is restricted at once and gets a message with buttons only they may press (others get an alert).
A right answer lifts the restriction and counts as accepting the rules; too many wrong answers, or the timeout,
take the group's action (kick, ban, or stay muted). Every pending CAPTCHA is a row with its due time: the due
task (tasks.py) resolves it whenever it comes due, across restarts, so nobody is left muted by a lost timer.

The restriction is a "captcha" restriction (aula_moderation.restrictions): lifting it leaves a mute or an
antiflood mute the newcomer also has in place, and their ends do not lift it.
"""

from __future__ import annotations

import html
import logging
import math
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from aula_moderation import task_names
from aula_moderation.chat_actions import button, delete, send
from aula_moderation.onboarding import texts
from aula_moderation.onboarding.common import mention_of, now
from aula_moderation.onboarding.models import Captcha
from aula_moderation.onboarding.texts import RULES_URL
from aula_moderation.people import records as people
from aula_moderation.restrictions import service as restrictions
from aula_shared.db import session_scope

log = logging.getLogger(__name__)


def math_question(rng: random.Random | None = None) -> tuple[str, str, list[str]]:
    rng = rng or random.SystemRandom()
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    answer = a + b
    options = {answer}
    while len(options) < 4:
        options.add(answer + rng.choice((-3, -2, -1, 1, 2, 3)))
    shuffled = sorted(options, key=lambda _: rng.random())
    return f"{a} + {b}", str(answer), [str(o) for o in shuffled]


def keyboard(row: Captcha) -> list[list[dict]]:
    if row.mode == "math":
        return [[button(option, f"ob:c:{row.id}:{option}") for option in row.options]]
    return [[button(texts.text("captcha_press", row.language), f"ob:c:{row.id}:ok")]]


def pending(session: Session, chat_id: int, user_id: int, kind: str = "group") -> Captcha | None:
    return session.scalars(
        select(Captcha).where(
            Captcha.chat_id == chat_id, Captcha.user_id == user_id, Captcha.kind == kind, Captcha.status == "pending"
        )
    ).first()


def start(context, chat, config: dict, user: Any, language: str) -> Captcha | None:
    """Restrict the newcomer and ask; None if a CAPTCHA is already pending (a redelivered join).

    One transaction: the restriction and the pending row are kept together or not at all (a crash between them
    would leave a newcomer restricted with no CAPTCHA to answer, and nothing to lift it)."""
    mode, timeout = config["captcha"], float(config["captcha_timeout"])
    with session_scope(context.database_url) as session:
        if pending(session, chat.id, user.id) is not None:
            return None
        restricted = restrictions.impose(session, context.client, chat.id, user.id, "captcha", None)
        if not restricted:
            log.info("captcha restriction refused", extra=restricted.log_fields())
            return None  # no rights to restrict: a CAPTCHA nobody enforces would only be noise
        shared = _storm_message(session, chat.id, mode)
        if shared is not None:  # a join storm: share the open message and its question
            question, answer, options = "", shared.answer, list(shared.options)
        else:
            question, answer, options = math_question() if mode == "math" else ("", "ok", [])
        row = Captcha(
            kind="group", stage="storm" if shared is not None else "captcha", bot_id=context.bot_id,
            chat_id=chat.id, user_id=user.id, mode=mode, answer=answer, options=options, language=language,
            attempts=0, status="pending", due_at=now() + timedelta(seconds=timeout), message_chat_id=chat.id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        if shared is not None:
            row.message_id = shared.message_id
        elif _storming(session, chat.id):
            # Telegram lets a bot post ~20 messages a minute in a group: past a few CAPTCHAs a minute, newcomers
            # share one generic message (in the group's language) instead of queueing behind the limit.
            row.stage = "storm"
            text = storm_text(chat.language or language, mode, html.escape(chat.title or ""), int(timeout), question)
            row.message_id = send(context.client, chat.id, text, keyboard(row))
        else:
            text = captcha_text(language, mode, mention_of(user), html.escape(chat.title or ""), int(timeout), question)
            row.message_id = send(context.client, chat.id, text, keyboard(row))
        session.flush()
        session.expunge(row)  # returned to the caller after the session ends
    wake_at(context.services.redis, context.services.send_task, row.due_at)
    return row


def captcha_text(language: str, mode: str, mention: str, title: str, seconds: int, question: str | None) -> str:
    values = {"mention": mention, "title": title, "seconds": seconds, "question": question, "rules_url": RULES_URL}
    if mode == "math":
        return texts.TEXTS.ngettext(
            language,
            "👋 {mention}, welcome to <b>{title}</b>!\nTo write here, answer within {seconds} second: "
            '<b>what is {question}?</b> By answering you accept the <a href="{rules_url}">rules</a>.',
            "👋 {mention}, welcome to <b>{title}</b>!\nTo write here, answer within {seconds} seconds: "
            '<b>what is {question}?</b> By answering you accept the <a href="{rules_url}">rules</a>.',
            seconds,
            **values,
        )
    return texts.TEXTS.ngettext(
        language,
        "👋 {mention}, welcome to <b>{title}</b>!\nTo write here, press the button below within {seconds} second: "
        'you confirm you are not a bot and accept the <a href="{rules_url}">rules</a>.',
        "👋 {mention}, welcome to <b>{title}</b>!\nTo write here, press the button below within {seconds} seconds: "
        'you confirm you are not a bot and accept the <a href="{rules_url}">rules</a>.',
        seconds,
        **values,
    )


def storm_text(language: str, mode: str, title: str, seconds: int, question: str | None) -> str:
    """A join storm: one message for many newcomers (Telegram allows ~20 bot messages a minute in a group)."""
    values = {"title": title, "seconds": seconds, "question": question, "rules_url": RULES_URL}
    if mode == "math":
        return texts.TEXTS.ngettext(
            language,
            "👋 Welcome to everyone who just joined <b>{title}</b>!\nTo write here, answer within {seconds} "
            'second: <b>what is {question}?</b> By answering you accept the <a href="{rules_url}">rules</a>.',
            "👋 Welcome to everyone who just joined <b>{title}</b>!\nTo write here, answer within {seconds} "
            'seconds: <b>what is {question}?</b> By answering you accept the <a href="{rules_url}">rules</a>.',
            seconds,
            **values,
        )
    return texts.TEXTS.ngettext(
        language,
        "👋 Welcome to everyone who just joined <b>{title}</b>!\nTo write here, press the button below within "
        '{seconds} second: you confirm you are not a bot and accept the <a href="{rules_url}">rules</a>.',
        "👋 Welcome to everyone who just joined <b>{title}</b>!\nTo write here, press the button below within "
        '{seconds} seconds: you confirm you are not a bot and accept the <a href="{rules_url}">rules</a>.',
        seconds,
        **values,
    )


STORM_MESSAGES = 3  # personal CAPTCHA messages within STORM_WINDOW before newcomers share one
STORM_WINDOW = 60.0
STORM_SHARE = 50  # newcomers on one shared message


def _storming(session: Session, chat_id: int) -> bool:
    since = now() - timedelta(seconds=STORM_WINDOW)
    sent = session.scalar(
        select(func.count(func.distinct(Captcha.message_id))).where(
            Captcha.chat_id == chat_id, Captcha.kind == "group", Captcha.created_at >= since,
            Captcha.message_id.is_not(None),
        )
    )  # fmt: skip
    return (sent or 0) >= STORM_MESSAGES


def _storm_message(session: Session, chat_id: int, mode: str) -> Captcha | None:
    """The open shared message of a storm still taking newcomers: its first row, or None."""
    since = now() - timedelta(seconds=STORM_WINDOW)
    latest = session.scalars(
        select(Captcha)
        .where(
            Captcha.chat_id == chat_id, Captcha.kind == "group", Captcha.stage == "storm", Captcha.mode == mode,
            Captcha.created_at >= since, Captcha.message_id.is_not(None),
        )
        .order_by(Captcha.id.desc())
        .limit(1)
    ).first()  # fmt: skip
    if latest is None:
        return None
    on_it = select(func.count()).where(Captcha.chat_id == chat_id, Captcha.message_id == latest.message_id)
    total = session.scalar(on_it)
    still_pending = session.scalar(on_it.where(Captcha.status == "pending"))
    return latest if still_pending and total < STORM_SHARE else None


def sharing(session: Session, row: Captcha, presser_id: int) -> Captcha | None:
    """The presser's own pending CAPTCHA on the same shared message (a storm message serves many newcomers)."""
    if row.stage != "storm" or row.message_id is None:
        return None
    return session.scalars(
        select(Captcha)
        .where(
            Captcha.chat_id == row.chat_id, Captcha.message_id == row.message_id, Captcha.user_id == presser_id,
            Captcha.status == "pending", Captcha.kind == "group",
        )
        .with_for_update()
    ).first()  # fmt: skip


def mark(session: Session, captcha_id: int, status: str) -> bool:
    """Resolve a row only if it is still pending (another process may have resolved it meanwhile)."""
    result = session.execute(
        update(Captcha)
        .where(Captcha.id == captcha_id, Captcha.status == "pending")
        .values(status=status, resolved_at=now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def drop_message(session: Session, client, row: Captcha) -> None:
    """Delete the CAPTCHA message once nobody else still needs it."""
    if row.message_id is None:
        return
    others = session.scalar(
        select(func.count()).where(
            Captcha.chat_id == row.chat_id, Captcha.message_id == row.message_id, Captcha.id != row.id,
            Captcha.status == "pending",
        )
    )  # fmt: skip
    if not others:
        delete(client, row.message_chat_id, row.message_id)


def wake_at(redis, send_task, due_at) -> None:
    """Send the due task for the whole second after `due_at`, once per second (a join storm sends ~1 a second):
    the run at that second's end sees every row due within it."""
    if send_task is None:
        return
    second = math.ceil(due_at.timestamp())
    seconds = max(0.0, second - now().timestamp())
    if redis is None or redis.set(f"aula:onboarding:wake:{second}", 1, nx=True, ex=int(seconds) + 60):
        send_task(task_names.ONBOARDING_DUE, (), seconds + 0.3)


def wrong_answer(session: Session, row: Captcha) -> str:
    """What a wrong answer is told: how many attempts are left (in a group or in a join request's private chat)."""
    left = row_limit(session, row) - row.attempts
    return texts.TEXTS.ngettext(
        row.language, "❌ Wrong answer: {left} attempt left.", "❌ Wrong answer: {left} attempts left.", left, left=left
    )


def check(session: Session, row: Captcha, choice: str) -> str:
    """Score one answer: "solved", "wrong" (attempts left) or "failed"."""
    if choice == row.answer:
        row.status, row.resolved_at = "solved", now()
        return "solved"
    row.attempts += 1
    return "wrong" if row.attempts < row_limit(session, row) else "failed"


def row_limit(session: Session, row: Captcha) -> int:
    from aula_moderation.onboarding import settings

    return max(1, int(settings.load(session, row.chat_id)["captcha_attempts"]))


def release(session: Session, client, row: Captcha) -> bool:
    """Lift the CAPTCHA's restriction (solved, or the newcomer left): what else restricts them stays."""
    return bool(restrictions.release(session, client, row.chat_id, row.user_id, "captcha"))


def punish(session: Session, client, row: Captcha, action: str) -> None:
    """The group's action for a failed or expired CAPTCHA: kick (may come back), ban, or stay muted — a mute
    for ever from then on (staff lift it with /free), in place of the CAPTCHA's restriction."""
    if action in ("kick", "ban"):
        outcome = client.call("banChatMember", chat_id=row.chat_id, user_id=row.user_id)
        if action == "kick" and outcome:
            outcome = client.call("unbanChatMember", chat_id=row.chat_id, user_id=row.user_id, only_if_banned=True)
        if outcome:
            people.set_membership(session, row.chat_id, row.user_id, "left" if action == "kick" else "kicked")
            # Out of the group, and Telegram lifted their restrictions with the ban: nothing to send now. What
            # else restricted them is sent again if they come back (onboarding's join handler).
            restrictions.forget(session, row.chat_id, row.user_id, "captcha")
            return
        log.info("captcha action refused: the newcomer stays muted", extra={"action": action, **outcome.log_fields()})
    restrictions.change(session, client, row.chat_id, row.user_id, impose={"mute": None}, release=("captcha",))


def claim_due(session: Session, limit: int = 100) -> list[Captcha]:
    statement = (
        select(Captcha)
        .where(Captcha.status == "pending", Captcha.due_at <= now())
        .order_by(Captcha.due_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list(session.scalars(statement))


def next_due(session: Session):
    return session.scalars(
        select(Captcha.due_at).where(Captcha.status == "pending").order_by(Captcha.due_at).limit(1)
    ).first()
