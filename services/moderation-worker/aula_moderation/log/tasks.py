"""The log chat's flush and its outbox's pruning, and the sweep that sends stats the cases the after-commit push
missed."""

from __future__ import annotations

import contextlib
import logging

import redis
from celery import Celery
from celery.signals import worker_ready

from aula_moderation import task_names
from aula_moderation.log import flushing, log_chat, stats_events
from aula_moderation.retry import retry_delay
from aula_shared.db import session_scope
from aula_shared.telegram import TelegramUnavailable

log = logging.getLogger(__name__)


def register(app: Celery, runtime) -> None:
    settings = runtime.settings

    @app.task(name=task_names.FLUSH_LOG, bind=True, max_retries=None)
    def flush_log(task) -> int:
        """Send what the log chat's budget allows; -1 when another flush is running (it is asked again)."""
        if settings.log_chat_id is None:
            return 0
        services = runtime.services()
        connection = services.redis
        flushing.started(connection)
        lock = flushing.FlushLock(connection)
        if not lock.acquire():
            # The running flush may have read the outbox before this task's entry was committed: look again soon.
            flushing.request(connection, runtime.send_task, 3.0)
            return -1
        try:
            with session_scope(runtime.database_url) as session:
                left = log_chat.flush(
                    session,
                    connection,
                    services.bots,
                    settings.log_chat_id,
                    settings.default_language,
                    still_held=lock.still_held,
                )
        except TelegramUnavailable as error:
            raise task.retry(countdown=retry_delay(error, task.request.retries)) from None
        finally:
            lock.release()
        if left:
            flushing.request(connection, runtime.send_task, 10.0)
        return left

    @worker_ready.connect(weak=False)
    def forget_lost_flushes(sender=None, **_kwargs) -> None:
        if getattr(sender, "app", None) is app and settings.log_chat_id is not None:
            with contextlib.suppress(redis.RedisError):  # Redis down: the mark lapses by itself
                flushing.forget_queued(runtime.services().redis)

    @app.task(name=task_names.PRUNE_LOG)
    def prune_log() -> int:
        with session_scope(runtime.database_url) as session:
            return log_chat.prune_sent(session)

    @app.task(name=task_names.PUBLISH_CASES)
    def publish_cases() -> int:
        """Cases whose stats event is still to send; -1 while Redis is down (the next beat tries again)."""
        try:
            return stats_events.sweep(runtime.database_url, runtime.services().redis)
        except redis.RedisError as error:
            log.warning("cases not sent to stats: Redis unavailable", extra={"error": str(error)[:200]})
            return -1
