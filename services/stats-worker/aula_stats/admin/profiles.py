"""Profile history in the staff admin: a person's names and usernames over time (spammers rename often), and
the bios of tracked public profiles. Looked up by Telegram user id or by any username they ever had.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_admin import Admin, expose
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, scoped_session

from aula_shared.i18n import N_, Message
from aula_shared.staff import StaffPage
from aula_shared.staff_babel import _, lazy_gettext
from aula_stats.admin.charts import CATEGORY
from aula_stats.models import ProfileChange, ProfileObservation, TelegramUser, TrackedProfile
from aula_stats.profiles import normalise_username

TEMPLATE = "stats_admin/profile_history.html"
MAX_PEOPLE = 20  # a username held by more people than this over time is not a useful search


class SearchError(ValueError):
    """The search is neither a user id nor a username (one sentence for the page, translated there)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PersonHistory:
    user_id: int
    user: TelegramUser | None  # None when only history is left
    changes: list[ProfileChange]  # oldest first


@dataclass(frozen=True)
class TrackedHistory:
    profile: TrackedProfile
    observations: list[ProfileObservation]  # oldest first


def parse_search(raw: str) -> int | str:
    """A Telegram user id, or a normalised username (without @, lower case)."""
    value = raw.strip()
    if value.isdigit():
        user_id = int(value)
        if not 0 < user_id < 2**63:
            raise SearchError(Message(N_("{value} is not a Telegram user id."), value=value))
        return user_id
    try:
        return normalise_username(value)
    except ValueError:
        raise SearchError(
            Message(
                N_("{value} is neither a user id (digits) nor a username (5 to 32 letters, digits or _)."),
                value=repr(value[:80]),
            )
        ) from None


def people_history(session: Session, search: int | str) -> list[PersonHistory]:
    """Everyone the search names — the user id, or whoever had the username at any time — with their history."""
    if isinstance(search, int):
        user_ids = [search]
    else:
        named = select(ProfileChange.user_id).where(func.lower(ProfileChange.username) == search)
        current = select(TelegramUser.id).where(func.lower(TelegramUser.username) == search)
        user_ids = sorted(set(session.scalars(named.union(current).limit(MAX_PEOPLE))))
    found = []
    for user_id in user_ids:
        changes = list(
            session.scalars(
                select(ProfileChange)
                .where(ProfileChange.user_id == user_id)
                .order_by(ProfileChange.seen_at, ProfileChange.id)
            )
        )
        user = session.get(TelegramUser, user_id)
        if user is not None or changes:
            found.append(PersonHistory(user_id, user, changes))
    return found


def tracked_history(session: Session, usernames: set[str]) -> list[TrackedHistory]:
    """The tracked public profiles under any of these (normalised) usernames, with their name and bio changes."""
    if not usernames:
        return []
    profiles = session.scalars(
        select(TrackedProfile)
        .where(or_(*(TrackedProfile.username == name for name in usernames)))
        .order_by(TrackedProfile.username)
    )
    return [
        TrackedHistory(
            profile,
            list(
                session.scalars(
                    select(ProfileObservation)
                    .where(ProfileObservation.profile_id == profile.id)
                    .order_by(ProfileObservation.observed_at, ProfileObservation.id)
                )
            ),
        )
        for profile in profiles
    ]


def tracked_profiles(session: Session) -> list[TrackedProfile]:
    return list(session.scalars(select(TrackedProfile).order_by(TrackedProfile.username)))


def _usernames(search: int | str, people: list[PersonHistory]) -> set[str]:
    names = {search} if isinstance(search, str) else set()
    for person in people:
        names.update(c.username.lower() for c in person.changes if c.username)
        if person.user is not None and person.user.username:
            names.add(person.user.username.lower())
    return names


class ProfileHistoryPage(StaffPage):
    def __init__(self, session: scoped_session, **kwargs) -> None:
        self.session = session
        super().__init__(category=CATEGORY, **kwargs)

    @expose("/")
    def index(self):
        raw = request.args.get("q", "").strip()
        if not raw:
            return self._page(raw, all_tracked=tracked_profiles(self.session))
        try:
            search = parse_search(raw)
        except SearchError as error:
            return self._page(raw, error=error.message.translated(_)), 400
        people = people_history(self.session, search)
        return self._page(raw, people=people, tracked=tracked_history(self.session, _usernames(search, people)))

    def _page(self, q: str, people=None, tracked=(), all_tracked=(), error: str | None = None) -> str:
        return self.render(TEMPLATE, q=q, people=people, tracked=tracked, all_tracked=all_tracked, error=error)


def add_views(admin: Admin, session: scoped_session) -> None:
    admin.add_view(ProfileHistoryPage(session, name=lazy_gettext("Profile history"), endpoint="stats_profile_history"))
