"""The moderation worker's Celery app: drains conversations through the router, and runs moderation's
background work — durable timers, the log flush, network-ban jobs, role re-application, the reconciler."""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime

import httpx
import redis
from celery import Celery

from aula_moderation import blocklist, chats, modlog, network, reconcile, special, stats_events, timers
from aula_moderation.batch import BatchDispatcher
from aula_moderation.handlers import Context, Services, build_router
from aula_moderation.models import ManagedChat
from aula_moderation.pacing import Pacer
from aula_shared import redis as aula_redis
from aula_shared.celery import make_celery, register_drain, sweep_schedule
from aula_shared.db import session_scope
from aula_shared.mailbox import queue_name
from aula_shared.platform.clients import BotClients
from aula_shared.settings import Settings
from aula_shared.telegram import FloodWait, TelegramUnavailable

log = logging.getLogger(__name__)

SERVICE = "moderation"
QUEUE = queue_name(SERVICE)
BEAT_SCHEDULE = {
    **sweep_schedule(SERVICE),
    "moderation-timers": {"task": "aula.moderation.timers", "schedule": 5.0, "options": {"queue": QUEUE}},
    # A safety net under the CAPTCHA timeouts, which schedule themselves (see onboarding/captcha.py).
    "moderation-onboarding-due": {
        "task": "aula.moderation.onboarding_due",
        "schedule": 5.0,
        "options": {"queue": QUEUE},
    },
    "moderation-log": {"task": "aula.moderation.flush_log", "schedule": 30.0, "options": {"queue": QUEUE}},
    # The net under stats events the after-commit push missed (see stats_events.py).
    "moderation-stats-cases": {
        "task": "aula.moderation.publish_cases",
        "schedule": 30.0,
        "options": {"queue": QUEUE},
    },
    "moderation-reconcile": {"task": "aula.moderation.reconcile", "schedule": 600.0, "options": {"queue": QUEUE}},
    "moderation-blocklist": {
        "task": "aula.moderation.fetch_blocklist",
        "schedule": 86400.0,
        "options": {"queue": QUEUE},
    },
}


def _retry_delay(error: TelegramUnavailable, attempt: int) -> float:
    if isinstance(error, FloodWait) and error.retry_after:
        return error.retry_after + 0.5
    return min(60.0, 2.0**attempt)


