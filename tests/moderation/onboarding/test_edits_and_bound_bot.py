"""Two ways around moderation that the pipeline now closes: editing a message after it passed (a link or a
forbidden word edited in later), and a second Aula bot in the same group acting beside the bound one."""

from __future__ import annotations

import itertools
import time

import orjson
from moderation.onboarding.conftest import managed_group

from aula_moderation.log.models import Case
from aula_moderation.onboarding import filters, trust
from aula_moderation.roles import grants
from aula_shared.db import session_scope
from aula_shared.envelope import Envelope

OTHER_BOT = 7000000032  # another Aula bot, registered, in the same group
_chat_ids = itertools.count(-1001000000980, -1)
_users = itertools.count(9800)
_update_ids = itertools.count(2 * 10**9)


def group(inprocess, **config) -> int:
    return managed_group(inprocess, next(_chat_ids), **config)


def member(inprocess, chat_id: int) -> int:
    user_id = next(_users)
    inprocess.tg.add_user(user_id, f"Member{user_id}", language_code="it")
    inprocess.tg.set_member(chat_id, user_id, "member")
    return user_id


def edited(chat_id: int, user_id: int, message_id: int, text: str, entities=()) -> dict:
    return {
        "edited_message": {
            "message_id": message_id,
            "from": {"id": user_id, "is_bot": False, "first_name": f"Member{user_id}", "language_code": "it"},
            "chat": {"id": chat_id, "type": "supergroup", "title": f"Corso {chat_id}"},
            "date": int(time.time()) - 5,
            "edit_date": int(time.time()),
            "text": text,
            "entities": list(entities),
        }
    }


def deleted_ids(inprocess, chat_id: int) -> set[int]:
    calls = inprocess.tg.calls(method="deleteMessage", chat_id=chat_id)
    return {c["params"]["message_id"] for c in calls if c["status"] == 200}


def test_a_forbidden_word_edited_in_is_deleted(inprocess):
    chat = group(inprocess, filter_mode="delete")
    with session_scope(inprocess.db) as session:
        filters.add_rule(session, "soldi facili", chat_id=chat)
    user = member(inprocess, chat)
    sent = inprocess.tg.send_text(chat, user, "buongiorno a tutti")["message"]
    inprocess.pump()
    assert sent["message_id"] not in deleted_ids(inprocess, chat)  # clean as first posted
    inprocess.dispatch(edited(chat, user, sent["message_id"], "buongiorno, SOLDI FACILI qui"))
    assert sent["message_id"] in deleted_ids(inprocess, chat)


def test_a_probationer_cannot_edit_a_link_in_and_edits_do_not_count_towards_verification(inprocess):
    chat = group(inprocess, rules_gate=True, verify_after_messages=2)
    user = member(inprocess, chat)
    with session_scope(inprocess.db) as session:
        trust.accept_rules(session, user)  # on probation: plain text only
    sent = inprocess.tg.send_text(chat, user, "ciao")["message"]
    inprocess.pump()
    for _ in range(3):  # edits are not new clean messages
        inprocess.dispatch(edited(chat, user, sent["message_id"], "ciao ciao"))
    with session_scope(inprocess.db) as session:
        assert trust.level(session, user) == trust.PROBATION
    link = "guarda https://spam.example/offerta"
    url = {"type": "url", "offset": 8, "length": len("https://spam.example/offerta")}
    inprocess.dispatch(edited(chat, user, sent["message_id"], link, [url]))
    assert sent["message_id"] in deleted_ids(inprocess, chat)


def test_only_the_bot_a_group_is_bound_to_acts_there(inprocess):
    chat = group(inprocess)
    staff, target = member(inprocess, chat), member(inprocess, chat)
    with session_scope(inprocess.db) as session:
        grants.grant(session, staff, "administrator", chats=[chat])
    command = {
        "message_id": 77,
        "from": {"id": staff, "is_bot": False, "first_name": "Staff"},
        "chat": {"id": chat, "type": "supergroup", "title": f"Corso {chat}"},
        "date": int(time.time()),
        "text": f"/warn {target} spam",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    }
    # The same update, as the other Aula bot in the group receives it: nothing happens through it.
    inprocess._dispatcher([Envelope(OTHER_BOT, orjson.dumps({"update_id": next(_update_ids), "message": command}))])
    with session_scope(inprocess.db) as session:
        assert session.query(Case).filter(Case.chat_id == chat).count() == 0
    assert inprocess.tg.calls(bot_id=OTHER_BOT) == []
    # Through the bound bot, the warning is given once.
    inprocess.dispatch({"message": command})
    with session_scope(inprocess.db) as session:
        assert [case.event for case in session.query(Case).filter(Case.chat_id == chat)] == ["MODERATION_WARN"]
