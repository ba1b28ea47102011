"""The stats worker's own tasks through real Celery processes: the catalog's structure arriving as an event,
and a group sync whose facts a real catalog worker applies (the contract between the two, end to end)."""

from __future__ import annotations

from e2e.conftest import BOT_ID, TOKEN, worker_process
from sqlalchemy import text
from stats.updates import ingest, message, user
from support import running, wait_until

from aula_shared.db import session_scope
from aula_shared.mailbox import celery_message, queue_name
from aula_stats.catalog_structure import TASK_NAME as STRUCTURE_TASK
from aula_stats.worker import BEAT_SCHEDULE, SYNC_TASK, create_app
from aula_tgsim.testing import start_simulator

CHAT = -1009009


def scalar(url: str, query: str, **params):
    with session_scope(url) as session:
        return session.execute(text(query), params).scalar()


def send_task(redis_client, task: str, *args) -> None:
    queue = queue_name("stats")
    redis_client.lpush(queue, celery_message(task, queue, list(args), origin="test"))


def test_every_scheduled_task_is_a_task_of_the_worker(settings):
    app = create_app(settings)
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
        assert entry["options"]["queue"] == "aula.stats"


def test_structure_and_group_sync_through_real_workers(platform_env, settings, registered_bot, redis_client, tmp_path):
    url = settings.database_url_for("stats")
    with start_simulator(config={"rate_limits": {"enabled": False}}) as sim:
        sim.client.add_bot(TOKEN, username="aula_test_bot")
        sim.client.add_user(42, "Ada")
        sim.client.add_chat(
            CHAT,
            "supergroup",
            title="Algebra",
            invite_link="https://t.me/+algebra",
            members=[{"user_id": BOT_ID, "status": "administrator"}, {"user_id": 42, "status": "creator"}],
        )
        ingest(url, message(CHAT, user(42, "Ada")), bot_id=BOT_ID)
        env = dict(platform_env, TELEGRAM_API_URL=sim.url)
        structure = {
            "published_at": "2026-11-22T10:00:00Z",
            "departments": [{"slug": "matematica", "name": "Matematica"}],
            "degrees": [{"slug": "mat-l35", "name": "Matematica", "department": "matematica"}],
            "groups": [{"chat_id": CHAT, "degrees": ["mat-l35"]}],
        }
        stats = worker_process("stats", env, tmp_path / "stats.log")
        catalog = worker_process("catalog", env, tmp_path / "catalog.log")
        with running(stats) as stats_worker, running(catalog) as catalog_worker:
            send_task(redis_client, STRUCTURE_TASK, structure)
            send_task(redis_client, SYNC_TASK)
            wait_until(
                lambda: scalar(url, "SELECT count(*) FROM daily_degree_activity WHERE degree = 'mat-l35'") == 1,
                timeout=60,
                what="the structure applied",
            )
            wait_until(
                lambda: scalar(url, "SELECT member_count FROM stats_chats WHERE id = :c", c=CHAT) == 2,
                timeout=60,
                what="the group synced",
            )
            catalog_url = settings.database_url_for("catalog")
            wait_until(
                lambda: (
                    scalar(catalog_url, "SELECT title FROM catalog_telegram_groups WHERE chat_id = :c", c=CHAT)
                    == "Algebra"
                ),
                timeout=60,
                what="the catalog to apply the published facts",
            )
            assert scalar(
                catalog_url, "SELECT invite_link FROM catalog_telegram_groups WHERE chat_id = :c", c=CHAT
            ) == ("https://t.me/+algebra")
        assert "Traceback" not in stats_worker.output() + catalog_worker.output()