def create_app(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    app = make_celery(SERVICE, settings)
    database_url = settings.database_url_for(SERVICE)

    def send_task(name: str, args=(), countdown: float | None = None) -> None:
        app.send_task(name, args=list(args), countdown=countdown, queue=QUEUE)

    @functools.cache
    def services() -> Services:  # one per process (made after the fork)
        connection = aula_redis.client(settings.require_redis())
        return Services(settings, database_url, BotClients(settings), connection, send_task)

    @functools.cache
    def pacer() -> Pacer:
        return Pacer(services().redis)

    def batch_handler() -> BatchDispatcher:
        dispatcher = BatchDispatcher(
            SERVICE,
            aula_redis.client(settings.require_redis()),
            build_router(),
            lambda envelope, update: Context(envelope.bot_id, update, services(), batch=dispatcher.batch),
            database_url,
        )
        return dispatcher

    # Quiet chats are gathered into shared batches (one task, one read, one write for up to 50 chats); the
    # dispatcher handles them chat by chat, so a flood wait in one chat retries that chat alone.
    register_drain(
        app, SERVICE, lambda: batch_handler().handle_conversations, batch_size=50, gather=50, by_conversation=True
    )

    @app.task(name="aula.moderation.timers", bind=True, max_retries=None)
    def run_timers(task) -> int:
        done = 0
        with session_scope(database_url) as session:
            for timer in timers.claim_due(session, datetime.now(UTC)):
                try:
                    finished = timers.run(session, services().bots, timer)
                except TelegramUnavailable as error:
                    session.commit()
                    raise task.retry(countdown=_retry_delay(error, task.request.retries)) from None
                timer.attempts += 1
                if finished or timer.attempts >= timers.MAX_ATTEMPTS:
                    timer.done_at = datetime.now(UTC)
                    done += 1
        return done

    @app.task(name="aula.moderation.flush_log", bind=True, max_retries=None)
    def flush_log(task) -> int:
        if settings.log_chat_id is None:
            return 0
        connection = services().redis
        lock = connection.lock("aula:modlog:flush", timeout=120, blocking_timeout=0)
        if not lock.acquire(blocking=False):
            # Another flush is running and may have looked before this entry was queued: look again soon.
            send_task("aula.moderation.flush_log", (), 3.0)
            return -1
        try:
            with session_scope(database_url) as session:
                left = modlog.flush(session, connection, services().bots, settings.log_chat_id)
        except TelegramUnavailable as error:
            raise task.retry(countdown=_retry_delay(error, task.request.retries)) from None
        finally:
            lock.release()
        if left:
            send_task("aula.moderation.flush_log", (), 10.0)
        return left

    @app.task(name="aula.moderation.publish_cases")
    def publish_cases() -> int:
        """Cases whose stats event is still to send; -1 while Redis is down (the next beat tries again)."""
        try:
            return stats_events.sweep(database_url, services().redis)
        except redis.RedisError as error:
            log.warning("cases not sent to stats: Redis unavailable", extra={"error": str(error)[:200]})
            return -1

    @app.task(name="aula.moderation.network_job", bind=True, max_retries=None)
    def network_job(task, job_id: int) -> dict:
        try:
            with session_scope(database_url) as session:
                network.run_job(session, services().bots, job_id, pace=pacer())
                return network.summary(session, job_id)
        except TelegramUnavailable as error:
            raise task.retry(countdown=_retry_delay(error, task.request.retries)) from None

    @app.task(name="aula.moderation.apply_roles", bind=True, max_retries=None)
    def apply_roles(task, user_id: int) -> dict:
        try:
            with session_scope(database_url) as session:
                results = special.apply_everywhere(session, services().bots, user_id)
                for chat_id in (chat_id for chat_id, result in results.items() if result == "no_rights"):
                    chat = session.get(ManagedChat, chat_id)
                    client = services().bots.for_bot(chat.bot_id)
                    special.alert_no_rights(services().redis, client, settings.staff_chat_id, chat_id, chat.title)
                return {str(k): v for k, v in results.items()}
        except TelegramUnavailable as error:
            raise task.retry(countdown=_retry_delay(error, task.request.retries)) from None

    @app.task(name="aula.moderation.chat_scopes")
    def chat_scopes(payload: dict) -> bool:
        """Event from the catalog: {"chat_id": int, "degrees": [slug…], "departments": [slug…]}."""
        chat_id = payload.get("chat_id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            log.warning("chat_scopes event without an integer chat_id", extra={"payload": str(payload)[:200]})
            return False
        with session_scope(database_url) as session:
            chats.set_scopes(
                session,
                chat_id,
                [str(s) for s in payload.get("degrees") or []],
                [str(s) for s in payload.get("departments") or []],
            )
        return True

    @app.task(name="aula.moderation.fetch_blocklist", bind=True, max_retries=5)
    def fetch_blocklist(task) -> dict:
        """The external blocklist (BLOCKLIST_URL), daily; a failed fetch keeps the current entries."""
        url = blocklist.url_from_env()
        if url is None:
            return {}
        try:
            ids = blocklist.fetch(url)
        except (httpx.HTTPError, blocklist.BadBlocklist) as error:
            log.warning("external blocklist not fetched", extra={"error": str(error)[:200]})
            raise task.retry(countdown=min(3600, 60 * 2**task.request.retries)) from None
        with session_scope(database_url) as session:
            counts = blocklist.replace_external(session, ids)
        log.info("external blocklist fetched", extra=counts)
        return counts

    @app.task(name="aula.moderation.reconcile", bind=True, max_retries=None)
    def run_reconcile(task) -> dict:
        try:
            with session_scope(database_url) as session:
                return reconcile.run(session, services().bots)
        except TelegramUnavailable as error:
            raise task.retry(countdown=_retry_delay(error, task.request.retries)) from None

    return app
