"""Durable timers: each kind's action comes from the domain that schedules it; the embedded default (SQLite,
naive times) runs them as PostgreSQL does; and a run locks one timer at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aula_moderation.network import jobs as network
from aula_moderation.network.models import BlockedUser
from aula_moderation.timers import schedule as timers
from aula_moderation.timers.models import Timer
from aula_moderation.worker import Runtime
from aula_shared import components, migrations
from aula_shared.db import session_scope
from aula_shared.settings import Settings


def run_due(database_url: str) -> int:
    """What the timers task does, in this process (no Telegram call is due: no client is needed)."""
    actions = Runtime(None, Settings(database_url=database_url)).timer_actions
    done = 0
    with session_scope(database_url) as session:
        due = timers.due(session, datetime.now(UTC))
    for timer_id in due:
        with session_scope(database_url) as session:
            timer = timers.take(session, timer_id)
            if timer is not None and timers.run(session, None, timer, actions):
                timer.done_at = datetime.now(UTC)
                done += 1
    return done


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/moderation.db"
    [moderation] = [c for c in components.discover() if c.name == "moderation"]
    migrations.upgrade(moderation, url)
    return url


def test_temporary_network_bans_expire_on_the_embedded_default_one_after_the_other(sqlite_url):
    """SQLite hands back naive times: comparing them with an aware now raised TypeError, and since due timers
    are taken oldest first, every timer stalled behind the first expired network ban."""
    soon = datetime.now(UTC) + timedelta(milliseconds=50)
    with session_scope(sqlite_url) as session:
        for user_id in (601, 602):
            network.block(session, user_id, "superban", reason="spam", until=soon, issuer_id=1)
    with session_scope(sqlite_url) as session:
        [(until,)] = session.query(BlockedUser.until).filter(BlockedUser.user_id == 601).all()
        assert until.tzinfo is None  # what SQLite gives back
    import time

    time.sleep(0.1)
    assert run_due(sqlite_url) == 2
    with session_scope(sqlite_url) as session:
        assert session.query(BlockedUser).count() == 0
        assert session.query(Timer).filter(Timer.done_at.is_(None)).count() == 0


def test_a_run_locks_one_timer_at_a_time_and_a_parallel_run_takes_the_next(migrated_pg, clean_tables):
    past = datetime.now(UTC) - timedelta(seconds=1)
    with session_scope(migrated_pg) as session:
        for n in (1, 2):
            timers.schedule(session, f"del:-100:{n}", "delete_message", past, bot_id=1, chat_id=-100, message_id=n)
    with session_scope(migrated_pg) as first, session_scope(migrated_pg) as second:
        ids = timers.due(first, datetime.now(UTC))
        assert len(ids) == 2
        taken = timers.take(first, ids[0])
        assert taken is not None
        assert timers.take(second, ids[0]) is None  # held by the first run's transaction: skipped, not waited for
        assert timers.take(second, ids[1]) is not None  # the other timer is free
        # Scheduling another key is not blocked by the timers being run.
        timers.schedule(second, "unmute:-100:7", "unmute", past, bot_id=1, chat_id=-100, user_id=7)


def test_when_a_network_ban_ends_its_chats_record_the_person_free_to_come_back(sqlite_url):
    """Telegram lifts each chat's ban at its until_date; the end of the network ban brings Aula's records in
    line: "left" where that ban ended, still "kicked" where a chat's own ban goes on."""
    from aula_moderation.people import records as people
    from aula_moderation.people.models import Membership

    soon = datetime.now(UTC) + timedelta(milliseconds=50)
    with session_scope(sqlite_url) as session:
        network.block(session, 601, "superban", reason="spam", until=soon, issuer_id=1)
        people.set_membership(session, -1001, 601, "kicked", soon)
        people.set_membership(session, -1002, 601, "kicked", soon)
        people.set_membership(session, -1003, 601, "kicked", None)  # that group's own /ban, for ever
    import time

    time.sleep(0.1)
    assert run_due(sqlite_url) == 1
    with session_scope(sqlite_url) as session:
        statuses = {m.chat_id: (m.status, m.until) for m in session.query(Membership).filter_by(user_id=601)}
    assert statuses == {-1001: ("left", None), -1002: ("left", None), -1003: ("kicked", None)}
