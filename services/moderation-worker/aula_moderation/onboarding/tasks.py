"""The due task: resolves every CAPTCHA and join request whose time ran out.

Sent with a countdown when a CAPTCHA starts, re-sent for the next pending due time after each run, and sent once
when a worker starts — so a restart resumes every pending CAPTCHA with its remaining time, and a lost ETA
message costs at most a delay (beat also sends it every few seconds, a safety net). Rows are claimed with SKIP
LOCKED: runs in parallel never resolve one twice.
"""

from __future__ import annotations

import logging

from celery import Celery
from celery.signals import worker_ready

from aula_moderation import task_names
from aula_moderation.onboarding import captcha, join_requests, settings
from aula_moderation.onboarding.common import now, utc
from aula_moderation.retry import retry_delay
from aula_shared.db import session_scope
from aula_shared.telegram import TelegramUnavailable

log = logging.getLogger(__name__)


def register(app: Celery, runtime) -> None:
    @app.task(name=task_names.ONBOARDING_DUE, bind=True, max_retries=None, ignore_result=True)
    def run_due(task) -> int:
        services = runtime.services()
        done = 0
        try:
            with session_scope(runtime.database_url) as session:
                for row in captcha.claim_due(session):
                    client = services.bots.for_bot(row.bot_id)
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
            raise task.retry(countdown=retry_delay(error, task.request.retries)) from None
        if upcoming is not None:
            captcha.wake_at(services.redis, runtime.send_task, utc(upcoming))
        return done

    def resume_on_start(sender=None, **_kwargs) -> None:
        if getattr(sender, "app", None) is app:
            runtime.send_task(task_names.ONBOARDING_DUE, (), None)

    # Held by the signal for the app's life (weak=False: the function is local to this call).
    worker_ready.connect(resume_on_start, weak=False)
