"""The due task: resolves every CAPTCHA and join request whose time ran out.

It is a shared task (moderation's worker app picks it up when it imports the router), sent with a countdown
when a CAPTCHA starts, re-sent for the next pending due time after each run, and sent once when a worker
starts — so a restart resumes every pending CAPTCHA with its remaining time, and a lost ETA message costs at
most a delay. Rows are claimed with SKIP LOCKED: runs in parallel never resolve one twice.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready

from aula_moderation.onboarding import captcha, join_requests, settings
from aula_moderation.onboarding.common import now, utc
from aula_shared import redis as aula_redis
from aula_shared.db import session_scope
from aula_shared.telegram import FloodWait, TelegramUnavailable

log = logging.getLogger(__name__)

APP_NAME = "aula.moderation"


_CLIENTS: dict[int, object] = {}


def _clients(app_settings):
    """One BotClients per process and settings (made after the fork, like the drain's)."""
    from aula_shared.platform.clients import BotClients

    key = id(app_settings)
    if key not in _CLIENTS:
        _CLIENTS[key] = BotClients(app_settings)
    return _CLIENTS[key]


def _retry_delay(error: TelegramUnavailable, attempt: int) -> float:
    if isinstance(error, FloodWait) and error.retry_after:
        return error.retry_after + 0.5
    return min(60.0, 2.0**attempt)


@shared_task(name=captcha.DUE_TASK, bind=True, max_retries=None, ignore_result=True)
def run_due(task) -> int:
    app_settings = task.app.aula_settings
    database_url = app_settings.database_url_for("moderation")
    clients = _clients(app_settings)
    done = 0
    try:
        with session_scope(database_url) as session:
            for row in captcha.claim_due(session):
                client = clients.for_bot(row.bot_id)
                if row.kind == "request":
                    join_requests.expire(session, client, row)
                else:
                    captcha.punish(session, client, row, settings.load(session, row.chat_id)["captcha_action"])
                    row.status, row.resolved_at = "expired", now()
                    captcha.drop_message(session, client, row)
                session.commit()  # each resolution is kept even if a later call raises FloodWait
                done += 1
            upcoming = captcha.next_due(session)
    except TelegramUnavailable as error:
        raise task.retry(countdown=_retry_delay(error, task.request.retries)) from None
    if upcoming is not None:
        send = lambda name, args, countdown: task.app.send_task(name, args=list(args), countdown=countdown)  # noqa: E731
        captcha.wake_at(aula_redis.client(app_settings.require_redis()), send, utc(upcoming))
    return done


@worker_ready.connect
def _resume_on_start(sender=None, **_kwargs) -> None:
    app = getattr(sender, "app", None)
    if app is not None and app.main == APP_NAME:
        app.send_task(captcha.DUE_TASK, queue="aula.moderation")
