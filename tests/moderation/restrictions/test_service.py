"""The restrictions service on both databases: what it sends, what it stores (rows, timers, the member's status),
a refusal, a banned member, the migration of running mutes and CAPTCHAs, and concurrent changes of one member."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from aula_moderation.people import records as people
from aula_moderation.people.models import Membership
from aula_moderation.restrictions import service as restrictions
from aula_moderation.restrictions.models import Restriction
from aula_moderation.timers.models import Timer
from aula_shared import components, migrations
from aula_shared.db import engine_for, session_scope
from aula_shared.telegram import Outcome

BOT = 7000000077
_chats = itertools.count(-1001000000600, -1)
USER = 42


class FakeClient:
    """Telegram as far as the service needs it: records each call, agrees (or refuses every call)."""

    bot_id = BOT

    def __init__(self, refuse: str | None = None) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.refuse = refuse

    def call(self, method: str, **params) -> Outcome:
        self.calls.append((method, params))
        if self.refuse:
            return Outcome(ok=False, error_code=400, description=self.refuse, method=method)
        return Outcome(ok=True, result=True, method=method)

    def restricts(self) -> list[dict]:
        return [params for method, params in self.calls if method == "restrictChatMember"]


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/moderation.db"
    migrations.upgrade(_moderation(), url)
    return url


def _moderation():
    [moderation] = [c for c in components.discover() if c.name == "moderation"]
    return moderation


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request) -> str:
    """The embedded default's SQLite and production's PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("migrated_pg")


def rows(url: str, chat_id: int) -> dict[str, datetime | None]:
    with session_scope(url) as session:
        found = session.scalars(select(Restriction).where(Restriction.chat_id == chat_id, Restriction.user_id == USER))
        return {row.kind: row.until for row in found}


def running_timers(url: str, chat_id: int) -> dict[str, datetime]:
    with session_scope(url) as session:
        found = session.scalars(
            select(Timer).where(Timer.chat_id == chat_id, Timer.user_id == USER, Timer.done_at.is_(None))
        )
        return {timer.key: timer.due_at for timer in found}


def status(url: str, chat_id: int) -> str | None:
    with session_scope(url) as session:
        member = session.get(Membership, (chat_id, USER))
        return member.status if member else None


def everything(params: dict) -> bool:
    return all(params["permissions"].values()) and "until_date" not in params


def nothing(params: dict) -> bool:
    return not any(params["permissions"].values())


def test_each_change_sends_what_every_running_restriction_allows_and_keeps_rows_timers_and_status(database):
    chat, client = next(_chats), FakeClient()
    mute_end = datetime.now(UTC) + timedelta(hours=2)
    with session_scope(database) as session:
        people.set_membership(session, chat, USER, "member")
        assert restrictions.impose(session, client, chat, USER, "mute", mute_end)
    with session_scope(database) as session:
        assert restrictions.impose(session, client, chat, USER, "captcha", None)
    with session_scope(database) as session:
        assert restrictions.impose(session, client, chat, USER, "flood", datetime.now(UTC) + timedelta(minutes=1))
    mute, captcha, flood = client.restricts()
    assert nothing(mute) and abs(mute["until_date"] - mute_end.timestamp()) <= 1
    assert nothing(captcha) and captcha["until_date"] == 0  # the CAPTCHA has no end: for ever
    assert nothing(flood) and flood["until_date"] == 0  # still the CAPTCHA's for ever, not the minute
    assert set(rows(database, chat)) == {"mute", "captcha", "flood"}
    assert set(running_timers(database, chat)) == {f"unmute:{chat}:{USER}", f"unflood:{chat}:{USER}"}
    assert status(database, chat) == "restricted"

    with session_scope(database) as session:
        restrictions.release(session, client, chat, USER, "captcha")
    after_captcha = client.restricts()[-1]
    assert nothing(after_captcha) and abs(after_captcha["until_date"] - mute_end.timestamp()) <= 1  # the latest
    with session_scope(database) as session:
        restrictions.release(session, client, chat, USER, *restrictions.PENALTIES)  # /free
    assert everything(client.restricts()[-1])
    assert rows(database, chat) == {} and running_timers(database, chat) == {}
    assert status(database, chat) == "member"


def test_a_refused_imposition_leaves_nothing_and_a_refused_release_still_releases(database):
    chat = next(_chats)
    admin = FakeClient(refuse="Bad Request: user is an administrator of the chat")
    with session_scope(database) as session:
        people.set_membership(session, chat, USER, "administrator")
        outcome = restrictions.impose(session, admin, chat, USER, "mute", datetime.now(UTC) + timedelta(hours=1))
    assert not outcome and outcome.description.endswith("administrator of the chat")
    assert rows(database, chat) == {} and running_timers(database, chat) == {}
    assert status(database, chat) == "administrator"
    client = FakeClient()
    with session_scope(database) as session:
        people.set_membership(session, chat, USER, "member")
        restrictions.impose(session, client, chat, USER, "flood", datetime.now(UTC) + timedelta(hours=1))
    no_rights = FakeClient(refuse="Bad Request: not enough rights to restrict/unrestrict chat member")
    with session_scope(database) as session:
        assert not restrictions.release(session, no_rights, chat, USER, "flood")
    assert rows(database, chat) == {} and running_timers(database, chat) == {}  # the reason is gone either way


