"""A join request from someone who never started the bot: the conversation goes to `user_chat_id`, which
Telegram (and the simulator) allow for 5 minutes and until the request is processed, so every notice, the
verdict's included, is sent before the request is approved or declined."""

from __future__ import annotations

import itertools

from moderation.onboarding.conftest import BOT, managed_group
from sqlalchemy import select

from aula_moderation.onboarding.models import Captcha
from aula_shared.db import session_scope

_chat_ids = itertools.count(-1001000000950, -1)
_users = itertools.count(9500)


def request_group(inprocess, **config) -> int:
    return managed_group(inprocess, next(_chat_ids), join_requests=True, **config)


def applicant(inprocess) -> int:
    user_id = next(_users)
    inprocess.tg.add_user(user_id, f"Applicant{user_id}", language_code="en")
    return user_id


def press(inprocess, user_id: int, label: str) -> None:
    """Press the button labelled `label` in the bot's last message to the user, and handle what follows."""
    last = [m for m in inprocess.tg.messages(user_id) if m["sender_id"] == BOT][-1]
    keyboard = [b for row in last["message"]["reply_markup"]["inline_keyboard"] for b in row]
    data = next(b["callback_data"] for b in keyboard if label in b["text"])
    inprocess.tg.press_button(user_id, last["message_id"], user_id, data)
    inprocess.pump()


def refused_sends(inprocess, user_id: int) -> list[dict]:
    return [c for c in inprocess.tg.calls(method="sendMessage", chat_id=user_id) if c["status"] != 200]


def test_an_applicant_who_never_started_the_bot_is_talked_to_and_approved(inprocess):
    chat, user = request_group(inprocess), applicant(inprocess)
    inprocess.tg.join_request(chat, user)
    inprocess.pump()
    assert "Choose your language" in inprocess.bot_texts(user)[0]
    press(inprocess, user, "English")
    press(inprocess, user, "I accept")
    assert inprocess.bot_texts(user)[-1] == "✅ Request approved: welcome!"
    assert [c["params"]["user_id"] for c in inprocess.tg.calls(method="approveChatJoinRequest")
            if c["params"]["chat_id"] == chat] == [user]  # fmt: skip
    assert inprocess.tg.member(chat, user)["status"] == "member"
    assert refused_sends(inprocess, user) == []


def test_an_applicant_who_declines_hears_it_before_the_request_is_declined(inprocess):
    chat, user = request_group(inprocess), applicant(inprocess)
    inprocess.tg.join_request(chat, user)
    inprocess.pump()
    press(inprocess, user, "English")
    press(inprocess, user, "No thanks")
    assert inprocess.bot_texts(user)[-1] == "Request declined."
    assert refused_sends(inprocess, user) == []
    with session_scope(inprocess.db) as session:
        row = session.scalars(select(Captcha).where(Captcha.chat_id == chat, Captcha.user_id == user)).one()
        assert (row.status, row.message_chat_id) == ("declined", user)
