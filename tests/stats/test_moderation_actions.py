"""Moderation actions per day: moderation publishes one event per case, stats counts each case once.

End to end: a case recorded by moderation's own code (cases.record / new_case, on the moderation
database) → the event on the `aula.stats` queue → a real stats Celery worker → a row of daily_moderation_actions.
A case the after-commit push missed (Redis down) is sent by moderation's sweep, and still counted once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import orjson
import pytest
import redis
from conftest import free_port_url
from e2e.conftest import worker_process
from sqlalchemy import func, select, text
from staff_support import form_fields, staff_client
from support import running, wait_until
from telegram import User

from aula_moderation import command_registry as registry
from aula_moderation.commands import cases as command_cases
from aula_moderation.commands import scene
from aula_moderation.log import stats_events
from aula_moderation.log.models import Case
from aula_moderation.pipeline.context import Services
from aula_moderation.worker import BEAT_SCHEDULE, create_app
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

    def scene(self, update_id: int, chat_id: int = CHAT) -> scene.Scene:
        issuer = User(MODERATOR, "Marco", is_bot=False, username="marco_mod")
        return scene.Scene(
            services=self.services,
            bot_id=7000000001,
            update_id=update_id,
            client=None,
            chat=SimpleNamespace(id=chat_id, settings={}),
            message=SimpleNamespace(from_user=issuer),
            issuer=scene.Person.of(issuer),
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
    target = scene.Person(TARGET, "Ada")
    command_cases.record(moderation_side.scene(1), "MODERATION_DEL", target, "spam text", None, None)
    command_cases.record(moderation_side.scene(1), "MODERATION_DEL", target, "spam text", None, None)  # redelivered
    with pytest.raises(RuntimeError), session_scope(moderation_side.url) as session:
        command_cases.new_case(session, moderation_side.scene(2), "MODERATION_BAN", target)
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
def test_without_redis_the_case_is_stored_and_the_sweep_sends_it_later(moderation_side, redis_client, connection):
    if connection == "down":
        connection = down_redis()
    moderation_side.services = replace(moderation_side.services, redis=connection)
    command_cases.record(moderation_side.scene(3), "MODERATION_DEL", None, None, None, None)
    [case] = cases(moderation_side.url)
    assert case.published_at is None  # stored, not sent yet
    assert stats_events.sweep(moderation_side.url, redis_client) == 0  # too young: the fast path may still send it
    assert stats_events.sweep(moderation_side.url, redis_client, older_than=timedelta(0)) == 1
    assert [e["case_id"] for e in queued_events(redis_client)] == [case.id]
    assert stats_events.sweep(moderation_side.url, redis_client, older_than=timedelta(0)) == 0  # idempotent
    assert len(queued_events(redis_client)) == 1
    [case] = cases(moderation_side.url)
    assert case.published_at is not None


# -- the outbox: a case the after-commit push missed is sent by the sweep ------------------------------------


def down_redis() -> redis.Redis:
    """A connection to a port where nothing listens: Redis down at the moment of the commit."""
    return redis.Redis.from_url(free_port_url(), socket_connect_timeout=0.5)


def cases(url: str) -> list[Case]:
    with session_scope(url) as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def add_non_action_cases(url: str) -> None:
    """An @admin call and a broadcast, stored as handlers.py and broadcast.py do (without publish_case)."""
    with session_scope(url) as session:
        session.add(Case(event="USER_CALLED_ADMIN", chat_id=CHAT, network=False, issuer_id=TARGET))
        session.add(Case(event="BROADCAST", chat_id=None, network=True, issuer_id=MODERATOR, reason="hello"))


def test_a_case_pushed_at_commit_is_marked_and_never_swept(moderation_side, redis_client):
    command_cases.record(moderation_side.scene(1), "MODERATION_DEL", None, None, None, None)
    [case] = cases(moderation_side.url)
    assert case.published_at is not None
    assert stats_events.sweep(moderation_side.url, redis_client, older_than=timedelta(0)) == 0
    assert [e["case_id"] for e in queued_events(redis_client)] == [case.id]


def test_cases_that_are_not_actions_are_never_sent(moderation_side, redis_client):
    add_non_action_cases(moderation_side.url)
    with session_scope(moderation_side.url) as session:  # even through publish_case, with Redis up
        call = Case(event="USER_CALLED_ADMIN", chat_id=CHAT, network=False)
        session.add(call)
        stats_events.publish_case(session, call, redis_client)
    assert stats_events.sweep(moderation_side.url, redis_client, older_than=timedelta(0)) == 0
    assert queued_events(redis_client) == []
    assert all(case.published_at is not None for case in cases(moderation_side.url))  # out of the sweep's index
    assert {"USER_CALLED_ADMIN", "BROADCAST"}.isdisjoint(stats_events.PUBLISHED_EVENTS)
    assert {spec.event for spec in registry.COMMANDS if spec.stats} <= stats_events.PUBLISHED_EVENTS


def test_the_sweep_sends_in_id_order_in_chunks(moderation_side, redis_client, monkeypatch):
    moderation_side.services = replace(moderation_side.services, redis=down_redis())
    for update_id in range(20, 25):
        command_cases.record(moderation_side.scene(update_id), "MODERATION_DEL", None, None, None, None)
    monkeypatch.setattr(stats_events, "SWEEP_CHUNK", 2)
    assert stats_events.sweep(moderation_side.url, redis_client, older_than=timedelta(0)) == 5
    ids = [case.id for case in cases(moderation_side.url)]
    assert [e["case_id"] for e in queued_events(redis_client)] == ids  # the order stats receives them in
    assert stats_events.sweep(moderation_side.url, redis_client, older_than=timedelta(0)) == 0


def test_redis_down_during_the_sweep_raises_and_loses_nothing(moderation_side, redis_client):
    moderation_side.services = replace(moderation_side.services, redis=down_redis())
    command_cases.record(moderation_side.scene(30), "MODERATION_DEL", None, None, None, None)
    with pytest.raises(redis.ConnectionError):
        stats_events.sweep(moderation_side.url, down_redis(), older_than=timedelta(0))
    [case] = cases(moderation_side.url)
    assert case.published_at is None  # still to send
    assert stats_events.sweep(moderation_side.url, redis_client, older_than=timedelta(0)) == 1


@pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*", "ignore::DeprecationWarning:flask_admin.*")
@pytest.mark.parametrize("broker", ["up", "down"])
def test_a_network_ban_from_the_staff_admin_is_sent_too(moderation_side, redis_url, redis_client, broker):
    client = staff_client(moderation_side.url, redis_url=redis_url if broker == "up" else free_port_url())
    path = "/admin/moderation_blocklist/new/"
    fields = form_fields(client.get(path).get_data(as_text=True), "admin-form")
    client.post(path, data={**fields, "user_id": str(TARGET), "reason": "spam", "duration": ""})
    [case] = cases(moderation_side.url)
    assert case.event == "MODERATION_SUPERBAN"
    assert (case.published_at is not None) == (broker == "up")  # pushed and marked at commit, or left to the sweep
    assert stats_events.sweep(moderation_side.url, redis_client, older_than=timedelta(0)) == (broker == "down")
    [sent] = queued_events(redis_client)
    assert (sent["case_id"], sent["chat_id"], sent["action"]) == (case.id, None, "MODERATION_SUPERBAN")


def test_the_migration_counts_earlier_cases_as_sent(tmp_path, migrated_pg):
    url = f"sqlite:///{tmp_path}/moderation.db"
    component = components.by_name("moderation")
    migrations.upgrade(component, url, "moderation_0004")
    with session_scope(url) as session:
        session.execute(
            text(
                "INSERT INTO moderation_cases (event, network, message_deleted, starred, created_at)"
                " VALUES ('MODERATION_BAN', 0, 0, 0, '2026-11-01 10:00:00.000000')"
            )
        )
    migrations.upgrade(component, url)
    with session_scope(url) as session:
        assert session.execute(text("SELECT created_at, published_at FROM moderation_cases")).one() == (
            "2026-11-01 10:00:00.000000",
            "2026-11-01 10:00:00.000000",
        )
    with session_scope(migrated_pg) as session:  # PostgreSQL: the index holds only the cases still to send
        definition = session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_moderation_cases_unpublished'")
        )
    assert definition.endswith("(id) WHERE (published_at IS NULL)"), definition


@pytest.mark.timeout(120)
def test_cases_reach_the_view_through_a_real_stats_worker(moderation_side, platform_env, redis_client, tmp_path):
    stats_url = moderation_side.services.settings.database_url_for("stats")
    target = scene.Person(TARGET, "Ada")
    command_cases.record(moderation_side.scene(10), "MODERATION_DEL", target, "spam", None, None)
    with session_scope(moderation_side.url) as session:
        command_cases.new_case(
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


def test_the_sweep_is_a_moderation_beat_task_every_30_seconds(settings):
    [entry] = [e for e in BEAT_SCHEDULE.values() if e["task"] == "aula.moderation.publish_cases"]
    assert entry["schedule"] == 30.0 and entry["options"]["queue"] == queue_name("moderation")
    assert entry["task"] in create_app(settings).tasks


@pytest.mark.timeout(150)
def test_a_case_missed_at_commit_reaches_the_view_through_the_workers_once(
    moderation_side, platform_env, redis_client, tmp_path
):
    """Redis down at the commit; then the moderation worker's beat task sends it and a real stats worker counts
    it — once, even when a crash between the push and the mark makes the sweep send it again."""
    stats_url = moderation_side.services.settings.database_url_for("stats")
    moderation_side.services = replace(moderation_side.services, redis=down_redis())
    command_cases.record(moderation_side.scene(40), "MODERATION_DEL", None, None, None, None)
    add_non_action_cases(moderation_side.url)
    with session_scope(moderation_side.url) as session:  # old enough for the sweep
        session.execute(text("UPDATE moderation_cases SET created_at = created_at - interval '1 minute'"))
    [case, *_] = cases(moderation_side.url)
    expected = [(case.created_at.astimezone(UTC).date(), CHAT, "MODERATION_DEL", 1)]
    sweep_task = celery_message("aula.moderation.publish_cases", queue_name("moderation"), [], "test")
    workers = (worker_process(s, platform_env, tmp_path / f"{s}.log") for s in ("stats", "moderation"))
    with running(next(workers)), running(next(workers)):
        redis_client.lpush(queue_name("moderation"), sweep_task)
        wait_until(lambda: view(stats_url) == expected, timeout=60, what="the swept case counted")
        assert all(c.published_at is not None for c in cases(moderation_side.url))
        # The crash between the push and the mark: the case looks unsent, and the next sweep sends it again.
        with session_scope(moderation_side.url) as session:
            session.execute(text("UPDATE moderation_cases SET published_at = NULL WHERE id = :id"), {"id": case.id})
        redis_client.lpush(queue_name("moderation"), sweep_task)
        wait_until(lambda: cases(moderation_side.url)[0].published_at is not None, timeout=60, what="sent again")
        queue = queue_name("stats")
        marker = event(case.id + 1000, "MODERATION_KICK", at=case.created_at.isoformat())
        redis_client.lpush(queue, celery_message(TASK_NAME, queue, [marker], "test"))
        wait_until(lambda: len(view(stats_url)) == 2, timeout=60, what="the marker counted")
    assert view(stats_url) == [*expected, (expected[0][0], CHAT, "MODERATION_KICK", 1)]
