"""Events about chats from the catalog: which degrees and departments a chat belongs to."""

from __future__ import annotations

import logging

from celery import Celery

from aula_moderation import task_names
from aula_moderation.chats import records as chats
from aula_shared.db import session_scope

log = logging.getLogger(__name__)


def register(app: Celery, runtime) -> None:
    @app.task(name=task_names.CHAT_SCOPES)
    def chat_scopes(payload: dict) -> bool:
        """Event from the catalog: {"chat_id": int, "degrees": [slug…], "departments": [slug…]}."""
        chat_id = payload.get("chat_id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            log.warning("chat_scopes event without an integer chat_id", extra={"payload": str(payload)[:200]})
            return False
        with session_scope(runtime.database_url) as session:
            chats.set_scopes(
                session,
                chat_id,
                [str(s) for s in payload.get("degrees") or []],
                [str(s) for s in payload.get("departments") or []],
            )
        return True
