"""Welcome messages per group and language: validated Telegram-HTML templates with variables.

A template is validated when saved: only the tags Telegram accepts are kept as tags (with their allowed
attributes); any other markup is escaped so it shows as text instead of making sendMessage fail. Variables are
`{greetings}` (plural-aware), `{title}`, `{first}`, `{mention}`, `{username}`, `{rules}`; values are escaped.
"""

from __future__ import annotations

import html
import string
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation.chat_actions import delete_later, send, url_button
from aula_moderation.onboarding import texts
from aula_moderation.onboarding.common import mention, now, utc
from aula_moderation.onboarding.models import WelcomeSent, WelcomeTemplate
from aula_shared.db import insert_for, session_scope

VARIABLES = ("greetings", "title", "first", "mention", "username", "rules")
MAX_BUTTONS = 4
# Telegram's HTML: tag → attributes it accepts.
ALLOWED = {
    "b": (), "strong": (), "i": (), "em": (), "u": (), "ins": (), "s": (), "strike": (), "del": (),
    "a": ("href",), "code": ("class",), "pre": (), "tg-spoiler": (), "span": ("class",),
    "blockquote": ("expandable",), "tg-emoji": ("emoji-id",),
}  # fmt: skip


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED or (tag == "span" and dict(attrs).get("class") != "tg-spoiler"):
            self.out.append(html.escape(self.get_starttag_text()))
            return
        kept = "".join(
            f' {name}="{html.escape(value or "", quote=True)}"' if value is not None else f" {name}"
            for name, value in attrs
            if name in ALLOWED[tag]
        )
        self.out.append(f"<{tag}{kept}>")
        self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            # Close what was left open inside it: Telegram refuses crossed tags.
            while self.open:
                inner = self.open.pop()
                self.out.append(f"</{inner}>")
                if inner == tag:
                    break
        else:
            self.out.append(html.escape(f"</{tag}>"))

    def handle_data(self, data):
        self.out.append(html.escape(data, quote=False))

    def handle_entityref(self, name):
        self.out.append(f"&{name};" if name in ("lt", "gt", "amp", "quot") else html.escape(f"&{name};"))

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def close_all(self) -> str:
        self.close()
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        return "".join(self.out)


def validate(template: str) -> str:
    """The template as it will be stored; ValueError for unknown variables (a typo would show as text)."""
    for _literal, name, _spec, _conv in string.Formatter().parse(template):
        if name is not None and name not in VARIABLES:
            raise ValueError(f"unknown variable {{{name}}}; use {', '.join('{' + v + '}' for v in VARIABLES)}")
    sanitizer = _Sanitizer()
    sanitizer.feed(template)
    return sanitizer.close_all()


def validate_buttons(buttons: list) -> list[list[str]]:
    if len(buttons) > MAX_BUTTONS:
        raise ValueError(f"at most {MAX_BUTTONS} buttons")
    clean = []
    for label, url in buttons:
        if not label or not str(url).startswith(("https://", "http://", "tg://")):
            raise ValueError(f"button {label!r} needs a label and an http(s) or tg:// link")
        clean.append([str(label)[:64], str(url)])
    return clean


def save_template(session: Session, chat_id: int | None, language: str, template: str, buttons=()) -> str:
    clean, links = validate(template), validate_buttons(list(buttons))
    row = session.scalars(
        select(WelcomeTemplate).where(
            WelcomeTemplate.chat_id.is_(None) if chat_id is None else WelcomeTemplate.chat_id == chat_id,
            WelcomeTemplate.language == language,
        )
    ).first()
    if row is None:
        row = WelcomeTemplate(chat_id=chat_id, language=language)
        session.add(row)
    row.template, row.buttons = clean, links
    session.flush()
    return clean


def template_for(session: Session, chat_id: int | None, language: str) -> tuple[str, list]:
    """The chat's template in this language, else the network's, else the built-in text (chat_id None: the
    network's, else the built-in one)."""
    rows = session.scalars(
        select(WelcomeTemplate).where(
            WelcomeTemplate.chat_id.is_(None)
            if chat_id is None
            else (WelcomeTemplate.chat_id == chat_id) | WelcomeTemplate.chat_id.is_(None),
            WelcomeTemplate.language == language,
        )
    ).all()
    rows = sorted(rows, key=lambda r: r.chat_id is None)
    if rows:
        return rows[0].template, rows[0].buttons or []
    return texts.text("welcome_default", language, **{v: "{" + v + "}" for v in VARIABLES}), []


def render(template: str, language: str, *, users: list[Any], title: str) -> str:
    first = users[0]
    values = {
        "greetings": texts.TEXTS.gettext(language, "Welcome")
        if len(users) == 1
        else texts.TEXTS.gettext(language, "Welcome all"),
        "title": html.escape(title or ""),
        "first": html.escape(first.first_name or ""),
        "mention": ", ".join(mention(u.id, u.first_name or "") for u in users),
        "username": html.escape(f"@{first.username}" if first.username else first.first_name or ""),
        "rules": texts.text("rules_link", language),
    }
    return template.format(**values)


def claim(session: Session, chat_id: int, user_id: int, period: float) -> bool:
    """True if the user may be welcomed now (not greeted here within the period); records it."""
    row = session.get(WelcomeSent, (chat_id, user_id))
    if row is not None and now() - utc(row.sent_at) < timedelta(seconds=period):
        return False
    statement = insert_for(session, WelcomeSent).values(chat_id=chat_id, user_id=user_id, sent_at=now())
    session.execute(statement.on_conflict_do_update(index_elements=["chat_id", "user_id"], set_={"sent_at": now()}))
    return True


def greet(context, chat, config: dict, user: Any, language: str) -> int | None:
    """Welcome one user if the chat wants it and they were not greeted within the period."""
    return greet_many(context, chat, config, [user], language)


def greet_many(context, chat, config: dict, users: list[Any], language: str) -> int | None:
    """One welcome for the users not greeted within the period (several added at once read `{greetings}` in
    the plural); the others were greeted already, e.g. by their own chat_member update."""
    if not config["welcome"]:
        return None
    with session_scope(context.database_url) as session:
        users = [user for user in users if claim(session, chat.id, user.id, config["welcome_period"])]
        if not users:
            return None
        template, buttons = template_for(session, chat.id, language)
    text = render(template, language, users=users, title=chat.title or "")
    keyboard = [[url_button(label, url)] for label, url in buttons]
    message_id = send(context.client, chat.id, text, keyboard or None)
    delete_later(context.services, context.bot_id, chat.id, message_id, config["welcome_delete_after"])
    return message_id
