"""Telegram group facts reach the catalog through the queue: a real Celery worker (`aula worker catalog`) on
real Redis and PostgreSQL, fed the way the other workers publish (a Celery message LPUSHed on `aula.catalog`)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from catalog.catalog_data import LEGACY
from catalog.conftest import make_app
from sqlalchemy import select
from support import Process, free_port, running, wait_until

from aula_catalog.facts import GroupFacts, InvalidFacts, Outcome, apply_group_facts
from aula_catalog.importers import run_import
from aula_catalog.models import TelegramGroup
from aula_catalog.worker import GROUP_FACTS_TASK
from aula_shared.db import session_scope
from aula_shared.mailbox import celery_message, queue_name

LOGICA_CHAT = -1001193287828  # "Logica matematica" in Data.json
FISICA_LINK = "https://t.me/joinchat/GKyzuA1oLBIxZTY0"  # triennale-fisica's main group: a link, no chat id


def catalog_worker(env: dict[str, str], log_path) -> Process:
    args = ["worker", "catalog", "--loglevel", "INFO", "--concurrency", "2"]
    args += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"catalog-{free_port()}@%h"]
    return Process(args, env, log_path)


def publish(redis_client, facts: dict) -> None:
    queue = queue_name("catalog")
    redis_client.lpush(queue, celery_message(GROUP_FACTS_TASK, queue, [facts], origin="moderation"))


def facts(chat_id: int, observed_at: str, **fields) -> dict:
    payload = {"chat_id": chat_id, "title": None, "invite_link": None, "member_count": None, "photo": None}
    return {**payload, **fields, "observed_at": observed_at}


def group(url: str, chat_id: int) -> TelegramGroup | None:
    with session_scope(url) as session:
        return session.scalars(select(TelegramGroup).where(TelegramGroup.chat_id == chat_id)).first()


@pytest.fixture
def worker_env(new_database, redis_url, redis_client) -> dict[str, str]:
    url = new_database()
    run_import(url, "legacy", LEGACY / "src/data/Data.json")
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env.update(DATABASE_URL=url, REDIS_URL=redis_url, SECRET_KEY="test-secret-key", PYTHONUNBUFFERED="1")
    env.pop("AULA_EMBEDDED", None)
    return env


def test_a_celery_worker_applies_published_facts(worker_env, redis_client, tmp_path):
    url = worker_env["DATABASE_URL"]
    client = make_app(url).test_client()
    with running(catalog_worker(worker_env, tmp_path / "catalog-worker.log")) as worker:
        # 1. Facts about a known course group: title, link, members and photo reach the API.
        publish(
            redis_client,
            facts(
                LOGICA_CHAT,
                "2026-01-10T10:00:00Z",
                title="Logica matematica | Studenti Unimi",
                invite_link="https://t.me/+logica",
                member_count=412,
                photo="https://cdn.example/logica.jpg",
            ),
        )
        # 2. An older observation published later is ignored.
        publish(redis_client, facts(LOGICA_CHAT, "2026-01-09T10:00:00+00:00", title="Old title", member_count=1))
        # 3. A malformed event is dropped without stopping the worker.
        publish(redis_client, {"chat_id": "not a number", "observed_at": "yesterday"})
        # 4. A chat known only by its invite link gains its id.
        publish(redis_client, facts(-1009999, "2026-01-10T10:00:00Z", invite_link=FISICA_LINK, title="Fisica"))
        # 5. An unknown chat becomes a new, unattached record.
        publish(redis_client, facts(-1008888, "2026-01-10T11:00:00Z", title="Nuovo gruppo", member_count=3))
        wait_until(lambda: group(url, -1008888) is not None, timeout=60, what="the last event applied")
        wait_until(lambda: redis_client.llen(queue_name("catalog")) == 0, timeout=10, what="queue drained")
    log = worker.output()
    assert "Traceback" not in log
    assert "dropped invalid group facts" in log

    logica = group(url, LOGICA_CHAT)
    assert (logica.title, logica.invite_link, logica.member_count, logica.photo) == (
        "Logica matematica | Studenti Unimi",
        "https://t.me/+logica",
        412,
        "https://cdn.example/logica.jpg",
    )
    fisica = group(url, -1009999)
    assert fisica is not None and fisica.invite_link == FISICA_LINK
    assert group(url, -1008888).title == "Nuovo gruppo"

    degree = client.get("/api/degree?slug=triennale-fisica").get_json()
    assert degree["group"]["id"] == -1009999
    informatica = client.get("/api/degree?slug=triennale-informatica").get_json()
    rows = client.get(f"/api/courses?deg_id={informatica['pk']}").get_json()
    course_group = next(r for r in rows if r["course"]["name"] == "Logica matematica")["course"]["group"]
    assert course_group == {
        "id": LOGICA_CHAT,
        "title": "Logica matematica | Studenti Unimi",
        "profile_picture": "https://cdn.example/logica.jpg",
        "invite_link": "https://t.me/+logica",
    }


def observed(minute: int) -> datetime:
    return datetime(2026, 1, 10, 10, minute, tzinfo=UTC)


def test_apply_group_facts_outcomes(sqlite_url):
    with session_scope(sqlite_url) as session:
        first = GroupFacts(chat_id=-100, observed_at=observed(0), title="A", member_count=5)
        assert apply_group_facts(session, first) is Outcome.CREATED
    with session_scope(sqlite_url) as session:
        # SQLite hands back naive datetimes; comparisons must still work.
        assert apply_group_facts(session, first) is Outcome.STALE
        same = GroupFacts(chat_id=-100, observed_at=observed(1), title="A", member_count=5)
        assert apply_group_facts(session, same) is Outcome.UNCHANGED
        newer = GroupFacts(chat_id=-100, observed_at=observed(2), member_count=6)
        assert apply_group_facts(session, newer) is Outcome.UPDATED
    with session_scope(sqlite_url) as session:
        row = session.scalars(select(TelegramGroup).where(TelegramGroup.chat_id == -100)).one()
        assert (row.title, row.member_count) == ("A", 6)  # None fields kept what was known


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"chat_id": True, "observed_at": "2026-01-01T00:00:00Z"},
        {"chat_id": 0, "observed_at": "2026-01-01T00:00:00Z"},
        {"chat_id": -1, "observed_at": "not a date"},
        {"chat_id": -1},
        {"chat_id": -1, "observed_at": "2026-01-01T00:00:00Z", "member_count": -4},
        {"chat_id": -1, "observed_at": "2026-01-01T00:00:00Z", "title": 12},
    ],
)
def test_malformed_facts_are_refused(payload):
    with pytest.raises(InvalidFacts):
        GroupFacts.parse(payload)


def test_facts_parse_normalises_time_and_text():
    parsed = GroupFacts.parse(
        {"chat_id": -5, "observed_at": "2026-01-01T01:00:00+01:00", "title": "  T\x00 ", "invite_link": ""}
    )
    assert parsed.observed_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert parsed.title == "T"
    assert parsed.invite_link is None
