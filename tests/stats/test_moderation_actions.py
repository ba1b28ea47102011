"""Moderation actions per day: moderation publishes one event per case, stats counts each case once.

End to end: a case recorded by moderation's own code (moderation.record / new_case, on the moderation
database) → the event on the `aula.stats` queue → a real stats Celery worker → a row of daily_moderation_actions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from types import SimpleNamespace

import orjson
import pytest
import redis
from conftest import free_port_url
from e2e.conftest import worker_process
from sqlalchemy import func, select, text
from support import running, wait_until
from telegram import User

from aula_moderation import moderation
from aula_moderation.handlers import Services
from aula_moderation.models import Case
from aula_shared import components, migrations
from aula_shared.db import session_scope
from aula_shared.mailbox import celery_message, queue_name
from aula_shared.platform.clients import BotClients
from aula_stats.analysts import VIEWS
from aula_stats.models import ModerationAction
from aula_stats.moderation_actions import TASK_NAME, CaseEvent, InvalidAction, record_action
from aula_stats.user_data import StatsUserData

CHAT = -1001000000555
MODERATOR, TARGET = 501, 601
AT = "2026-11-20T23:59:00+00:00"


def view(url: str) -> list[tuple]:
    with session_scope(url) as session:
        query = "SELECT day, chat_id, action, actions FROM daily_moderation_actions ORDER BY day, chat_id, action"
        return [tuple(row) for row in session.execute(text(query))]


def event(case_id: int, action: str = "MODERATION_BAN", at: str = AT, chat_id: int | None = CHAT, **extra) -> dict:
    return {"case_id": case_id, "at": at, "chat_id": chat_id, "action": action, "target_user_id": TARGET, **extra}


def record(url: str, payload: dict) -> bool:
    with session_scope(url) as session:
        return record_action(session, CaseEvent.parse(payload))


# -- stats: the event, stored once, and the view ------------------------------------------------------------


def test_the_view_counts_actions_per_day_chat_and_action(stats_url):
    assert record(stats_url, event(1))
    assert record(stats_url, event(2))
    assert record(stats_url, event(3, "MODERATION_MUTE"))
    assert record(stats_url, event(4, at="2026-11-21T00:00:00Z"))  # the next UTC day
    assert record(stats_url, event(5, at="2026-11-21T01:30:00+02:00"))  # 23:30 UTC on the 20th
    assert record(stats_url, event(6, "MODERATION_SUPERBAN", chat_id=None))  # network-wide
    assert record(stats_url, event(7, "MODERATION_BAN", chat_id=-1001000000556))
    assert not record(stats_url, event(1, "MODERATION_KICK"))  # a redelivered case id: nothing changes
    day, next_day = date(2026, 11, 20), date(2026, 11, 21)
    assert view(stats_url) == [
        (day, -1001000000556, "MODERATION_BAN", 1),
        (day, CHAT, "MODERATION_BAN", 3),
        (day, CHAT, "MODERATION_MUTE", 1),
        (day, None, "MODERATION_SUPERBAN", 1),
        (next_day, CHAT, "MODERATION_BAN", 1),
    ]
    assert "daily_moderation_actions" in VIEWS  # exported, and granted to analyst roles


def test_the_embedded_sqlite_database_counts_them_too(tmp_path):
    url = f"sqlite:///{tmp_path}/stats.db"
    migrations.upgrade(components.by_name("stats"), url)
    assert record(url, event(1, chat_id=None))
    assert not record(url, event(1, chat_id=None))
    assert record(url, event(2, at="2026-11-21T00:30:00+01:00"))
    # SQLite has no date type (days are text) and sorts nulls first.
    assert view(url) == [("2026-11-20", None, "MODERATION_BAN", 1), ("2026-11-20", CHAT, "MODERATION_BAN", 1)]


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ("not an object", "object"),
        (event(0), "case_id"),
        (event("7"), "case_id"),
        (event(True), "case_id"),
        (event(8, action="ban; drop table"), "action"),
        (event(8, action=None), "action"),
        (event(8, at="yesterday"), "ISO-8601"),
        (event(8, at=1763700000), "ISO-8601"),
        (event(8, chat_id="-100"), "chat_id"),
        (event(8, target_user_id=0), "target_user_id"),
    ],
)
def test_an_invalid_event_is_refused_with_the_reason(payload, complaint):
    with pytest.raises(InvalidAction, match=complaint):
        CaseEvent.parse(payload)


def test_no_text_reaches_stats():
    columns = set(ModerationAction.__table__.columns.keys())
    assert columns == {"case_id", "occurred_at", "day", "chat_id", "action", "target_user_id"}
    parsed = CaseEvent.parse(event(9, reason="spam link", evidence="buy now"))  # extra keys are ignored
    assert "spam" not in repr(parsed) and "buy" not in repr(parsed)


def test_erasing_a_person_keeps_the_counts_but_not_who(stats_url):
    record(stats_url, event(10))
    record(stats_url, event(11, "MODERATION_WARN", target_user_id=None))
    data = StatsUserData(stats_url)
    exported = data.export(TARGET)
    assert exported["moderation_actions_received"] == [
        {"case_id": 10, "at": "2026-11-20T23:59:00+00:00", "chat_id": CHAT, "action": "MODERATION_BAN"}
    ]
    before = view(stats_url)
    assert data.erase(TARGET) == 1
    assert data.export(TARGET) == {}
    assert view(stats_url) == before
    with session_scope(stats_url) as session:
        assert session.scalar(select(func.count()).where(ModerationAction.target_user_id.is_not(None))) == 0


# -- moderation: one event per stored case, sent after the commit ------------------------------------------


@dataclass
class Moderation:
    url: str
    services: Services

    def scene(self, update_id: int, chat_id: int = CHAT) -> moderation.Scene:
        issuer = User(MODERATOR, "Marco", is_bot=False, username="marco_mod")
        return moderation.Scene(
            services=self.services,
            bot_id=7000000001,
            update_id=update_id,
            client=None,
            chat=SimpleNamespace(id=chat_id, settings={}),
            message=SimpleNamespace(from_user=issuer),
            issuer=moderation.Person.of(issuer),
            powers=None,
            command=SimpleNamespace(star=False),
        )


@pytest.fixture
def moderation_side(settings, clean_tables, redis_client) -> Moderation:
    url = settings.database_url_for("moderation")
    return Moderation(url, Services(settings, url, BotClients(settings), redis_client, None))


def queued_events(redis_client) -> list[dict]:
    messages = [orjson.loads(raw) for raw in redis_client.lrange(queue_name("stats"), 0, -1)]
    return [orjson.loads(m["body"])[0][0] for m in reversed(messages) if m["headers"]["task"] == TASK_NAME]


def test_a_case_is_published_once_committed_and_a_rolled_back_one_never(moderation_side, redis_client):
    target = moderation.Person(TARGET, "Ada")
    moderation.record(moderation_side.scene(1), "MODERATION_DEL", target, "spam text", None, None)
    moderation.record(moderation_side.scene(1), "MODERATION_DEL", target, "spam text", None, None)  # redelivered
    with pytest.raises(RuntimeError), session_scope(moderation_side.url) as session:
        moderation.new_case(session, moderation_side.scene(2), "MODERATION_BAN", target)
        raise RuntimeError("the transaction fails after the case was added")
    with session_scope(moderation_side.url) as session:
        cases = session.scalars(select(Case)).all()
    assert [c.event for c in cases] == ["MODERATION_DEL"]
    [published] = queued_events(redis_client)
    assert published == {
        "case_id": cases[0].id,
        "at": published["at"],
        "chat_id": CHAT,
        "action": "MODERATION_DEL",
        "target_user_id": TARGET,
    }
    assert "spam" not in orjson.dumps(published).decode()  # the evidence stays in moderation
    assert abs(datetime.fromisoformat(published["at"]) - datetime.now(UTC)).total_seconds() < 60


@pytest.mark.parametrize("connection", [None, "down"])
def test_without_redis_moderation_still_records_the_case(moderation_side, connection):
    if connection == "down":
        connection = redis.Redis.from_url(free_port_url(), socket_connect_timeout=0.5)
    moderation_side.services = replace(moderation_side.services, redis=connection)
    moderation.record(moderation_side.scene(3), "MODERATION_DEL", None, None, None, None)
    with session_scope(moderation_side.url) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1  # stats misses it; moderation does not


@pytest.mark.timeout(120)
def test_cases_reach_the_view_through_a_real_stats_worker(moderation_side, platform_env, redis_client, tmp_path):
    stats_url = moderation_side.services.settings.database_url_for("stats")
    target = moderation.Person(TARGET, "Ada")
    moderation.record(moderation_side.scene(10), "MODERATION_DEL", target, "spam", None, None)
    with session_scope(moderation_side.url) as session:
        moderation.new_case(
            session, moderation_side.scene(11), "MODERATION_SUPERBAN", target, reason="spam", network_scope=True
        )
    [first, superban] = queued_events(redis_client)
    today = date.fromisoformat(first["at"][:10])  # the UTC day moderation stamped
    assert superban["at"][:10] == first["at"][:10]
    with running(worker_process("stats", platform_env, tmp_path / "stats.log")):
        expected = [(today, CHAT, "MODERATION_DEL", 1), (today, None, "MODERATION_SUPERBAN", 1)]
        wait_until(lambda: view(stats_url) == expected, timeout=60, what="both cases counted")
        # The first event delivered again, then a marker: once the marker is counted, the copy was handled.
        queue = queue_name("stats")
        redis_client.lpush(queue, celery_message(TASK_NAME, queue, [first], "test"))
        marker = dict(first, case_id=first["case_id"] + 1000, action="MODERATION_KICK")
        redis_client.lpush(queue, celery_message(TASK_NAME, queue, [marker], "test"))
        wait_until(lambda: len(view(stats_url)) == 3, timeout=60, what="the marker counted")
    assert view(stats_url) == [
        (today, CHAT, "MODERATION_DEL", 1),
        (today, CHAT, "MODERATION_KICK", 1),
        (today, None, "MODERATION_SUPERBAN", 1),
    ]
    assert superban["chat_id"] is None
