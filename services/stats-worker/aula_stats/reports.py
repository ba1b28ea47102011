"""What the staff charts show, as plain queries on the analysts' views (no web code here).

Every function takes a session on the stats database and a `DateRange` (UTC days, both ends included) and
returns plain rows; days without activity are filled in with zeros, so a chart's x axis has every day.
A `Scope` says whose activity: every group, one group, a degree's groups or a department's groups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from aula_shared.i18n import N_, Message

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_GROUPS = 20
SCOPE_KINDS = ("all", "chat", "degree", "department")
SCOPE_TITLES = {"degree": N_("Degree: {name}"), "department": N_("Department: {name}")}
UNKNOWN_SCOPES = {
    "degree": N_("No degree {key} is known to the statistics."),
    "department": N_("No department {key} is known to the statistics."),
}


class ReportError(ValueError):
    """What was asked cannot be shown (one sentence for the page: a Message, translated there)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DateRange:
    since: date
    until: date

    @classmethod
    def parse(cls, since: str | None, until: str | None, today: date) -> DateRange:
        """From ISO dates as typed (either may be blank); the default is the last DEFAULT_DAYS days."""
        end = _day(until, "to") if until else today
        try:
            start = _day(since, "from") if since else end - timedelta(days=DEFAULT_DAYS - 1)
        except OverflowError:
            raise ReportError(Message(N_("The range cannot end on {end}: choose a later day."), end=end)) from None
        if start > end:
            raise ReportError(Message(N_("The range starts ({start}) after it ends ({end})."), start=start, end=end))
        if (end - start).days + 1 > MAX_DAYS:
            raise ReportError(
                Message(
                    N_("The range is {days} days long; at most {most} can be shown."),
                    days=(end - start).days + 1,
                    most=MAX_DAYS,
                )
            )
        return cls(start, end)

    def days(self) -> list[date]:
        return [self.since + timedelta(days=n) for n in range((self.until - self.since).days + 1)]


@dataclass(frozen=True)
class Scope:
    kind: str  # one of SCOPE_KINDS
    key: str  # the chat id, degree slug or department slug; "" for every group
    title: str  # a Message for every group, a degree or a department; a group's own title

    @property
    def value(self) -> str:
        """How the scope travels in a URL: "all", "chat:-100…", "degree:slug", "department:slug"."""
        return self.kind if self.kind == "all" else f"{self.kind}:{self.key}"


EVERY_GROUP = Scope("all", "", Message(N_("Every group")))


@dataclass(frozen=True)
class DayActivity:
    day: date
    messages: int
    active_users: int
    joins: int
    leaves: int


@dataclass(frozen=True)
class GroupActivity:
    chat_id: int
    title: str
    messages: int
    active_users: int  # the most people who wrote on one day of the range


def scopes(session: Session) -> list[Scope]:
    """Every scope there is data for, for a picker: every group, departments, degrees, then groups by title."""
    found = [EVERY_GROUP]
    found += [
        Scope("department", slug, Message(SCOPE_TITLES["department"], name=name))
        for slug, name in session.execute(text("SELECT slug, name FROM stats_departments ORDER BY name, slug"))
    ]
    found += [
        Scope("degree", slug, Message(SCOPE_TITLES["degree"], name=name))
        for slug, name in session.execute(text("SELECT slug, name FROM stats_degrees ORDER BY name, slug"))
    ]
    found += [
        Scope("chat", str(chat_id), _chat_title(chat_id, title))
        for chat_id, title in session.execute(text("SELECT chat_id, title FROM chat_directory ORDER BY title, chat_id"))
    ]
    return found


def find_scope(session: Session, value: str | None) -> Scope:
    """The scope a URL names (blank: every group); ReportError if it names nothing Aula knows."""
    if not value or value == "all":
        return EVERY_GROUP
    kind, _, key = value.partition(":")
    if kind == "chat":
        try:
            chat_id = int(key)
        except ValueError:
            chat_id = None
        if chat_id is None or not -(2**63) <= chat_id < 2**63:  # a BIGINT, or the database refuses the query
            raise ReportError(Message(N_("{key} is not a chat id."), key=repr(key[:80])))
        row = session.execute(
            text("SELECT chat_id, title FROM chat_directory WHERE chat_id = :id"), {"id": chat_id}
        ).first()
        if row is None:
            raise ReportError(Message(N_("No group with id {chat_id} is known to the statistics."), chat_id=chat_id))
        return Scope("chat", str(chat_id), _chat_title(*row))
    tables = {"degree": "stats_degrees", "department": "stats_departments"}
    if kind not in tables:
        raise ReportError(
            Message(
                N_("Unknown scope {value}: choose every group, a group, a degree or a department."), value=repr(value)
            )
        )
    # A slug is at most 64 characters, and PostgreSQL refuses a NUL in any text: neither can name anything.
    known = 0 < len(key) <= 64 and "\x00" not in key
    query = text(f"SELECT name FROM {tables[kind]} WHERE slug = :slug")  # noqa: S608 - a name from tables
    name = session.scalar(query, {"slug": key}) if known else None
    if name is None:
        raise ReportError(Message(UNKNOWN_SCOPES[kind], key=repr(key[:80])))
    return Scope(kind, key, Message(SCOPE_TITLES[kind], name=name))


