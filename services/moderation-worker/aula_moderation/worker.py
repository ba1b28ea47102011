"""The moderation worker's Celery app: drains conversations through the pipeline, and runs each domain's
background work — registered by the domain's own `tasks.register(app, runtime)`, under the names in
task_names.py."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from celery import Celery

from aula_moderation import chat_actions, task_names
from aula_moderation.chats import tasks as chat_tasks
from aula_moderation.commands import actions as command_actions
from aula_moderation.log import tasks as log_tasks
from aula_moderation.network import jobs as network_jobs
from aula_moderation.network import tasks as network_tasks
from aula_moderation.network.pacing import Pacer
from aula_moderation.onboarding import tasks as onboarding_tasks
from aula_moderation.pipeline import build_router
from aula_moderation.pipeline.batch import BatchDispatcher
from aula_moderation.pipeline.context import Context, Services
from aula_moderation.restrictions import service as restrictions
from aula_moderation.roles import tasks as role_tasks
from aula_moderation.timers import tasks as timer_tasks
from aula_shared import redis as aula_redis
from aula_shared.celery import make_celery, register_drain, sweep_schedule
from aula_shared.platform.clients import BotClients
from aula_shared.settings import Settings

SERVICE = "moderation"
QUEUE = task_names.QUEUE
DOMAINS_WITH_TASKS = (timer_tasks, log_tasks, network_tasks, role_tasks, chat_tasks, onboarding_tasks)


def _every(seconds: float, task: str) -> dict:
    return {"task": task, "schedule": seconds, "options": {"queue": QUEUE}}


BEAT_SCHEDULE = {
    **sweep_schedule(SERVICE),
    "moderation-timers": _every(5.0, task_names.TIMERS),
    # A safety net under the CAPTCHA timeouts, which schedule themselves (see onboarding/captcha.py).
    "moderation-onboarding-due": _every(5.0, task_names.ONBOARDING_DUE),
    "moderation-log": _every(30.0, task_names.FLUSH_LOG),
    "moderation-log-prune": _every(3600.0, task_names.PRUNE_LOG),
    # The net under stats events the after-commit push missed (see log/stats_events.py).
    "moderation-stats-cases": _every(30.0, task_names.PUBLISH_CASES),
    "moderation-reconcile": _every(600.0, task_names.RECONCILE),
    "moderation-blocklist": _every(86400.0, task_names.FETCH_BLOCKLIST),
}


@dataclass(eq=False)  # hashed by identity: its cached services are per instance
class Runtime:
    """What the tasks of every domain share in one worker process: settings, the database, and the services
    (made after the fork, once per process)."""

    app: Celery
    settings: Settings
    database_url: str = field(init=False)

    def __post_init__(self) -> None:
        self.database_url = self.settings.database_url_for(SERVICE)

    def send_task(self, name: str, args=(), countdown: float | None = None) -> None:
        self.app.send_task(name, args=list(args), countdown=countdown, queue=QUEUE)

    @functools.cache  # noqa: B019  (one Runtime per app, living as long as it)
    def services(self) -> Services:
        connection = aula_redis.client(self.settings.require_redis())
        return Services(self.settings, self.database_url, BotClients(self.settings), connection, self.send_task)

    @property
    def timer_actions(self) -> dict:
        """What each kind of timer does, from the domains that schedule them."""
        return {
            **chat_actions.TIMER_ACTIONS,
            **command_actions.TIMER_ACTIONS,
            **network_jobs.TIMER_ACTIONS,
            **restrictions.TIMER_ACTIONS,
        }

    @functools.cache  # noqa: B019
    def pacer(self) -> Pacer:
        return Pacer(self.services().redis)


def create_app(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    app = make_celery(SERVICE, settings)
    runtime = Runtime(app, settings)

    def batch_handler() -> BatchDispatcher:
        dispatcher = BatchDispatcher(
            SERVICE,
            aula_redis.client(settings.require_redis()),
            build_router(),
            lambda envelope, update: Context(envelope.bot_id, update, runtime.services(), batch=dispatcher.batch),
            runtime.database_url,
        )
        return dispatcher

    # Quiet chats are gathered into shared batches (one task, one read, one write for up to 50 chats); the
    # dispatcher handles them chat by chat, so a flood wait in one chat retries that chat alone.
    register_drain(
        app, SERVICE, lambda: batch_handler().handle_conversations, batch_size=50, gather=50, by_conversation=True
    )
    for domain in DOMAINS_WITH_TASKS:
        domain.register(app, runtime)
    return app
