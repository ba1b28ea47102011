"""What the moderation pages show beside a bare Telegram id: the person's or the chat's name, as moderation saw
them (moderation_users, moderation_chats), and filters that find rows by those names.

A list page reads every name it shows in two queries (`prefetch`), not one per row.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import g
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.filters import BaseDateFilter
from sqlalchemy import column, or_, select, table
from sqlalchemy.orm import Session

from aula_shared.staff import StaffModelView

# The names this module shows, read by table: every domain's pages use it, chats' and people's too, so it
# imports neither domain's models.
TelegramUser = table("moderation_users", column("id"), column("first_name"), column("last_name"), column("username")).c
ManagedChat = table("moderation_chats", column("id"), column("title")).c


def _seen(kind: str) -> dict[int, str | None]:
    """This request's names of one kind (people or chats), by id; None for an id moderation never saw."""
    names = g.setdefault("moderation_names", {})
    return names.setdefault(kind, {})


def _person_label(user) -> str:
    name = " ".join(part for part in (user.first_name, user.last_name) if part) or str(user.id)
    return f"{name} (@{user.username})" if user.username else name


def prefetch(session: Session, people: set[int], chats: set[int]) -> None:
    people_seen, chats_seen = _seen("people"), _seen("chats")
    people, chats = people - set(people_seen), chats - set(chats_seen)
    if people:
        found = {
            user.id: _person_label(user)
            for user in session.execute(select(*TelegramUser).where(TelegramUser.id.in_(people)))
        }
        people_seen.update({user_id: found.get(user_id) for user_id in people})
    if chats:
        rows = session.execute(select(ManagedChat.id, ManagedChat.title).where(ManagedChat.id.in_(chats)))
        found = {chat_id: title or None for chat_id, title in rows}
        chats_seen.update({chat_id: found.get(chat_id) for chat_id in chats})


def person(session: Session, user_id: int | None) -> str:
    """ "Ada Lovelace (@ada) · 42", or the id alone for someone moderation never saw."""
    if user_id is None:
        return "—"
    prefetch(session, {user_id}, set())
    name = _seen("people")[user_id]
    return f"{name} · {user_id}" if name else str(user_id)


def chat(session: Session, chat_id: int | None) -> str:
    if chat_id is None:
        return "—"
    prefetch(session, set(), {chat_id})
    title = _seen("chats")[chat_id]
    return f"{title} · {chat_id}" if title else str(chat_id)


def when(moment: datetime | None) -> str:
    """Times in UTC, to the minute, as the CLI shows them."""
    return "—" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _contains(value: str):
    escaped = value.strip().lstrip("@").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PersonNameFilter(BaseSQLAFilter):
    """Rows whose user (this column) has a name or username containing the text."""

    def apply(self, query, value, alias=None):
        pattern = _contains(value)
        matching = select(TelegramUser.id).where(
            or_(
                TelegramUser.username.ilike(pattern, escape="\\"),
                TelegramUser.first_name.ilike(pattern, escape="\\"),
                TelegramUser.last_name.ilike(pattern, escape="\\"),
            )
        )
        return query.filter(self.get_column(alias).in_(matching))

    def operation(self):
        return "name contains"


class ChatTitleFilter(BaseSQLAFilter):
    """Rows whose chat (this column) has a title containing the text."""

    def apply(self, query, value, alias=None):
        matching = select(ManagedChat.id).where(ManagedChat.title.ilike(_contains(value), escape="\\"))
        return query.filter(self.get_column(alias).in_(matching))

    def operation(self):
        return "title contains"


class DayFilter(BaseSQLAFilter, BaseDateFilter):
    """Rows of one UTC day (this column a timestamp): the day's range, so the column's index serves it."""

    def apply(self, query, value, alias=None):
        start = datetime.combine(value, time(), tzinfo=UTC)
        column = self.get_column(alias)
        return query.filter(column >= start, column < start + timedelta(days=1))

    def operation(self):
        return "is"


class NamesShown:
    """A list view mixin: the names of the people and chats in `person_columns`/`chat_columns` read per page."""

    person_columns: tuple[str, ...] = ()
    chat_columns: tuple[str, ...] = ()

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute") is False:  # a query for someone else to run
            return count, rows
        rows = list(rows)
        people = {getattr(row, name) for row in rows for name in self.person_columns} - {None}
        chats = {getattr(row, name) for row in rows for name in self.chat_columns} - {None}
        prefetch(self.session, people, chats)
        return count, rows


def person_cell(view, _context, model, name) -> str:
    return person(view.session, getattr(model, name))


def chat_cell(view, _context, model, name) -> str:
    return chat(view.session, getattr(model, name))


def when_cell(_view, _context, model, name) -> str:
    return when(getattr(model, name))


class ReadOnlyView(NamesShown, StaffModelView):
    can_create = can_edit = can_delete = False
    named_filter_urls = True