def daily_activity(session: Session, scope: Scope, dates: DateRange) -> list[DayActivity]:
    """Messages, active users, joins and leaves per day of the range, in the scope (zeros where nothing)."""
    rows = session.execute(text(_ACTIVITY[scope.kind]), _parameters(scope, dates))
    found = {_as_date(row.day): row for row in rows}
    return [
        DayActivity(day, *(int(getattr(found[day], c)) for c in ("messages", "active_users", "joins", "leaves")))
        if day in found
        else DayActivity(day, 0, 0, 0, 0)
        for day in dates.days()
    ]


def most_active_groups(session: Session, dates: DateRange, limit: int = TOP_GROUPS) -> list[GroupActivity]:
    """The groups with the most messages in the range, most first (ties by chat id); only groups that wrote."""
    rows = session.execute(
        text(
            "SELECT a.chat_id, d.title, SUM(a.messages) AS messages, MAX(a.active_users) AS active_users"
            " FROM daily_chat_activity a JOIN chat_directory d ON d.chat_id = a.chat_id"
            " WHERE a.day BETWEEN :since AND :until"
            " GROUP BY a.chat_id, d.title HAVING SUM(a.messages) > 0"
            " ORDER BY messages DESC, a.chat_id LIMIT :limit"
        ),
        {"since": dates.since, "until": dates.until, "limit": limit},
    )
    return [
        GroupActivity(r.chat_id, _chat_title(r.chat_id, r.title), int(r.messages), int(r.active_users)) for r in rows
    ]


def moderation_actions(session: Session, scope: Scope, dates: DateRange) -> dict[str, list[int]]:
    """Per action (alphabetical), its count on each day of the range. Every group includes network-wide cases."""
    rows = session.execute(
        text(
            "SELECT day, action, SUM(actions) AS actions FROM daily_moderation_actions"  # noqa: S608 - fixed parts
            f" WHERE day BETWEEN :since AND :until{_MODERATION_SCOPE[scope.kind]} GROUP BY day, action"
        ),
        _parameters(scope, dates),
    )
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for day, action, actions in rows:
        counts[action][_as_date(day)] = int(actions)
    return {action: [per_day.get(day, 0) for day in dates.days()] for action, per_day in sorted(counts.items())}


# Per scope kind: one row per day with messages, active_users, joins, leaves (the views' own definitions).
_ACTIVITY = {
    "all": """
        SELECT a.day, SUM(a.messages) AS messages,
               COALESCE(MAX(u.users), SUM(a.active_users)) AS active_users,
               SUM(a.joins) AS joins, SUM(a.leaves) AS leaves
        FROM daily_chat_activity a
        LEFT JOIN (
            SELECT m.day, COUNT(DISTINCT m.user_id) AS users
            FROM stats_message_counts m JOIN chat_directory c ON c.chat_id = m.chat_id
            WHERE m.day BETWEEN :since AND :until GROUP BY m.day
        ) u ON u.day = a.day
        WHERE a.day BETWEEN :since AND :until
        GROUP BY a.day
    """,
    "chat": """
        SELECT day, messages, active_users, joins, leaves FROM daily_chat_activity
        WHERE chat_id = :key AND day BETWEEN :since AND :until
    """,
    "degree": """
        SELECT day, messages, active_users, joins, leaves FROM daily_degree_activity
        WHERE degree = :key AND day BETWEEN :since AND :until
    """,
    "department": """
        SELECT day, messages, active_users, joins, leaves FROM daily_department_activity
        WHERE department = :key AND day BETWEEN :since AND :until
    """,
}


# Per scope kind: which chats' moderation actions count (every group: network-wide cases too).
_MODERATION_SCOPE = {
    "all": "",
    "chat": " AND chat_id = :key",
    "degree": " AND chat_id IN (SELECT chat_id FROM stats_chat_degrees WHERE degree_slug = :key)",
    "department": " AND chat_id IN (SELECT chat_id FROM stats_chat_departments WHERE department_slug = :key)",
}


def _parameters(scope: Scope, dates: DateRange) -> dict:
    key = int(scope.key) if scope.kind == "chat" else scope.key
    return {"since": dates.since, "until": dates.until, "key": key}


def _chat_title(chat_id: int, title: str | None) -> str:
    return title or str(chat_id)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # SQLite returns text


def _day(value: str, which: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ReportError(
            Message(N_("The {which} date {value} is not a date like 2026-09-30."), which=repr(which), value=repr(value))
        ) from None
