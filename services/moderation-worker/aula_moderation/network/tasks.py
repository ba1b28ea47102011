"""Network-wide work: a network job chat by chat, the external blocklist (daily), the reconciler."""

from __future__ import annotations

import functools
import logging

import httpx
from celery import Celery

from aula_moderation import task_names
from aula_moderation.network import blocklist, broadcast, reconcile
from aula_moderation.network import jobs as network
from aula_moderation.retry import retry_delay
from aula_shared.db import session_scope
from aula_shared.telegram import TelegramUnavailable

log = logging.getLogger(__name__)


def register(app: Celery, runtime) -> None:
    @app.task(name=task_names.NETWORK_JOB, bind=True, max_retries=None)
    def network_job(task, job_id: int) -> dict:
        try:
            with session_scope(runtime.database_url) as session:
                network.run_job(
                    session,
                    runtime.services().bots,
                    job_id,
                    pace=runtime.pacer(),
                    on_done=functools.partial(broadcast.report, default_language=runtime.settings.default_language),
                )
                return network.summary(session, job_id)
        except TelegramUnavailable as error:
            raise task.retry(countdown=retry_delay(error, task.request.retries)) from None

    @app.task(name=task_names.FETCH_BLOCKLIST, bind=True, max_retries=5)
    def fetch_blocklist(task) -> dict:
        """The external blocklist (BLOCKLIST_URL), daily; a failed fetch keeps the current entries."""
        url = blocklist.url_from_env()
        if url is None:
            return {}
        try:
            ids = blocklist.fetch(url)
        except (httpx.HTTPError, blocklist.BadBlocklist) as error:
            log.warning("external blocklist not fetched", extra={"error": str(error)[:200]})
            raise task.retry(countdown=min(3600, 60 * 2**task.request.retries)) from None
        with session_scope(runtime.database_url) as session:
            counts = blocklist.replace_external(session, ids)
        log.info("external blocklist fetched", extra=counts)
        return counts

    @app.task(name=task_names.RECONCILE, bind=True, max_retries=None)
    def run_reconcile(task) -> dict:
        try:
            with session_scope(runtime.database_url) as session:
                return reconcile.run(session, runtime.services().bots)
        except TelegramUnavailable as error:
            raise task.retry(countdown=retry_delay(error, task.request.retries)) from None
