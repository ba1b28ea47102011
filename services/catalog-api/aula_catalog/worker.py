"""`aula worker catalog`: consumes the queue `aula.catalog` (Telegram group facts from the workers)."""

from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy.exc import IntegrityError, OperationalError

from aula_catalog.facts import GroupFacts, InvalidFacts, apply_group_facts
from aula_catalog.publish import publish_if_changed
from aula_shared import redis as aula_redis
from aula_shared.celery import make_celery
from aula_shared.db import session_scope
from aula_shared.settings import Settings

log = logging.getLogger(__name__)

GROUP_FACTS_TASK = "aula.catalog.telegram_group_facts"
PUBLISH_TASK = "aula.catalog.publish_structure"
BEAT_SCHEDULE = {
    "catalog-publish-structure": {"task": PUBLISH_TASK, "schedule": 60.0, "options": {"queue": "aula.catalog"}},
}


def create_app(settings: Settings) -> Celery:
    app = make_celery("catalog", settings)
    database_url = settings.database_url_for("catalog")

    @app.task(
        name=GROUP_FACTS_TASK,
        # Two observations of a new chat may race to create it (IntegrityError): the retry finds the row.
        autoretry_for=(OperationalError, IntegrityError),
        retry_backoff=True,
        retry_backoff_max=60,
        max_retries=10,
    )
    def telegram_group_facts(payload: dict) -> str:
        try:
            facts = GroupFacts.parse(payload)
        except InvalidFacts as error:
            log.warning("dropped invalid group facts", extra={"error": str(error)})
            return "invalid"
        with session_scope(database_url) as session:
            outcome = apply_group_facts(session, facts)
        log.info("group facts", extra={"chat_id": facts.chat_id, "outcome": outcome.value})
        return outcome.value

    @app.task(name=PUBLISH_TASK, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
    def publish_structure() -> int | None:
        """Tell stats and moderation which chats belong to which degree, when the catalog changed."""
        with session_scope(database_url) as session:
            return publish_if_changed(session, aula_redis.client(settings.require_redis()))

    return app
