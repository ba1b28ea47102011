"""Whom a command names: replies, @usernames, text mentions and ids resolved to people (or a usage problem)."""

from __future__ import annotations

import html
from typing import Any

from aula_moderation.commands.parser import Target
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.people import records as people
from aula_moderation.people.models import TelegramUser
from aula_shared.db import session_scope


def resolve(scene: Scene, wanted: tuple[Target, ...], replied: Any) -> tuple[list[Person], tuple | None]:
    """People named by the command, and the first problem met (a usage text key and values), if any."""
    found: list[Person] = []
    problem = None
    with session_scope(scene.services.database_url) as session:
        for target in wanted:
            person: Person | None = None
            if target.kind == "reply":
                author = replied.from_user if replied is not None else None
                if replied is None or replied.sender_chat is not None or not people.is_person(author):
                    problem = problem or ("usage_cannot_target",)
                    continue
                people.upsert_user(session, author)
                person = Person.of(author)
            elif target.kind == "mention":
                people.upsert_user(session, target.user)
                person = Person.of(target.user)
            elif target.kind == "username":
                user = people.by_username(session, str(target.value))
                if user is None:
                    problem = problem or ("usage_user_not_found", {"who": f"@{html.escape(str(target.value))}"})
                    continue
                person = _person_of_row(user)
            else:
                user = session.get(TelegramUser, int(target.value))
                person = _person_of_row(user) if user is not None else Person(int(target.value))
            if person.id in people.NOT_PEOPLE or person.id == scene.bot_id:
                problem = problem or ("usage_cannot_target",)
                continue
            found.append(person)
    if problem is not None:
        key, *values = problem
        return found, (key, values[0] if values else {})
    return found, None


def _person_of_row(user: TelegramUser) -> Person:
    return Person(user.id, user.first_name, user.last_name, user.username, user.language_code)
