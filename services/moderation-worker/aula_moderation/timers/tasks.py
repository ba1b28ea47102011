"""The timers task: every due timer carried out (beat runs it every few seconds; near timers send it early)."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import Celery

from aula_moderation import task_names
from aula_moderation.retry import retry_delay
from aula_moderation.timers import schedule as timers
from aula_shared.db import session_scope
from aula_shared.telegram import TelegramUnavailable


def register(app: Celery, runtime) -> None:
    @app.task(name=task_names.TIMERS, bind=True, max_retries=None)
    def run_timers(task) -> int:
        done = 0
        with session_scope(runtime.database_url) as session:
            for timer in timers.claim_due(session, datetime.now(UTC)):
                try:
                    finished = timers.run(session, runtime.services().bots, timer, runtime.timer_actions)
                except TelegramUnavailable as error:
                    session.commit()
                    raise task.retry(countdown=retry_delay(error, task.request.retries)) from None
                timer.attempts += 1
                if finished or timer.attempts >= timers.MAX_ATTEMPTS:
                    timer.done_at = datetime.now(UTC)
                    done += 1
        return done
