"""The moderation worker's Celery app: drains conversations through the router."""

from __future__ import annotations

from celery import Celery

from aula_moderation.handlers import Context, Services, build_router
from aula_shared import redis as aula_redis
from aula_shared.celery import make_celery, register_drain, sweep_schedule
from aula_shared.dispatch import UpdateDispatcher
from aula_shared.platform.clients import BotClients
from aula_shared.settings import Settings

SERVICE = "moderation"
BEAT_SCHEDULE = sweep_schedule(SERVICE)


def create_app(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    app = make_celery(SERVICE, settings)
    database_url = settings.database_url_for(SERVICE)

    def batch_handler() -> UpdateDispatcher:
        services = Services(settings, database_url, BotClients(settings))
        return UpdateDispatcher(
            SERVICE,
            aula_redis.client(settings.require_redis()),
            build_router(),
            lambda envelope, update: Context(envelope.bot_id, update, services),
        )

    register_drain(app, SERVICE, batch_handler, batch_size=50)
    return app
