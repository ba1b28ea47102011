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
    @app.task(name=task_names.TIMERS)
    def run_timers() -> int:
        """Every due timer, each in a transaction of its own. A flood wait or an outage on one timer leaves that
        timer due and goes on with the others; the task comes back for it after the wait."""
        done, wait = 0, 0.0
        with session_scope(runtime.database_url) as session:
            due = timers.due(session, datetime.now(UTC))
        for timer_id in due:
            with session_scope(runtime.database_url) as session:
                timer = timers.take(session, timer_id)
                if timer is None:
                    continue
                try:
                    finished = timers.run(session, runtime.services().bots, timer, runtime.timer_actions)
                except TelegramUnavailable as error:
                    session.rollback()
                    wait = max(wait, retry_delay(error, 0))
                    continue
                timer.attempts += 1
                if finished or timer.attempts >= timers.MAX_ATTEMPTS:
                    timer.done_at = datetime.now(UTC)
                    done += 1
        if wait:
            runtime.send_task(task_names.TIMERS, (), wait)
        return done