def test_a_banned_member_is_sent_nothing_and_gets_their_restrictions_when_they_come_back(database):
    chat, client = next(_chats), FakeClient()
    with session_scope(database) as session:
        people.set_membership(session, chat, USER, "kicked")
        assert restrictions.impose(session, client, chat, USER, "mute", datetime.now(UTC) + timedelta(hours=1))
    assert client.restricts() == []  # restrictChatMember would turn the ban into a mere restriction
    assert set(rows(database, chat)) == {"mute"} and status(database, chat) == "kicked"
    with session_scope(database) as session:
        people.set_membership(session, chat, USER, "member")  # unbanned, back
        assert restrictions.reapply(session, client, chat, USER)
    [again] = client.restricts()
    assert nothing(again) and status(database, chat) == "restricted"
    with session_scope(database) as session:
        restrictions.release(session, client, chat, USER, "mute")
        assert restrictions.reapply(session, client, chat, USER) is None  # nothing running: nothing sent
    assert len(client.restricts()) == 2


def test_forget_drops_a_restriction_and_its_timer_without_a_call(database):
    chat, client = next(_chats), FakeClient()
    with session_scope(database) as session:
        restrictions.impose(session, client, chat, USER, "flood", datetime.now(UTC) + timedelta(hours=1))
        restrictions.impose(session, client, chat, USER, "captcha", None)
    with session_scope(database) as session:
        restrictions.forget(session, chat, USER, "flood", "captcha")
    assert len(client.calls) == 2 and rows(database, chat) == {} and running_timers(database, chat) == {}


def test_the_migration_turns_running_mutes_and_pending_captchas_into_restrictions(tmp_path):
    url = f"sqlite:///{tmp_path}/before.db"
    migrations.upgrade(_moderation(), url, "moderation_0006")
    due = datetime.now(UTC) + timedelta(hours=1)
    with engine_for(url).begin() as db:
        for key, kind, user, done in (("unmute:-100:1", "unmute", 1, None), ("unmute:-100:2", "unmute", 2, due),
                                      ("unban:-100:3", "unban", 3, None)):  # fmt: skip
            db.execute(
                text("INSERT INTO moderation_timers (key, kind, due_at, bot_id, chat_id, user_id, done_at, attempts) "
                     "VALUES (:key, :kind, :due, 1, -100, :user, :done, 0)"),
                {"key": key, "kind": kind, "due": due, "user": user, "done": done},
            )  # fmt: skip
        for user, state in ((4, "pending"), (4, "pending"), (5, "solved")):
            db.execute(
                text("INSERT INTO moderation_captchas (kind, stage, bot_id, chat_id, user_id, mode, options, language, "
                     "attempts, status, due_at, created_at) VALUES ('group', 'captcha', 1, -100, :user, 'button', "
                     "'[]', 'it', 0, :state, :due, :due)"),
                {"user": user, "state": state, "due": due},
            )  # fmt: skip
    migrations.upgrade(_moderation(), url)
    with session_scope(url) as session:
        found = {(r.user_id, r.kind): r.until for r in session.scalars(select(Restriction))}
    assert set(found) == {(1, "mute"), (4, "captcha")}
    assert abs(found[(1, "mute")].replace(tzinfo=UTC) - due) < timedelta(seconds=1)
    assert found[(4, "captcha")] is None


def test_concurrent_changes_of_one_member_are_serialised(migrated_pg):
    """A release starting while an imposition of the same member is uncommitted waits for it, then sends what
    both leave — not what it alone saw."""
    chat, client = next(_chats), FakeClient()
    with session_scope(migrated_pg) as session:
        restrictions.impose(session, client, chat, USER, "mute", datetime.now(UTC) + timedelta(hours=1))
    released = threading.Event()

    def release_mute() -> None:
        with session_scope(migrated_pg) as session:
            restrictions.release(session, client, chat, USER, "mute")
        released.set()

    with session_scope(migrated_pg) as first:
        restrictions.impose(first, client, chat, USER, "captcha", None)
        other = threading.Thread(target=release_mute)
        other.start()
        time.sleep(0.5)
        assert not released.is_set() and len(client.restricts()) == 2  # waits for this member's change
        # Another member is not held up.
        with session_scope(migrated_pg) as session:
            restrictions.impose(session, client, chat, USER + 1, "mute", None)
    other.join(timeout=10)
    assert released.is_set()
    last = client.restricts()[-1]
    assert last["user_id"] == USER and nothing(last) and last["until_date"] == 0  # the CAPTCHA stays
    assert set(rows(migrated_pg, chat)) == {"captcha"}


def test_a_persons_restrictions_are_in_their_data_export_and_go_with_erasure(sqlite_url):
    from aula_moderation.user_data import erase_user, export_user

    chat = next(_chats)
    with session_scope(sqlite_url) as session:
        restrictions.impose(session, FakeClient(), chat, USER, "captcha", None)
    with session_scope(sqlite_url) as session:
        assert export_user(session, USER)["restrictions"] == [{"chat_id": chat, "kind": "captcha", "until": None}]
        erase_user(session, USER)
    assert rows(sqlite_url, chat) == {}
