"""A person's stats data: exported, then erased everywhere, with the chats' activity left right."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func, select, text
from stats.updates import DAY, ingest, joined, message, user

from aula_shared import components, db, migrations
from aula_shared.db import session_scope
from aula_shared.updates import decode_update
from aula_stats.facts import Facts
from aula_stats.models import (
    ChatDay,
    Membership,
    MessageCount,
    ProcessedUpdate,
    ProfileObservation,
    TelegramUser,
    TrackedProfile,
)
from aula_stats.retention import apply_retention
from aula_stats.user_data import StatsUserData


def activity(url: str) -> list[tuple]:
    with session_scope(url) as session:
        return [tuple(r) for r in session.execute(text("SELECT * FROM daily_chat_activity ORDER BY day, chat_id"))]


def test_the_component_declares_its_user_data():
    assert isinstance(components.load(components.by_name("stats").user_data), StatsUserData)


def test_export_then_erase(stats_url):
    ada = user(31, "Ada", username="ada_l")
    ingest(stats_url, joined(-301, ada), message(-301, ada), message(-301, ada), message(-301, user(32, "Bea")))
    ingest(stats_url, message(-301, user(31, "Ada", username="ada_new")))
    with session_scope(stats_url) as session:
        profile = TrackedProfile(username="ada_l", monitored=True, added_at=datetime.now(UTC))
        session.add(profile)
        session.flush()
        session.add(ProfileObservation(profile_id=profile.id, observed_at=datetime.now(UTC), name="Ada", bio="hi"))
    data = StatsUserData(stats_url)
    exported = data.export(31)
    json.dumps(exported)  # all of it serialisable
    assert exported["user"]["username"] == "ada_new"
    assert [h["username"] for h in exported["profile_history"]] == ["ada_l", "ada_new"]
    assert exported["memberships"][0]["chat_id"] == -301
    assert exported["message_counts"][0]["messages"] == 3
    assert exported["tracked_public_profile"][0]["history"][0]["bio"] == "hi"
    assert data.export(999) == {}

    before = activity(stats_url)
    assert data.erase(31) == 1 + 1 + 1 + 2 + 1 + 1  # observation, tracked, counts, history, membership, user
    assert data.export(31) == {}
    assert data.erase(31) == 0
    assert activity(stats_url) == before  # the chat's numbers stay, without saying who
    with session_scope(stats_url) as session:
        assert session.scalar(select(func.count()).select_from(MessageCount).where(MessageCount.user_id == 31)) == 0


def test_retention_rolls_old_per_user_counts_into_chat_totals(stats_url):
    ingest(stats_url, message(-302, user(33)), message(-302, user(34)), message(-302, user(34), DAY + 3 * 86400))
    before = activity(stats_url)
    now = datetime.fromtimestamp(DAY + 3 * 86400, UTC)
    with session_scope(stats_url) as session:
        session.add(ProcessedUpdate(bot_id=1, update_id=1, processed_at=now - timedelta(days=30)))
    report = apply_retention(stats_url, timedelta(days=2), timedelta(days=7), now)
    assert (report.rolled_up_rows, report.forgotten_updates) == (2, 1)
    assert activity(stats_url) == before
    with session_scope(stats_url) as session:
        assert session.scalar(select(func.count()).select_from(MessageCount)) == 1


def private_message(sender: dict, date: int = DAY) -> dict:
    """A message to the bot in private: the chat's id is the sender's."""
    update = message(sender["id"], sender, date)
    update["message"]["chat"] = {"id": sender["id"], "type": "private", "first_name": sender["first_name"]}
    return update


def rows(url: str, model) -> list[tuple]:
    with session_scope(url) as session:
        return [(row.day, row.chat_id) for row in session.scalars(select(model).order_by(model.day, model.chat_id))]


def test_a_private_chat_is_not_counted_as_a_chat(stats_url):
    ada = user(36, "Ada")
    ingest(stats_url, private_message(ada), private_message(ada, DAY + 60), message(-306, ada))  # the plain reading
    facts = Facts()
    facts.add(decode_update(private_message(ada)))  # python-telegram-bot's
    assert facts.messages == {}
    with session_scope(stats_url) as session:
        assert session.scalars(select(MessageCount.chat_id)).all() == [-306]
        assert session.get(TelegramUser, 36) is not None  # the person is still known (their profile)
        assert session.scalars(select(Membership.chat_id)).all() == [-306]


def test_erase_removes_what_older_versions_counted_of_a_private_chat(stats_url):
    ingest(stats_url, message(-307, user(37)), message(-307, user(38)))
    old = datetime.fromtimestamp(DAY, UTC).date() - timedelta(days=500)
    with session_scope(stats_url) as session:  # as older versions and their retention left them
        session.add(MessageCount(day=old + timedelta(days=1), chat_id=37, user_id=37, messages=4))
        session.add(ChatDay(day=old, chat_id=37, messages=9, active_users=1))
        session.add(ChatDay(day=old, chat_id=-307, messages=5, active_users=2))
    before = activity(stats_url)
    StatsUserData(stats_url).erase(37)
    assert rows(stats_url, ChatDay) == [(old, -307), (datetime.fromtimestamp(DAY, UTC).date(), -307)]
    assert [row[1] for row in rows(stats_url, MessageCount)] == [-307]  # Bea's
    assert activity(stats_url) == before  # the group's numbers stay


def test_retention_deletes_private_chat_counts_rather_than_keeping_them_as_chat_totals(stats_url):
    ingest(stats_url, message(-308, user(39)))
    with session_scope(stats_url) as session:  # an older version's count of a private chat
        session.add(MessageCount(day=datetime.fromtimestamp(DAY, UTC).date(), chat_id=39, user_id=39, messages=3))
    before = activity(stats_url)
    now = datetime.fromtimestamp(DAY + 3 * 86400, UTC)
    assert apply_retention(stats_url, timedelta(days=2), timedelta(days=7), now).rolled_up_rows == 2
    assert rows(stats_url, MessageCount) == []
    assert rows(stats_url, ChatDay) == [(datetime.fromtimestamp(DAY, UTC).date(), -308)]
    assert activity(stats_url) == before


def test_the_migration_deletes_private_chats_older_versions_counted(fresh_stats_database):
    stats = components.by_name("stats")
    migrations.downgrade(stats, fresh_stats_database, "stats_0004")
    day = datetime.fromtimestamp(DAY, UTC).date()
    with session_scope(fresh_stats_database) as session:
        session.add_all([
            MessageCount(day=day, chat_id=40, user_id=40, messages=1),
            MessageCount(day=day, chat_id=-309, user_id=40, messages=2),
            ChatDay(day=day, chat_id=40, messages=1, active_users=1),
            ChatDay(day=day, chat_id=-309, messages=3, active_users=1),
        ])  # fmt: skip
    migrations.upgrade(stats, fresh_stats_database)
    assert [row[1] for row in rows(fresh_stats_database, MessageCount)] == [-309]
    assert [row[1] for row in rows(fresh_stats_database, ChatDay)] == [-309]


@pytest.fixture
def fresh_stats_database(pg_url) -> Iterator[str]:
    """A database of its own, with the stats migrations (this test moves the schema back and forth)."""
    base = pg_url.rsplit("/", 1)[0]
    name = f"aula_stats_erase_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{base}/{name}"
    migrations.upgrade(components.by_name("stats"), url)
    yield url
    db.dispose_all()
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
