"""A person's stats data: exported, then erased everywhere, with the chats' activity left right."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from stats.updates import DAY, ingest, joined, message, user

from aula_shared import components
from aula_shared.db import session_scope
from aula_stats.models import MessageCount, ProcessedUpdate, ProfileObservation, TrackedProfile
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
