"""Roles applied in Telegram wherever the user is, after a grant, an edit or a revocation."""

from __future__ import annotations

from celery import Celery

from aula_moderation import task_names
from aula_moderation.chats.models import ManagedChat
from aula_moderation.retry import retry_delay
from aula_moderation.roles import special
from aula_shared.db import session_scope
from aula_shared.telegram import TelegramUnavailable


def register(app: Celery, runtime) -> None:
    @app.task(name=task_names.APPLY_ROLES, bind=True, max_retries=None)
    def apply_roles(task, user_id: int) -> dict:
        services = runtime.services()
        try:
            with session_scope(runtime.database_url) as session:
                results = special.apply_everywhere(session, services.bots, user_id)
                for chat_id in (chat_id for chat_id, result in results.items() if result == "no_rights"):
                    chat = session.get(ManagedChat, chat_id)
                    client = services.bots.for_bot(chat.bot_id)
                    special.alert_no_rights(
                        services.redis,
                        client,
                        runtime.settings.staff_chat_id,
                        chat_id,
                        chat.title,
                        runtime.settings.default_language,
                    )
                return {str(k): v for k, v in results.items()}
        except TelegramUnavailable as error:
            raise task.retry(countdown=retry_delay(error, task.request.retries)) from None
