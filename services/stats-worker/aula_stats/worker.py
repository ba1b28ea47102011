"""The stats worker's Celery app: drains conversations into the stats database, and its periodic tasks."""

from __future__ import annotations

import logging

from celery import Celery

from aula_shared import redis as aula_redis
from aula_shared.celery import make_celery, register_drain, sweep_schedule
from aula_shared.db import session_scope
from aula_shared.mailbox import queue_name
from aula_shared.platform.clients import BotClients
from aula_shared.settings import Settings
from aula_stats.catalog_structure import TASK_NAME as CATALOG_STRUCTURE_TASK
from aula_stats.catalog_structure import InvalidStructure, Structure, apply_structure
from aula_stats.config import StatsConfig
from aula_stats.group_sync import GroupSync
from aula_stats.ingest import StatsIngest
from aula_stats.moderation_actions import TASK_NAME as MODERATION_CASE_TASK
from aula_stats.moderation_actions import CaseEvent, InvalidAction, record_action
from aula_stats.profiles import ProfileTracker
from aula_stats.retention import apply_retention

log = logging.getLogger(__name__)

SERVICE = "stats"
BATCH_SIZE = 500  # one transaction per batch of a conversation's updates
# Quiet chats waiting in the queue that one drain may take into its batch (and transaction): under a backlog of
# chats with an update or two each, one task and one transaction serve many (see ARCHITECTURE.md, "Ordering").
GATHER = 100
SYNC_TASK = "aula.stats.sync_groups"
PROFILES_TASK = "aula.stats.poll_profiles"
RETENTION_TASK = "aula.stats.retention"


def _every(seconds: float, task: str) -> dict:
    return {"task": task, "schedule": seconds, "options": {"queue": queue_name(SERVICE), "expires": seconds}}


# The tasks run often and do only what is due (intervals: StatsConfig), so the schedule needs no settings.
BEAT_SCHEDULE = {
    **sweep_schedule(SERVICE),
    "stats-sync-groups": _every(60.0, SYNC_TASK),
    "stats-poll-profiles": _every(30.0, PROFILES_TASK),
    "stats-retention": _every(3600.0, RETENTION_TASK),
}


def create_app(settings: Settings | None = None, config: StatsConfig | None = None) -> Celery:
    settings = settings or Settings.from_env()
    config = config or StatsConfig.from_env()
    database_url = settings.database_url_for(SERVICE)
    app = make_celery(SERVICE, settings)
    register_drain(app, SERVICE, lambda: StatsIngest(database_url), batch_size=BATCH_SIZE, gather=GATHER)
    clients = BotClients(settings)

    @app.task(name=CATALOG_STRUCTURE_TASK)
    def catalog_structure(payload: dict) -> str:
        try:
            structure = Structure.parse(payload)
        except InvalidStructure as error:
            log.warning("dropped an invalid catalog structure", extra={"error": str(error)})
            return "invalid"
        with session_scope(database_url) as session:
            applied = apply_structure(session, structure)
        return "applied" if applied else "stale"

    @app.task(name=MODERATION_CASE_TASK)
    def moderation_case(payload: dict) -> str:
        try:
            event = CaseEvent.parse(payload)
        except InvalidAction as error:
            log.warning("dropped an invalid moderation case event", extra={"error": str(error)})
            return "invalid"
        with session_scope(database_url) as session:
            recorded = record_action(session, event)
        return "recorded" if recorded else "duplicate"

    @app.task(name=SYNC_TASK)
    def sync_groups() -> dict:
        redis_client = aula_redis.client(settings.require_redis())
        # One run at a time: a slow run (flood waits) must not overlap the next minute's.
        lock = redis_client.lock("aula:stats:sync:running", timeout=600, blocking=False)
        if not lock.acquire():
            return {"skipped": True}
        try:
            sync = GroupSync(database_url, redis_client, clients, config.sync_interval, config.sync_per_run)
            report = sync.run()
        finally:
            lock.release()
        return {"synced": len(report.synced), "published": len(report.published), "refused": len(report.refused)}

    @app.task(name=PROFILES_TASK)
    def poll_profiles() -> dict:
        redis_client = aula_redis.client(settings.require_redis())
        lock = redis_client.lock("aula:stats:profiles:running", timeout=600, blocking=False)
        if not lock.acquire():
            return {"skipped": True}
        try:
            tracker = ProfileTracker(database_url, config.tme_url, config.profile_interval, config.blank_grace)
            report = tracker.poll()
        finally:
            lock.release()
        return {"checked": len(report.checked), "changed": len(report.changed), "failed": len(report.failed)}

    @app.task(name=RETENTION_TASK)
    def retention() -> dict:
        report = apply_retention(database_url, config.retention, config.processed_retention)
        return {"rolled_up_rows": report.rolled_up_rows, "forgotten_updates": report.forgotten_updates}

    return app
