"""Tracked public profiles (after telegram-bio): staff follow a public username; its t.me page is read every
few minutes and its name and bio are stored when they change.

What the page says (`parse_tme_page`): `tgme_page_title` present = the account exists, and is its display
name; `tgme_page_context_link_wrap` present = a channel or group preview, not a person; `tgme_page_description`
= the bio, `<br>` read as a newline.

A blank result (the account vanished, or t.me answered with an empty page) is stored like any observation —
but when a non-blank one follows within `blank_grace`, the blank entry is deleted first: t.me does that now
and then, and staff want changes, not glitches.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aula_shared.db import session_scope
from aula_shared.timestamps import as_utc
from aula_stats.models import ProfileObservation, TrackedProfile

log = logging.getLogger(__name__)

USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


class NotAUser(ValueError):
    """The username is not a person's public account (unknown, or a channel, group or bot preview)."""


@dataclass(frozen=True)
class TmePage:
    exists: bool
    is_user: bool
    name: str = ""
    bio: str = ""


class _TmeParser(HTMLParser):
    _WATCHED = ("tgme_page_title", "tgme_page_description", "tgme_page_context_link_wrap")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, list[str]] = {}
        self._open: list[str | None] = []  # per open div: the watched class it is, if any

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and self._capturing():
            self.found[self._capturing()].append("\n")
            return
        if tag != "div":
            return
        classes = (dict(attrs).get("class") or "").split()
        watched = next((name for name in self._WATCHED if name in classes), None)
        if watched:
            self.found.setdefault(watched, [])
        self._open.append(watched)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        capturing = self._capturing()
        if capturing:
            self.found[capturing].append(data)

    def _capturing(self) -> str | None:
        return next((name for name in reversed(self._open) if name), None)


def parse_tme_page(html: str) -> TmePage:
    parser = _TmeParser()
    parser.feed(html)
    parser.close()
    text = {name: "".join(parts).strip() for name, parts in parser.found.items()}
    if "tgme_page_title" not in text:
        return TmePage(exists=False, is_user=False)
    if "tgme_page_context_link_wrap" in text:
        return TmePage(exists=True, is_user=False, name=text["tgme_page_title"])
    bio = "\n".join(line.strip() for line in text.get("tgme_page_description", "").split("\n"))
    return TmePage(exists=True, is_user=True, name=text["tgme_page_title"], bio=bio)


def normalise_username(raw: str) -> str:
    match = USERNAME.match(raw.strip())
    if not match:
        raise ValueError(f"not a Telegram username: {raw!r} (5 to 32 letters, digits or _, starting with a letter)")
    return match.group(1).lower()


@dataclass
class PollReport:
    checked: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class ProfileTracker:
    def __init__(
        self,
        database_url: str,
        tme_url: str = "https://t.me",
        interval: timedelta = timedelta(minutes=1),
        blank_grace: timedelta = timedelta(minutes=5),
        http: httpx.Client | None = None,
    ) -> None:
        self.database_url = database_url
        self.tme_url = tme_url.rstrip("/")
        self.interval = interval
        self.blank_grace = blank_grace
        self.http = http or httpx.Client(timeout=10, follow_redirects=True)

    def fetch(self, username: str) -> TmePage:
        """Raises httpx.HTTPError when t.me cannot be read (not a blank result: nothing is stored)."""
        response = self.http.get(f"{self.tme_url}/{username}")
        if response.status_code == 404:
            return TmePage(exists=False, is_user=False)
        response.raise_for_status()
        return parse_tme_page(response.text)

    def track(self, raw_username: str, now: datetime | None = None) -> tuple[TrackedProfile, bool]:
        """Start following a person's public account (checked on t.me first); True if newly added."""
        username = normalise_username(raw_username)
        with session_scope(self.database_url) as session:
            existing = session.scalars(select(TrackedProfile).where(TrackedProfile.username == username)).first()
            if existing is not None:
                existing.monitored = True
                return existing, False
        page = self.fetch(username)
        if not page.is_user:
            raise NotAUser(f"@{username} is not a person's public account" + (" (a channel or group)" * page.exists))
        now = now or datetime.now(UTC)
        with session_scope(self.database_url) as session:
            profile = TrackedProfile(username=username, monitored=True, added_at=now, checked_at=now)
            session.add(profile)
            session.flush()
            _observe(session, profile, page, now, self.blank_grace)
            return profile, True

    def poll(self, now: datetime | None = None) -> PollReport:
        now = now or datetime.now(UTC)
        report = PollReport()
        with session_scope(self.database_url) as session:
            due = session.scalars(
                select(TrackedProfile.username)
                .where(TrackedProfile.monitored.is_(True))
                .where(or_(TrackedProfile.checked_at.is_(None), TrackedProfile.checked_at <= now - self.interval))
                .order_by(TrackedProfile.checked_at.asc().nulls_first())
            ).all()
        for username in due:
            self.poll_one(username, now, report)
        return report

    def poll_one(self, username: str, now: datetime, report: PollReport | None = None) -> bool:
        """Read one profile now (staff's "force update" too); True if something changed."""
        report = report if report is not None else PollReport()
        try:
            page = self.fetch(username)
            error = None
        except httpx.HTTPError as failure:
            page, error = None, f"{type(failure).__name__}: {failure}"[:256]
        with session_scope(self.database_url) as session:
            profile = session.scalars(select(TrackedProfile).where(TrackedProfile.username == username)).first()
            if profile is None:
                return False
            profile.checked_at, profile.last_error = now, error
            if page is None:
                report.failed[username] = error
                return False
            report.checked.append(username)
            changed = _observe(session, profile, page, now, self.blank_grace)
        if changed:
            report.changed.append(username)
        return changed


def _observe(session: Session, profile: TrackedProfile, page: TmePage, now: datetime, grace: timedelta) -> bool:
    """Store the page's name and bio if they differ from the latest stored; a channel reads as blank."""
    name, bio = (page.name, page.bio) if page.is_user else ("", "")
    latest = _latest(session, profile.id)
    blank = latest is not None and not latest.name and not latest.bio
    if blank and (name or bio) and as_utc(latest.observed_at) > now - grace:
        session.delete(latest)  # a blank that vanished within the grace: a glitch, not a change
        session.flush()
        latest = _latest(session, profile.id)
    if latest is not None and (latest.name, latest.bio) == (name, bio[:512]):
        return False
    session.add(ProfileObservation(profile_id=profile.id, observed_at=now, name=name[:256], bio=bio[:512]))
    return True


def _latest(session: Session, profile_id: int) -> ProfileObservation | None:
    return session.scalars(
        select(ProfileObservation)
        .where(ProfileObservation.profile_id == profile_id)
        .order_by(ProfileObservation.observed_at.desc(), ProfileObservation.id.desc())
        .limit(1)
    ).first()


def history(database_url: str, username: str) -> list[tuple[datetime, str, str]]:
    with session_scope(database_url) as session:
        rows = session.execute(
            select(ProfileObservation.observed_at, ProfileObservation.name, ProfileObservation.bio)
            .join(TrackedProfile, TrackedProfile.id == ProfileObservation.profile_id)
            .where(TrackedProfile.username == normalise_username(username))
            .order_by(ProfileObservation.observed_at, ProfileObservation.id)
        ).all()
        return [(as_utc(at), name, bio) for at, name, bio in rows]
