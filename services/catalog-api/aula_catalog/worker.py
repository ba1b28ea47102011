"""`aula worker catalog`: consumes the queue `aula.catalog` (Telegram group facts from the workers)."""

from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy.exc import IntegrityError, OperationalError

from aula_catalog.facts import GroupFacts, InvalidFacts, apply_group_facts
from aula_shared.celery import make_celery
from aula_shared.db import session_scope
from aula_shared.settings import Settings

log = logging.getLogger(__name__)

GROUP_FACTS_TASK = "aula.catalog.telegram_group_facts"


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

    return app
