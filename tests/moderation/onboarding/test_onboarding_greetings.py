"""Several people added in one message get one welcome with `{greetings}` in the plural (it/en catalogs); one
newcomer is greeted in the singular by their own chat_member update, and nobody twice."""

from __future__ import annotations

import itertools

from moderation.onboarding.conftest import BOT, BOT_RIGHTS

from aula_moderation.chats import records as chats
from aula_moderation.onboarding import settings, trust
from aula_shared.db import session_scope

ADDER = 601
_chat_ids = itertools.count(-1001000000900, -1)
_users = itertools.count(9100)


def person(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": f"P{user_id}", "language_code": "en"}


class Group:
    def __init__(self, inprocess, language: str, **config) -> None:
        self.world, self.id = inprocess, next(_chat_ids)
        self.chat = {"id": self.id, "title": f"Corso {self.id}", "type": "supergroup"}
        inprocess.tg.add_chat(self.id, "supergroup", title=self.chat["title"],
                              members=[{"user_id": BOT, "status": "administrator", "rights": BOT_RIGHTS}])  # fmt: skip
        chats.manage(inprocess.db, self.id, BOT, self.chat["title"], language)
        with session_scope(inprocess.db) as session:
            settings.save(session, self.id, welcome=True, welcome_delete_after=0, **config)

    def newcomers(self, count: int) -> list[dict]:
        users = [person(next(_users)) for _ in range(count)]
        for user in users:
            self.world.tg.add_user(user["id"], user["first_name"], language_code="en")
            self.world.tg.set_member(self.id, user["id"], "member")
        return users

    def added(self, users: list[dict]) -> dict:
        """The one service message Telegram sends when someone adds several people at once."""
        return {"message": {"message_id": 1, "from": person(ADDER), "chat": self.chat, "date": 1763700000,
                            "new_chat_members": users}}  # fmt: skip

    def joined(self, user: dict) -> dict:
        return {"chat_member": {"chat": self.chat, "from": person(ADDER), "date": 1763700000,
                                "old_chat_member": {"user": user, "status": "left"},
                                "new_chat_member": {"user": user, "status": "member"}}}  # fmt: skip

    def welcomes(self) -> list[str]:
        return [t for t in self.world.bot_texts(self.id) if t.startswith(("Benvenut", "Welcome"))]


def test_several_added_at_once_get_one_welcome_in_the_plural(inprocess):
    group = Group(inprocess, "it")
    users = group.newcomers(3)
    inprocess.dispatch(group.added(users))
    [text] = group.welcomes()
    assert text.startswith("Benvenuti ") and all(f"P{u['id']}" in text for u in users)
    # Their own chat_member updates find them greeted: no second welcome.
    inprocess.dispatch(*(group.joined(u) for u in users))
    assert len(group.welcomes()) == 1


def test_one_newcomer_is_greeted_in_the_singular_and_english_groups_read_welcome_all(inprocess):
    group = Group(inprocess, "en")
    [alone] = group.newcomers(1)
    inprocess.dispatch(group.added([alone]), group.joined(alone))  # one member: their chat_member update greets
    assert group.welcomes() == [
        f"Welcome P{alone['id']} to Corso {group.id}! 😊\nPlease read the rules before writing."
    ]
    pair = group.newcomers(2)
    inprocess.dispatch(group.added(pair))
    assert group.welcomes()[-1].startswith(f"Welcome all P{pair[0]['id']}, P{pair[1]['id']} to Corso")


def test_newcomers_who_face_a_captcha_are_left_out_of_the_plural_welcome(inprocess):
    group = Group(inprocess, "it", captcha="button")
    users = group.newcomers(3)
    with session_scope(inprocess.db) as session:
        for user in users[:2]:
            trust.verify(session, user["id"], by=ADDER)
    inprocess.dispatch(group.added(users))
    [text] = group.welcomes()
    assert text.startswith("Benvenuti") and f"P{users[2]['id']}" not in text  # the unknown one gets a CAPTCHA
