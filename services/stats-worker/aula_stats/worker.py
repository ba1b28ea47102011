"""The stats worker's Celery app: drains conversations into the stats database."""

from __future__ import annotations

from celery import Celery

from aula_shared.celery import make_celery, register_drain, sweep_schedule
from aula_shared.settings import Settings
from aula_stats.ingest import StatsIngest

SERVICE = "stats"
BATCH_SIZE = 500  # one transaction per batch of a conversation's updates
BEAT_SCHEDULE = sweep_schedule(SERVICE)


def create_app(settings: Settings | None = None) -> Celery:
    settings = settings or Settings.from_env()
    app = make_celery(SERVICE, settings)
    register_drain(app, SERVICE, lambda: StatsIngest(settings.database_url_for(SERVICE)), batch_size=BATCH_SIZE)
    return app
